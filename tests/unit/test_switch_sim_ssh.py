"""The simulator over real SSH on 127.0.0.1, driven by netmiko as the push will be, and read back
with ntc-templates (the fidelity yardstick): the parsed `display` outputs give exactly the state
configured. Also login, faults, save and a restart (= reboot) keeping the saved configuration."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from netmiko import ConnectHandler  # type: ignore[import-untyped]
from netmiko.exceptions import NetmikoAuthenticationException  # type: ignore[import-untyped]
from ntc_templates.parse import parse_output  # type: ignore[import-untyped]

from sharpeyes.switches.sim import control
from sharpeyes.switches.sim.server import SPEC_FILE, Simulator

USER, PASSWORD = "sharpeyes", "lab-password-for-tests"
VRP_PORTS = [f"GigabitEthernet0/0/{i}" for i in range(1, 25)] + [
    f"XGigabitEthernet0/0/{i}" for i in range(1, 5)
]
CW_PORTS = [f"GigabitEthernet1/0/{i}" for i in range(1, 29)]


class Running:
    """A Simulator on its own event loop thread."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.sim = Simulator(directory)
        asyncio.run_coroutine_threadsafe(self.sim.start(), self.loop).result(10)

    def port(self, name: str) -> int:
        return self.sim.switches[name].spec.port

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.sim.close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def write_spec(directory: Path) -> None:
    switches = [
        {"name": "qx-a-sw01", "platform": "huawei-vrp5", "ports": VRP_PORTS, "port": 0},
        {"name": "qx-b-sw01", "platform": "h3c-comware7", "ports": CW_PORTS, "port": 0},
    ]
    data = {"user": USER, "password": PASSWORD, "switches": switches}
    (directory / SPEC_FILE).write_text(json.dumps(data))


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Running]:
    write_spec(tmp_path)
    running = Running(tmp_path)
    yield running
    running.stop()


def connect(sim: Running, name: str, **extra: object) -> ConnectHandler:
    device_type = (
        "huawei" if sim.sim.switches[name].spec.platform == "huawei-vrp5" else "hp_comware"
    )
    return ConnectHandler(
        device_type=device_type,
        host="127.0.0.1",
        port=sim.port(name),
        username=USER,
        password=PASSWORD,
        **extra,
    )


def vrp_config(conn: ConnectHandler, commands: list[str]) -> str:
    """send_config_set with the config-mode prompt checks done by pattern: netmiko's stock
    huawei check waits ~2 s per check for the channel to go quiet (LAB-NOTES)."""
    out = conn.send_command("system-view", expect_string=r"\]")
    out += conn.send_config_set(commands, enter_config_mode=False, exit_config_mode=False)
    out += conn.send_command("return", expect_string=r">")
    return str(out)


def test_vrp_configured_ports_parse_back_exactly(sim: Running) -> None:
    conn = connect(sim, "qx-a-sw01")
    out = vrp_config(
        conn,
        [
            "vlan batch 10 20 30",
            "vlan 10",
            "description cameras-a",
            "interface GigabitEthernet0/0/1",
            "port link-type access",
            "port default vlan 10",
            "description 0001 44180300001320000001",
            "interface GigabitEthernet0/0/2",
            "port link-type access",
            "port default vlan 20",
            "interface GigabitEthernet0/0/3",
            "shutdown",
            "interface XGigabitEthernet0/0/1",
            "port link-type trunk",
            "port trunk allow-pass vlan 10 20 30",
        ],
    )
    assert "Error" not in out
    port_vlan = parse_output(
        platform="huawei_vrp",
        command="display port vlan",
        data=conn.send_command("display port vlan"),
    )
    got = {r["interface"]: (r["link_type"], r["vlan_id"], r["trunk_vlan_list"]) for r in port_vlan}
    expected = dict.fromkeys(VRP_PORTS, ("hybrid", "1", []))
    expected["GigabitEthernet0/0/1"] = ("access", "10", [])
    expected["GigabitEthernet0/0/2"] = ("access", "20", [])
    expected["XGigabitEthernet0/0/1"] = ("trunk", "1", ["1", "10", "20", "30"])
    assert got == expected

    vlan_rows = parse_output(
        platform="huawei_vrp", command="display vlan", data=conn.send_command("display vlan")
    )
    descriptions = {r["vlan_id"]: r["vlan_description"] for r in vlan_rows if r["vlan_description"]}
    assert descriptions == {
        "1": "VLAN 0001",
        "10": "cameras-a",
        "20": "VLAN 0020",
        "30": "VLAN 0030",
    }
    # ntc-templates merges `display vlan` rows by VLAN id: one port mode per VLAN survives (the
    # untagged one here); tagged membership is read from `display port vlan` above.
    members = {(r["vlan_id"], r["mode"]): r["interface"] for r in vlan_rows if r["interface"]}
    assert members[("10", "UT")] == ["GE0/0/1"] and members[("20", "UT")] == ["GE0/0/2"]

    brief = parse_output(
        platform="huawei_vrp",
        command="display interface brief",
        data=conn.send_command("display interface brief"),
    )
    phy = {r["interface"]: r["phy"] for r in brief}
    assert phy["GigabitEthernet0/0/3"] == "*down" and phy["GigabitEthernet0/0/1"] == "up"
    assert set(VRP_PORTS) <= set(phy)
    conn.disconnect()


