"""Render: templates from small in-memory switches; bad input refused naming switch, port and
NetBox object; an independent parse of the output checks each camera port."""

from __future__ import annotations

import re
from ipaddress import IPv4Interface

import pytest

from sharpeyes.errors import ValidationFailed
from sharpeyes.switches.model import Camera, Port, Settings, Switch, Vlan
from sharpeyes.switches.render import render, vlan_to

VRP_PORTS = [f"GigabitEthernet0/0/{i}" for i in range(1, 25)] + [
    f"XGigabitEthernet0/0/{i}" for i in range(1, 5)
]
CW_PORTS = [f"GigabitEthernet1/0/{i}" for i in range(1, 29)]


def cam(n: int) -> Camera:
    return Camera(f"qx-a-cam{n:04}", "QX-A-P001", f"4418031800132000{n:04}")


def switch(platform: str = "huawei-vrp5", **ports: Port) -> Switch:
    vrp = platform == "huawei-vrp5"
    first, uplink = (
        ("GigabitEthernet0/0/1", "XGigabitEthernet0/0/1")
        if vrp
        else (
            "GigabitEthernet1/0/1",
            "GigabitEthernet1/0/25",
        )
    )
    default = {
        first: Port(first, "access", "", 100, cameras=[cam(1)]),
        uplink: Port(uplink, "trunk", "uplink QX-FE-A", trunk_vids=(100, 200)),
    }
    default.update({p.name: p for p in ports.values()})
    return Switch(
        name="qx-a-sw01",
        platform=platform,
        model="S5735S-L24P4S-A1" if vrp else "S5120V3-28P-PWR-SI",
        model_ports=VRP_PORTS if vrp else CW_PORTS,
        mgmt_vid=200,
        mgmt_ip=IPv4Interface("192.0.2.11/24"),
        vlans=[Vlan(100, "cameras"), Vlan(200, "switch-mgmt")],
        ports=default,
        settings=Settings(
            ntp_servers=["192.0.2.21"], log_hosts=["192.0.2.20"], aaa_hash="$1a$test$hash$"
        ),
    )


def sections(text: str) -> dict[str, list[str]]:
    """An independent reader of the rendered text: interface -> its lines."""
    out: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("interface "):
            current = line.split()[1]
            out[current] = []
        elif line.startswith(" ") and current:
            out[current].append(line.strip())
        else:
            current = None
    return out


@pytest.mark.parametrize("platform", ["huawei-vrp5", "h3c-comware7"])
def test_camera_port_vlan_description_and_edge_protection(platform: str) -> None:
    sw = switch(platform)
    text = render(sw)
    port = sections(text)[next(iter(sw.ports))]
    assert "description QX-A-P001 44180318001320000001" in port
    access = "port default vlan 100" if platform == "huawei-vrp5" else "port access vlan 100"
    assert access in port
    assert any(line.startswith("stp edged-port") for line in port)
    assert any(line.startswith("loopback-detect") for line in port)
    assert any("storm-control" in line or "suppression" in line for line in port)
    if platform == "h3c-comware7":
        assert "poe enable" in port  # VRP: PoE is on by default and only `undo poe enable` shows
    assert "10.44" not in text and "192.0.2.11 255.255.255.0" in text
    assert "ntp-service unicast-server 192.0.2.21" in text
    assert "info-center loghost 192.0.2.20" in text
    assert not re.search(r"^ ?telnet server enable", text, re.MULTILINE)  # SSH only


@pytest.mark.parametrize("platform", ["huawei-vrp5", "h3c-comware7"])
def test_every_model_port_is_rendered_once_and_unused_ports_stay_default(platform: str) -> None:
    sw = switch(platform)
    secs = sections(render(sw))
    physical = [n for n in secs if "GigabitEthernet" in n]
    assert physical == sw.model_ports
    unused = sw.model_ports[5]
    assert secs[unused] in ([], ["port link-mode bridge"])


def test_uplink_trunk_allows_exactly_the_netbox_vlans() -> None:
    vrp = sections(render(switch()))["XGigabitEthernet0/0/1"]
    assert vrp[1:] == [
        "port link-type trunk",
        "undo port trunk allow-pass vlan 1",
        "port trunk allow-pass vlan 100 200",
    ]
    cw = sections(render(switch("h3c-comware7")))["GigabitEthernet1/0/25"]
    assert "port trunk permit vlan 100 200" in cw and "undo port trunk permit vlan 1" in cw


def test_no_clear_password_only_the_hash() -> None:
    text = render(switch())
    assert "irreversible-cipher $1a$test$hash$" in text
    assert not re.search(r"password (simple|cipher) ", text)


def test_vlan_lists_use_the_cli_range_syntax() -> None:
    assert vlan_to([200, 100, 101, 102, 300]) == "100 to 102 200 300"


def test_camera_on_a_port_the_model_lacks_is_refused() -> None:
    sw = switch(x=Port("GigabitEthernet0/0/48", "access", "", 100, cameras=[cam(7)]))
    with pytest.raises(ValidationFailed) as err:
        render(sw)
    assert any(
        "switch qx-a-sw01, port GigabitEthernet0/0/48" in p
        and "camera qx-a-cam0007 (dcim.devices)" in p
        and "S5735S-L24P4S-A1" in p
        for p in err.value.problems
    )


def test_vlan_out_of_range_is_refused() -> None:
    sw = switch(x=Port("GigabitEthernet0/0/2", "access", "", 4095, cameras=[cam(2)]))
    with pytest.raises(ValidationFailed) as err:
        render(sw)
    assert err.value.problems == [
        "switch qx-a-sw01, port GigabitEthernet0/0/2: VLAN 4095 out of range 1-4094 "
        "(dcim.interfaces qx-a-sw01 GigabitEthernet0/0/2)"
    ]


def test_two_cameras_on_one_port_are_refused() -> None:
    sw = switch(x=Port("GigabitEthernet0/0/3", "access", "", 100, cameras=[cam(3), cam(4)]))
    with pytest.raises(ValidationFailed) as err:
        render(sw)
    assert err.value.problems == [
        "switch qx-a-sw01, port GigabitEthernet0/0/3: 2 cameras on one port "
        "(dcim.devices qx-a-cam0003, qx-a-cam0004)"
    ]
    assert err.value.exit_code == 3


def test_missing_password_hash_is_refused_naming_the_variable() -> None:
    sw = switch()
    sw.settings.aaa_hash = ""
    with pytest.raises(ValidationFailed, match="SHARPEYES_SWITCH_PASSWORD_HASH"):
        render(sw)
