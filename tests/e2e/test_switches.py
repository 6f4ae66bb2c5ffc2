"""The 80 access switches of NetBox, simulated: backup, push, verify, a second push that sends
nothing; then a camera added in NetBox shows up as exactly its port's commands, is pushed and
verifies compliant (issue 11 acceptance)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pynetbox
import pytest

from sharpeyes.lab import control, switches
from sharpeyes.paths import repo_root

pytestmark = pytest.mark.e2e


def switch(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "sharpeyes.cli.main", "switch", *args]
    return subprocess.run(
        argv, env=env, cwd=repo_root(), capture_output=True, text=True, check=False, timeout=900
    )


def results(out: subprocess.CompletedProcess[str]) -> dict[str, dict[str, Any]]:
    return {r["switch"]: r for r in json.loads(out.stdout)}


@pytest.fixture(scope="module")
def switch_env(netbox_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    control.up("switches")
    env = {**netbox_env, **switches.env_vars()}
    try:
        yield env, str(tmp_path_factory.mktemp("switch-backups"))
    finally:
        control.down("switches")


@pytest.fixture(scope="module")
def pushed(switch_env: tuple[dict[str, str], str]) -> dict[str, dict[str, Any]]:
    """backup, then one push of all 80 (shared by the checks below)."""
    env, backups = switch_env
    backup = switch(env, "backup", "--json", "--backup-dir", backups)
    assert backup.returncode == 0, backup.stderr
    assert {r["result"] for r in results(backup).values()} == {"ok"}
    push = switch(env, "push", "--json", "--backup-dir", backups)
    assert push.returncode == 0, push.stdout[-3000:]
    return results(push)


def test_all_80_pushed_verified_and_a_second_push_sends_nothing(
    switch_env: tuple[dict[str, str], str], pushed: dict[str, dict[str, Any]]
) -> None:
    env, backups = switch_env
    assert len(pushed) == 80
    assert {r["result"] for r in pushed.values()} <= {"changed", "unchanged"}
    verify = switch(env, "verify", "--json")
    assert verify.returncode == 0, verify.stderr
    assert {r["result"] for r in results(verify).values()} == {"ok"}
    again = switch(env, "push", "--json", "--backup-dir", backups)
    assert again.returncode == 0, again.stderr
    assert {(r["result"], len(r["commands"])) for r in results(again).values()} == {
        ("unchanged", 0)
    }


def test_a_camera_added_in_netbox_is_exactly_its_ports_commands(
    switch_env: tuple[dict[str, str], str], pushed: dict[str, dict[str, Any]]
) -> None:
    env, backups = switch_env
    api = pynetbox.api(env["NETBOX_API"], token=env["NETBOX_TOKEN"])
    sw = api.dcim.devices.get(name="qx-cp01-sw01")
    model = api.dcim.devices.get(name="qx-cp01-cam0001")  # a camera of the same point
    used = api.dcim.interfaces.get(device_id=sw.id, name="GigabitEthernet0/0/1")
    port = next(
        i
        for i in api.dcim.interfaces.filter(device_id=sw.id, cabled=False, type="1000base-t")
        if not i.mode
    )
    original = {"mode": None, "untagged_vlan": None, "description": port.description}
    created: list[Any] = []
    try:
        camera = api.dcim.devices.create(
            name="qx-cp01-cam9001",
            device_type=model.device_type.id,
            role=model.role.id,
            site=model.site.id,
            location=model.location.id,
            tenant=model.tenant.id if model.tenant else None,
            custom_fields={"gb28181_id": "44180318001320009001"},
        )
        created.append(camera)
        nic = next(iter(api.dcim.interfaces.filter(device_id=camera.id)), None)
        if nic is None:
            nic = api.dcim.interfaces.create(device=camera.id, name="eth0", type="1000base-t")
        port.update(
            {"mode": "access", "untagged_vlan": used.untagged_vlan.id, "description": camera.name}
        )
        cable = api.dcim.cables.create(
            a_terminations=[{"object_type": "dcim.interface", "object_id": port.id}],
            b_terminations=[{"object_type": "dcim.interface", "object_id": nic.id}],
        )
        created.insert(0, cable)

        diff = switch(env, "diff", "--json", "--site", "qx-cp01")
        assert diff.returncode == 2, diff.stderr
        pending = {n: r["commands"] for n, r in results(diff).items() if r["commands"]}
        assert list(pending) == [sw.name]
        commands = pending[sw.name]
        point = api.dcim.locations.get(model.location.id).custom_fields["point_code"]
        assert commands[0] == f"interface {port.name}"
        assert f" description {point} 44180318001320009001" in commands
        assert f" port default vlan {used.untagged_vlan.vid}" in commands
        # nothing outside that port's view
        assert [c for c in commands[1:] if not c.startswith(" ")] in ([], ["quit"])

        push = switch(env, "push", "--json", "--name", sw.name, "--backup-dir", backups)
        assert push.returncode == 0, push.stderr
        assert results(push)[sw.name]["result"] == "changed"
        verify = switch(env, "verify", "--json", "--name", sw.name)
        assert verify.returncode == 0, verify.stderr
    finally:
        for obj in created:
            obj.delete()
        port.update(original)
        switch(env, "push", "--name", sw.name, "--backup-dir", backups)
