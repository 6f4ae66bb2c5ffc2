"""`lab up|down switches` without NetBox (explicit switch list): the daemon starts in the
background, is idempotent, records its ports and pid, serves SSH, and stops."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from netmiko import ConnectHandler  # type: ignore[import-untyped]

from sharpeyes.errors import DependencyUnavailable, LabError
from sharpeyes.lab import switches
from sharpeyes.switches.sim.model import SwitchSpec


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def specs() -> list[SwitchSpec]:
    return [
        SwitchSpec("qx-b-sw01", "h3c-comware7", [f"GigabitEthernet1/0/{i}" for i in range(1, 29)]),
        SwitchSpec("qx-a-sw01", "huawei-vrp5", [f"GigabitEthernet0/0/{i}" for i in range(1, 5)]),
    ]


@pytest.fixture
def lab(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[int]:
    base = _free_port()
    monkeypatch.setenv("SHARPEYES_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("SHARPEYES_SWITCH_BASE_PORT", str(base))
    yield base
    switches.down()


def test_up_is_idempotent_and_down_stops_it(lab: int) -> None:
    with pytest.raises(DependencyUnavailable, match="never brought up"):
        switches.endpoints()
    first = switches.up(specs())
    assert [(r.part, r.name, r.state) for r in first] == [
        ("switches", f"127.0.0.1:{lab}-{lab + 1}", "started")
    ]
    again = switches.up(specs())
    assert again[0].state == "already running"
    # sorted by name, consecutive ports from the base
    assert switches.endpoints() == {
        "qx-a-sw01": ("127.0.0.1", lab),
        "qx-b-sw01": ("127.0.0.1", lab + 1),
    }
    report = switches.status()
    assert report["running"] and [s["name"] for s in report["switches"]] == [
        "qx-a-sw01",
        "qx-b-sw01",
    ]
    user, password = switches.credentials()
    conn = ConnectHandler(
        device_type="hp_comware",
        host="127.0.0.1",
        port=lab + 1,
        username=user,
        password=password,
    )
    assert conn.find_prompt() == "<qx-b-sw01>"
    conn.disconnect()
    pid = report["pid"]
    assert switches.down() == [f"switch simulator stopped (pid {pid})"]
    assert switches.down() == ["switch simulator not running"]
    assert switches.status() == {"running": False, "pid": None, "switches": []}


def test_port_in_use_is_refused_naming_it(lab: int) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", lab))
        blocker.listen()
        with pytest.raises(LabError, match=f"port\\(s\\) {lab} already in use"):
            switches.up(specs())
    assert not switches.status()["running"]