def test_comware_configured_ports_parse_back_exactly(sim: Running) -> None:
    conn = connect(sim, "qx-b-sw01")
    out = conn.send_config_set(
        [
            "vlan 10",
            "name cameras",
            "quit",
            "vlan 20",
            "quit",
            "interface GigabitEthernet1/0/1",
            "port access vlan 10",
            "description 0001 44180300001320000001",
            "interface GigabitEthernet1/0/2",
            "port access vlan 20",
            "shutdown",
            "interface GigabitEthernet1/0/28",
            "port link-type trunk",
            "port trunk permit vlan 10 20",
        ]
    )
    assert "%" not in out
    brief = conn.send_command("display interface brief", use_textfsm=True)
    bridge = {
        r["interface"]: (r["type"], r["vlan_id"], r["description"], r["link"])
        for r in brief
        if r["type"]
    }
    expected = {f"GE1/0/{i}": ("A", "1", "", "UP") for i in range(1, 29)}
    expected["GE1/0/1"] = ("A", "10", "0001 44180300001320000001", "UP")
    expected["GE1/0/2"] = ("A", "20", "", "ADM")
    expected["GE1/0/28"] = ("T", "1", "", "UP")
    assert bridge == expected
    vlans = conn.send_command("display vlan brief", use_textfsm=True)
    assert [(r["vlan_id"], r["vlan_name"]) for r in vlans] == [
        ("1", "VLAN"),  # the template's name is one word: `VLAN 0001` parses as `VLAN`
        ("10", "cameras"),
        ("20", "VLAN"),
    ]
    conn.disconnect()


def test_wrong_password_is_refused(sim: Running) -> None:
    with pytest.raises(NetmikoAuthenticationException):
        ConnectHandler(
            device_type="hp_comware",
            host="127.0.0.1",
            port=sim.port("qx-b-sw01"),
            username=USER,
            password="wrong",
        )


def test_session_dropped_after_n_commands(sim: Running) -> None:
    control.set_faults(sim.directory, "qx-b-sw01", drop_after=4)
    conn = connect(sim, "qx-b-sw01")  # login sends 1-2 commands (screen-length, prompt)
    with pytest.raises(OSError):  # netmiko reports the closed socket
        for i in range(10):
            conn.send_command(f"display vlan {i + 1}", read_timeout=5)
    control.set_faults(sim.directory, "qx-b-sw01", clear=True)
    assert sim.sim.switches["qx-b-sw01"].faults.drop_after is None


def test_rejected_command_and_slow_replies(sim: Running) -> None:
    conn = connect(sim, "qx-a-sw01")
    control.set_faults(sim.directory, "qx-a-sw01", reject=[r"^vlan batch 99"])
    out = vrp_config(conn, ["vlan batch 99"])
    assert "Error: The command is rejected" in out
    assert "vlan batch 99" not in conn.send_command("display current-configuration")
    control.set_faults(sim.directory, "qx-a-sw01", delay=0.3)
    t0 = time.monotonic()
    conn.send_command("display vlan")
    assert time.monotonic() - t0 >= 0.3  # a lower bound only: the delay is applied
    conn.disconnect()


def test_saved_configuration_survives_a_restart_and_unsaved_does_not(tmp_path: Path) -> None:
    write_spec(tmp_path)
    first = Running(tmp_path)
    conn = connect(first, "qx-a-sw01")
    vrp_config(conn, ["vlan batch 10"])
    assert "successfully" in conn.save_config()
    vrp_config(conn, ["vlan batch 20"])
    conn.disconnect()
    assert "vlan batch 10 20" in control.configuration(tmp_path, "qx-a-sw01")
    first.stop()
    second = Running(tmp_path)
    try:
        running = control.configuration(tmp_path, "qx-a-sw01").splitlines()
        assert "vlan batch 10" in running and "vlan batch 10 20" not in running
        control.execute(tmp_path, "qx-a-sw01", ["system-view", "vlan batch 30"])
        control.reboot(tmp_path, "qx-a-sw01")
        assert "vlan batch 10" in control.configuration(tmp_path, "qx-a-sw01").splitlines()
    finally:
        second.stop()
