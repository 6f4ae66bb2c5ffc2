"""The switch simulator's grammar and state, in process (no SSH): prompts, views, errors with
their caret, the configuration commands and their undo forms, running vs saved."""

from __future__ import annotations

import pytest

from sharpeyes.switches.sim import vlans
from sharpeyes.switches.sim.engine import Session, SimSwitch
from sharpeyes.switches.sim.model import Config, SwitchSpec
from sharpeyes.switches.sim.vendors import make_switch, vendor

VRP_PORTS = [f"GigabitEthernet0/0/{i}" for i in range(1, 25)] + [
    f"XGigabitEthernet0/0/{i}" for i in range(1, 5)
]
CW_PORTS = [f"GigabitEthernet1/0/{i}" for i in range(1, 29)]


def vrp() -> Session:
    return Session(make_switch(SwitchSpec("qx-sw01", "huawei-vrp5", VRP_PORTS), "sharpeyes"))


def comware() -> Session:
    return Session(make_switch(SwitchSpec("qx-sw02", "h3c-comware7", CW_PORTS), "sharpeyes"))


def run(session: Session, *lines: str) -> list[str]:
    return [session.feed(line) for line in lines]


def config(session: Session) -> list[str]:
    return session.switch.current_configuration().splitlines()


def block(session: Session, header: str) -> list[str]:
    """The lines of one `interface ...` / `vlan ...` section of the running configuration."""
    lines = config(session)
    start = lines.index(header)
    end = lines.index("#", start)
    return [line.removeprefix(" ") for line in lines[start + 1 : end]]


# --- VLAN lists ---------------------------------------------------------------------------


def test_vlan_lists_parse_and_format_both_ways() -> None:
    assert vlans.parse(["10", "20", "to", "23", "4094"]) == {10, 20, 21, 22, 23, 4094}
    assert vlans.format_to({10, 20, 21, 22, 23}) == "10 20 to 23"
    assert vlans.format_dash({1, 10, 20, 21, 22}) == "1 10 20-22"
    with pytest.raises(vlans.VlanListError) as err:
        vlans.parse(["10", "4095"])
    assert err.value.index == 1


# --- prompts and views ---------------------------------------------------------------------


def test_vrp_prompts_follow_the_views() -> None:
    s = vrp()
    assert s.greeting().endswith("<qx-sw01>")
    assert run(s, "system-view")[0].endswith("\n[qx-sw01]")
    assert run(s, "interface GigabitEthernet0/0/1") == ["[qx-sw01-GigabitEthernet0/0/1]"]
    assert run(s, "vlan 10") == ["[qx-sw01-vlan10]"]  # a system-view command from a sub-view
    assert run(s, "quit", "aaa", "return") == ["[qx-sw01]", "[qx-sw01-aaa]", "<qx-sw01>"]
    assert run(s, "quit") == [""] and s.closed


def test_comware_prompts_follow_the_views() -> None:
    s = comware()
    run(s, "system-view")
    assert run(s, "interface g1/0/1") == ["[qx-sw02-GigabitEthernet1/0/1]"]
    assert run(s, "interface Vlan-interface10") == ["[qx-sw02-Vlan-interface10]"]
    assert run(s, "local-user sharpeyes class manage") == ["[qx-sw02-luser-manage-sharpeyes]"]
    assert run(s, "return") == ["<qx-sw02>"]


def test_sysname_changes_the_prompt() -> None:
    s = vrp()
    assert run(s, "system-view", "sysname core-a")[1] == "[core-a]"


# --- errors, with the caret under the offending word -----------------------------------------


def test_vrp_unrecognized_command_points_at_the_word() -> None:
    s = vrp()
    run(s, "system-view", "interface GigabitEthernet0/0/1")
    out = s.feed("port link-tipe access")
    prompt = "[qx-sw01-GigabitEthernet0/0/1]"
    assert out.splitlines() == [
        " " * (len(prompt) + len("port ")) + "^",
        "Error: Unrecognized command found at '^' position.",
        prompt,
    ]


