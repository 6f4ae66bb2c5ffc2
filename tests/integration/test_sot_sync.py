"""`sharpeyes sot plan|apply|export` against the real lab NetBox (reset to empty per test).

Runs the real CLI in subprocesses on the fixture dataset under tests/integration/data/fixture.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from sotcli import CLI
from sotcli import run_sot as _run

from sharpeyes.lab import netbox
from sharpeyes.sot import client
from sharpeyes.sot.apply import STOP_ENV

pytestmark = pytest.mark.integration


def _files(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*.yml"))}


def _apply(env: dict[str, str], data: Path) -> None:
    res = _run(env, "apply", "--yes", "--data", str(data))
    assert res.returncode == 0, res.stdout + res.stderr


def test_apply_on_empty_then_plan_in_sync(env: dict[str, str], data: Path) -> None:
    res = _run(env, "plan", "--data", str(data))
    assert res.returncode == 2, res.stderr
    assert "+ dcim.devices fx-cam01" in res.stdout
    assert "~ dcim.interfaces fx-sw01:GE0/0/1" in res.stdout  # template-created: an update
    _apply(env, data)
    res = _run(env, "plan", "--data", str(data))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "no changes" in res.stdout
    api = client.connect(env["NETBOX_API"], env["NETBOX_TOKEN"])
    cam = api.dcim.devices.get(name="fx-cam01")
    assert cam.primary_ip4.address == "10.44.1.11/24"
    assert cam.custom_fields["gb28181_id"] == "44180300001320000001"
    assert api.dcim.interfaces.get(device="fx-sw01", name="GE0/0/3").lag.name == "Eth-Trunk1"
    assert api.dcim.cables.count() == 2
    # sw01: 5 template interfaces + 3 own; cams: 1 each
    assert api.dcim.interfaces.count() == 10


def test_export_after_apply_is_byte_identical(env: dict[str, str], data: Path) -> None:
    _apply(env, data)
    before = _files(data)
    res = _run(env, "export", "--data", str(data))
    assert res.returncode == 0, res.stderr
    assert "0 file(s) changed." in res.stdout
    assert _files(data) == before


def test_ui_change_is_kept_and_export_writes_it_back(env: dict[str, str], data: Path) -> None:
    """Changed only in NetBox since the last sync: plan keeps it (no revert), export takes it."""
    _apply(env, data)
    api = client.connect(env["NETBOX_API"], env["NETBOX_TOKEN"])
    cam = api.dcim.devices.get(name="fx-cam01")
    cam.update({"description": "south gate"})
    res = _run(env, "plan", "--json", "--data", str(data))
    assert res.returncode == 0, res.stdout + res.stderr
    plan = json.loads(res.stdout)
    assert plan["changes"] == []
    [side] = plan["netbox_side"]
    assert side["who"].startswith("updated by admin at ")
    assert {k: side[k] for k in ("endpoint", "key", "what", "id")} == {
        "endpoint": "dcim.devices",
        "key": "fx-cam01",
        "what": "changed",
        "id": cam.id,
    }
    text = _run(env, "plan", "--data", str(data)).stdout
    assert "  * dcim.devices fx-cam01: changed in NetBox (updated by admin at " in text
    # a camera added in the UI appears in the export too
    api.dcim.devices.create(
        name="fx-cam03",
        device_type={"slug": "fx-ipc-1"},
        role={"slug": "fx-camera"},
        site={"slug": "fx-site-b"},
    )
    res = _run(env, "export", "--data", str(data))
    assert res.returncode == 0, res.stderr
    devices = yaml.safe_load((data / "estate" / "dcim.devices.yml").read_text())["objects"]
    by_name = {d["name"]: d for d in devices}
    assert by_name["fx-cam01"]["description"] == "south gate"
    assert by_name["fx-cam03"] == {
        "name": "fx-cam03",
        "device_type": "fx-ipc-1",
        "role": "fx-camera",
        "site": "fx-site-b",
    }
    assert _run(env, "plan", "--data", str(data)).returncode == 0


def test_interrupted_apply_converges_without_duplicates(env: dict[str, str], data: Path) -> None:
    res = _run(env, "apply", "--yes", "--data", str(data), extra={STOP_ENV: "12"})
    assert res.returncode == -signal.SIGKILL, res.stdout + res.stderr
    assert _run(env, "plan", "--data", str(data)).returncode == 2  # half applied
    _apply(env, data)
    assert _run(env, "plan", "--data", str(data)).returncode == 0
    api = client.connect(env["NETBOX_API"], env["NETBOX_TOKEN"])
    assert api.dcim.devices.count() == 3
    assert api.ipam.ip_addresses.count() == 2
    assert api.dcim.cables.count() == 2
    assert api.dcim.interfaces.count() == 10


def test_removed_managed_object_is_deleted_unmanaged_kept(env: dict[str, str], data: Path) -> None:
    _apply(env, data)
    api = client.connect(env["NETBOX_API"], env["NETBOX_TOKEN"])
    api.dcim.sites.create(name="UI site", slug="ui-site")  # not tagged: never deleted
    path = data / "estate" / "dcim.devices.yml"
    doc = yaml.safe_load(path.read_text())
    doc["objects"] = [d for d in doc["objects"] if d["name"] != "fx-cam02"]
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    res = _run(env, "plan", "--data", str(data))
    assert res.returncode == 2
    lines = [ln for ln in res.stdout.splitlines() if ln[:2] in ("+ ", "~ ", "- ")]
    assert lines == ["- dcim.devices fx-cam02"]
    _apply(env, data)
    assert api.dcim.devices.get(name="fx-cam02") is None
    assert api.dcim.sites.get(slug="ui-site") is not None
    assert _run(env, "plan", "--data", str(data)).returncode == 0


def test_netbox_stopped_midway_then_rerun_converges(env: dict[str, str], data: Path) -> None:
    argv = [*CLI, "sot", "apply", "--yes", "--batch-size", "1", "--data", str(data)]
    proc = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    api = client.connect(env["NETBOX_API"], env["NETBOX_TOKEN"])
    deadline = time.monotonic() + 120
    while api.dcim.devices.count() == 0:  # apply has reached the devices: stop NetBox under it
        assert proc.poll() is None, "apply finished before NetBox could be stopped"
        assert time.monotonic() < deadline, "apply never wrote a device"
        time.sleep(0.05)
    try:
        netbox.down()
        _, err = proc.communicate(timeout=180)
        assert proc.returncode in (1, 4), err
        assert "error:" in err
        assert "Traceback" not in err
    finally:
        netbox.up()
    assert _run(env, "plan", "--data", str(data)).returncode == 2  # half applied
    _apply(env, data)
    assert _run(env, "plan", "--data", str(data)).returncode == 0
    assert api.dcim.devices.count() == 3
    assert api.ipam.ip_addresses.count() == 2
    assert api.dcim.cables.count() == 2
