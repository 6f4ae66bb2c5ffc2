"""Remediation (hier_config with our VRP / Comware 7 rules): the exact commands, in order."""

from __future__ import annotations

from sharpeyes.switches.diff import remediation

VRP_RUNNING = """!Software Version V200R019C10SPC500
#
sysname sw1
#
vlan batch 100 200
#
vlan 100
 name cameras
#
interface Vlanif1
#
interface GigabitEthernet0/0/1
 description old
 port link-type access
 port default vlan 100
#
interface GigabitEthernet0/0/2
#
interface XGigabitEthernet0/0/1
 port link-type trunk
 undo port trunk allow-pass vlan 1
 port trunk allow-pass vlan 100 200
#
info-center loghost 192.0.2.20
#
return
"""


def edit(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new)


def test_identical_configs_need_nothing() -> None:
    assert remediation("huawei-vrp5", VRP_RUNNING, VRP_RUNNING) == []


def test_vlan_batch_adds_and_removes_only_the_difference() -> None:
    want = edit(VRP_RUNNING, "vlan batch 100 200", "vlan batch 100 300")
    want = edit(want, "allow-pass vlan 100 200", "allow-pass vlan 100 300")
    cmds = remediation("huawei-vrp5", VRP_RUNNING, want)
    assert cmds[0] == "vlan batch 300"
    assert cmds[-1] == "undo vlan batch 200"
    assert not any(c.startswith("undo vlan batch 100") for c in cmds)
    trunk = cmds[cmds.index("interface XGigabitEthernet0/0/1") :]
    assert trunk[1:4] == [
        " port trunk allow-pass vlan 300",
        " undo port trunk allow-pass vlan 200",
        "quit",
    ]


def test_access_to_trunk_resets_the_vlan_then_link_type_then_the_list() -> None:
    want = edit(
        VRP_RUNNING,
        " port link-type access\n port default vlan 100\n",
        " port link-type trunk\n undo port trunk allow-pass vlan 1\n"
        " port trunk allow-pass vlan 100\n",
    )
    cmds = remediation("huawei-vrp5", VRP_RUNNING, want)
    assert cmds == [
        "interface GigabitEthernet0/0/1",
        " undo port default vlan",
        " port link-type trunk",
        " port trunk allow-pass vlan 100",
        " undo port trunk allow-pass vlan 1",
        "quit",
    ]


def test_trunk_to_access_restores_the_trunk_defaults_first() -> None:
    want = edit(
        VRP_RUNNING,
        " port link-type trunk\n undo port trunk allow-pass vlan 1\n"
        " port trunk allow-pass vlan 100 200\n",
        " port link-type access\n port default vlan 200\n",
    )
    cmds = remediation("huawei-vrp5", VRP_RUNNING, want)
    assert cmds == [
        "interface XGigabitEthernet0/0/1",
        " undo port trunk allow-pass vlan 100 200",
        " port trunk allow-pass vlan 1",
        " port link-type access",
        " port default vlan 200",
        "quit",
    ]


def test_physical_ports_are_never_deleted() -> None:
    want = edit(VRP_RUNNING, "interface GigabitEthernet0/0/2\n#\n", "")
    cmds = remediation("huawei-vrp5", VRP_RUNNING, want)
    assert cmds == []


def test_description_replaced_without_undo_and_stray_lines_removed() -> None:
    want = edit(VRP_RUNNING, " description old", " description QX-A-P001 44180318001320000001")
    want = edit(want, "info-center loghost 192.0.2.20\n", "")
    cmds = remediation("huawei-vrp5", VRP_RUNNING, want)
    assert cmds == [  # hier_config: negations before additions
        "undo info-center loghost 192.0.2.20",
        "interface GigabitEthernet0/0/1",
        " description QX-A-P001 44180318001320000001",
        "quit",
    ]


CW_RUNNING = """#
 version 7.1.070, Release 6328P03
#
 sysname sw2
 lldp global enable
#
vlan 1
#
vlan 100
 name cameras
#
interface GigabitEthernet1/0/1
 port link-mode bridge
 port access vlan 100
#
interface GigabitEthernet1/0/25
 port link-mode bridge
 port link-type trunk
 undo port trunk permit vlan 1
 port trunk permit vlan 100
#
 ntp-service unicast-server 192.0.2.21
#
return
"""


def test_comware_globals_are_top_level_and_vlans_are_sections() -> None:
    want = edit(
        CW_RUNNING, "vlan 100\n name cameras\n#\n", "vlan 100\n name cameras\n#\nvlan 200\n#\n"
    )
    want = edit(want, "permit vlan 100\n", "permit vlan 100 200\n")
    want = edit(
        want, " ntp-service unicast-server 192.0.2.21", " ntp-service unicast-server 192.0.2.22"
    )
    cmds = remediation("h3c-comware7", CW_RUNNING, want)
    assert cmds == [
        "vlan 200",
        "undo ntp-service unicast-server 192.0.2.21",
        "ntp-service unicast-server 192.0.2.22",
        "interface GigabitEthernet1/0/25",
        " port trunk permit vlan 200",
        "quit",
    ]