def test_comware_unrecognized_command_points_at_the_word() -> None:
    s = comware()
    out = s.feed("display vlna brief")
    assert out.splitlines() == [
        " " * len("<qx-sw02>display ") + "^",
        " % Unrecognized command found at '^' position.",
        "<qx-sw02>",
    ]


@pytest.mark.parametrize(
    ("line", "column", "message"),
    [
        ("vlan 4095", 5, "Error: Wrong parameter found at '^' position."),
        ("vlan batch 10 to", 17, "Error: Incomplete command found at '^' position."),
        ("sysname a b", 10, "Error: Too many parameters found at '^' position."),
        ("interface GigabitEthernet0/0/25", 10, "Error: Wrong parameter found at '^' position."),
        ("interface Ethernet0/0/1", 10, "Error: Wrong parameter found at '^' position."),
    ],
)
def test_vrp_syntax_errors(line: str, column: int, message: str) -> None:
    s = vrp()
    run(s, "system-view")
    caret, text, prompt = s.feed(line).splitlines()
    assert caret == " " * (len("[qx-sw01]") + column) + "^"
    assert (text, prompt) == (message, "[qx-sw01]")


def test_abbreviations_are_accepted_when_unique() -> None:
    s = vrp()
    assert "sysname qx-sw01" in s.feed("dis cur")
    assert "Error: Incomplete command" in s.feed("d")  # `display` needs what to display
    assert "Error: Ambiguous command" in s.feed("s")  # save, screen-length, system-view


def test_failed_command_in_a_sub_view_stays_in_that_view() -> None:
    s = vrp()
    run(s, "system-view", "interface GigabitEthernet0/0/1")
    assert s.feed("interface GigabitEthernet0/0/99").endswith("[qx-sw01-GigabitEthernet0/0/1]")


# --- ports and VLANs, with the vendors' consistency rules ------------------------------------


def test_vrp_access_port_needs_access_link_type_and_an_existing_vlan() -> None:
    s = vrp()
    run(s, "system-view", "interface GigabitEthernet0/0/1")
    assert s.feed("port default vlan 10").startswith("Error: The port is not an access port")
    run(s, "port link-type access")
    assert s.feed("port default vlan 10").startswith("Error: The VLAN 10 does not exist.")
    run(s, "vlan batch 10 20", "interface GigabitEthernet0/0/1", "port default vlan 10")
    assert block(s, "interface GigabitEthernet0/0/1") == [
        "port link-type access",
        "port default vlan 10",
    ]


def test_vrp_link_type_change_needs_default_vlan_settings_first() -> None:
    s = vrp()
    run(s, "system-view", "vlan batch 10", "interface GigabitEthernet0/0/1")
    run(s, "port link-type access", "port default vlan 10")
    assert s.feed("port link-type trunk").startswith(
        "Error: Please renew the default configurations."
    )
    run(s, "undo port default vlan", "port link-type trunk", "port trunk allow-pass vlan 10")
    assert block(s, "interface GigabitEthernet0/0/1") == [
        "port link-type trunk",
        "port trunk allow-pass vlan 10",
    ]


def test_vrp_trunk_vlans_add_and_remove_without_replacing() -> None:
    s = vrp()
    run(s, "system-view", "vlan batch 10 20 30", "interface XGigabitEthernet0/0/1")
    run(s, "port link-type trunk", "port trunk allow-pass vlan 10 20")
    run(s, "port trunk allow-pass vlan 30", "undo port trunk allow-pass vlan 10 1")
    assert block(s, "interface XGigabitEthernet0/0/1") == [
        "port link-type trunk",
        "undo port trunk allow-pass vlan 1",
        "port trunk allow-pass vlan 20 30",
    ]
    assert "XGigabitEthernet0/0/1   trunk        1     20 30" in s.feed("display port vlan")


def test_vrp_vlan_batch_and_undo() -> None:
    s = vrp()
    run(s, "system-view", "vlan batch 10 20 to 25", "undo vlan batch 21 to 24", "undo vlan 25")
    assert "vlan batch 10 20" in config(s)
    assert s.feed("undo vlan 1").startswith("Error: The default VLAN cannot be deleted.")


