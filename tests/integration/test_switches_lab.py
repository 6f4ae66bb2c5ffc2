"""`lab up switches` against the lab NetBox holding the dataset: one simulator per access
switch, each with its NetBox name as sysname and its device type's ports."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator

import pytest
from netmiko import ConnectHandler  # type: ignore[import-untyped]

from sharpeyes.lab import commands, netbox, switches
from sharpeyes.switches.sim import control

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def lab_switches(lab_netbox: netbox.Credentials) -> Iterator[None]:
    if len(switches.read_netbox()) != 80:  # emptied or sliced by other tests: load the estate
        commands.reset_loaded(None)
    switches.up()
    try:
        yield
    finally:
        switches.down()


@pytest.mark.usefixtures("lab_switches")
def test_one_simulator_per_access_switch() -> None:
    specs = switches.read_netbox()
    assert len(specs) == 80
    assert Counter(s.platform for s in specs) == {"huawei-vrp5": 48, "h3c-comware7": 32}
    endpoints = switches.endpoints()
    assert sorted(endpoints) == [s.name for s in specs]
    ports = sorted(port for _, port in endpoints.values())
    assert ports == list(range(ports[0], ports[0] + 80))
    assert switches.up()[0].state == "already running"
    os.environ.update(switches.env_vars())
    for spec in (
        next(s for s in specs if s.platform == p) for p in ("huawei-vrp5", "h3c-comware7")
    ):
        text = control.configuration(switches.sim_dir(), spec.name)
        assert [f"interface {p}" for p in spec.ports] == [
            line for line in text.splitlines() if line.startswith("interface ") and "/" in line
        ]
        host, port = endpoints[spec.name]
        conn = ConnectHandler(
            device_type="huawei" if spec.platform == "huawei-vrp5" else "hp_comware",
            host=host,
            port=port,
            username=os.environ["SHARPEYES_SWITCH_USER"],
            password=os.environ["SHARPEYES_SWITCH_PASSWORD"],
        )
        assert conn.find_prompt() == f"<{spec.name}>"
        conn.disconnect()