def test_vrp_poe_is_on_by_default_so_only_undo_shows() -> None:
    s = vrp()
    run(s, "system-view", "interface GigabitEthernet0/0/2", "poe enable")
    assert block(s, "interface GigabitEthernet0/0/2") == []
    run(s, "undo poe enable")
    assert block(s, "interface GigabitEthernet0/0/2") == ["undo poe enable"]
    run(s, "poe enable")
    assert block(s, "interface GigabitEthernet0/0/2") == []


def test_vrp_port_features_replace_and_undo() -> None:
    s = vrp()
    run(s, "system-view", "interface GigabitEthernet0/0/3", "description cam 0001 a")
    run(s, "stp edged-port enable", "loopback-detect enable", "shutdown")
    run(s, "storm-control broadcast min-rate 100 max-rate 200")
    run(s, "storm-control broadcast min-rate 50 max-rate 80")  # replaces
    assert block(s, "interface GigabitEthernet0/0/3") == [
        "description cam 0001 a",
        "stp edged-port enable",
        "loopback-detect enable",
        "storm-control broadcast min-rate 50 max-rate 80",
        "shutdown",
    ]
    run(s, "undo description", "undo stp edged-port", "undo loopback-detect enable")
    run(s, "undo storm-control broadcast", "undo shutdown")
    assert block(s, "interface GigabitEthernet0/0/3") == []


def test_vrp_vlanif_address_and_physical_ports_cannot_be_deleted() -> None:
    s = vrp()
    run(s, "system-view", "vlan batch 100", "interface Vlanif100")
    run(s, "ip address 10.44.164.11 255.255.255.0", "description mgmt")
    assert block(s, "interface Vlanif100") == [
        "description mgmt",
        "ip address 10.44.164.11 255.255.255.0",
    ]
    run(s, "quit", "undo interface Vlanif100")
    assert "interface Vlanif100" not in config(s)
    assert "cannot be deleted" in s.feed("undo interface GigabitEthernet0/0/1")


def test_vrp_global_lines_replace_by_key_and_undo_by_prefix() -> None:
    s = vrp()
    run(s, "system-view", "ntp-service unicast-server 10.0.0.1")
    run(s, "ntp-service unicast-server 10.0.0.2", "snmp-agent sys-info location a")
    run(s, "snmp-agent sys-info location b", "info-center loghost 10.0.0.9")
    lines = config(s)
    assert "snmp-agent sys-info location b" in lines
    assert "snmp-agent sys-info location a" not in lines
    assert {"ntp-service unicast-server 10.0.0.1", "ntp-service unicast-server 10.0.0.2"} <= set(
        lines
    )
    run(s, "undo ntp-service unicast-server 10.0.0.1", "undo info-center loghost")
    lines = config(s)
    assert "ntp-service unicast-server 10.0.0.1" not in lines
    assert "info-center loghost 10.0.0.9" not in lines


def test_vrp_aaa_local_user() -> None:
    s = vrp()
    run(s, "system-view", "aaa", "local-user ops password irreversible-cipher $1a$x$")
    run(s, "local-user ops privilege level 3", "local-user ops privilege level 15")
    aaa = block(s, "aaa")
    assert "local-user ops privilege level 15" in aaa
    assert "local-user ops privilege level 3" not in aaa
    run(s, "undo local-user ops")
    assert not [line for line in block(s, "aaa") if "ops" in line]


def test_comware_access_and_trunk_ports() -> None:
    s = comware()
    run(s, "system-view", "vlan 10 20 to 21", "vlan 10", "description cams", "quit")
    run(s, "interface GigabitEthernet1/0/1", "port access vlan 10", "poe enable")
    run(s, "stp edged-port", "description cam a")
    run(s, "interface GigabitEthernet1/0/28", "port link-type trunk")
    run(s, "port trunk permit vlan 10 20 to 21", "undo port trunk permit vlan 1 21")
    assert block(s, "interface GigabitEthernet1/0/1") == [
        "port link-mode bridge",
        "description cam a",
        "port access vlan 10",
        "poe enable",
        "stp edged-port",
    ]
    assert block(s, "interface GigabitEthernet1/0/28") == [
        "port link-mode bridge",
        "port link-type trunk",
        "undo port trunk permit vlan 1",
        "port trunk permit vlan 10 20",
    ]
    assert block(s, "vlan 10") == ["description cams"]
    assert s.feed("interface GigabitEthernet1/0/28").endswith("]")
    assert s.feed("port link-type hybrid").startswith(
        "Please set the link type of the port to access first."
    )
    assert s.feed("port access vlan 10").startswith("Please set the link type of the port")


def test_comware_global_lines_are_indented() -> None:
    s = comware()
    run(s, "system-view", "ntp-service unicast-server 10.0.0.1", "snmp-agent sys-info version v3")
    lines = config(s)
    assert " ntp-service unicast-server 10.0.0.1" in lines
    assert " snmp-agent sys-info version v3" in lines
    assert lines[:4] == ["#", " version 7.1.070, Release 6328P03", "#", " sysname qx-sw02"]
    assert lines[-1] == "return"


# --- display filters ------------------------------------------------------------------------


def test_display_include_and_begin() -> None:
    s = vrp()
    run(s, "system-view", "vlan batch 10", "interface GigabitEthernet0/0/4")
    run(s, "port link-type access", "port default vlan 10", "return")
    out = s.feed("display current-configuration | include default vlan").splitlines()
    assert out == [" port default vlan 10", "<qx-sw01>"]
    out = s.feed("display current-configuration | begin interface GigabitEthernet0/0/4")
    assert out.splitlines()[:3] == [
        "interface GigabitEthernet0/0/4",
        " port link-type access",
        " port default vlan 10",
    ]


# --- save, reboot, running vs saved ---------------------------------------------------------


def test_vrp_save_asks_and_a_reboot_loses_unsaved_changes() -> None:
    s = vrp()
    run(s, "system-view", "vlan batch 10", "return")
    question = s.feed("save")
    assert question.endswith("Are you sure to continue?[Y/N]")
    assert s.feed("n").startswith("Info: The configuration is not saved.")
    assert "vlan batch 10" not in s.switch.current_configuration(saved=True)
    s.feed("save")
    assert "Save the configuration successfully." in s.feed("y")
    run(s, "system-view", "vlan batch 20", "return")
    s.switch.reboot()
    lines = config(s)
    assert "vlan batch 10" in lines and "vlan batch 10 20" not in lines


def test_comware_save_dialogue_and_save_force() -> None:
    s = comware()
    run(s, "system-view", "vlan 30", "return")
    assert s.feed("save").endswith("Are you sure? [Y/N]:")
    assert s.feed("y").endswith("press the enter key):")
    assert s.feed("").endswith("overwrite? [Y/N]:")
    assert "successfully" in s.feed("y")
    assert "vlan 30" in s.switch.current_configuration(saved=True).splitlines()
    run(s, "system-view", "vlan 31", "return")
    assert "successfully" in s.feed("save force")
    assert "vlan 31" in s.switch.current_configuration(saved=True).splitlines()


def test_screen_length_commands_exist_per_vendor() -> None:
    assert "Info:" in vrp().feed("screen-length 0 temporary")
    assert comware().feed("screen-length disable") == "<qx-sw02>"
    assert "Unrecognized" in comware().feed("screen-length 0 temporary")


# --- faults ------------------------------------------------------------------------------


def test_rejected_command_changes_nothing() -> None:
    s = vrp()
    s.switch.faults.reject = [r"^vlan batch 99"]
    out = run(s, "system-view", "vlan batch 99")[1]
    assert out.startswith("Error: The command is rejected")
    assert "vlan batch 99" not in config(s)


# --- persistence ---------------------------------------------------------------------------


def test_saved_configuration_round_trips_through_json() -> None:
    s = comware()
    run(s, "system-view", "vlan 10", "interface GigabitEthernet1/0/2", "port link-type trunk")
    run(s, "port trunk permit vlan 10", "return", "save force")
    data = s.switch.saved.to_json()
    again = SimSwitch(s.switch.spec, vendor("h3c-comware7"), "sharpeyes", Config.from_json(data))
    assert again.current_configuration() == s.switch.current_configuration()


def test_unknown_platform_is_refused() -> None:
    with pytest.raises(ValueError, match="huawei-vrp8"):
        vendor("huawei-vrp8")
