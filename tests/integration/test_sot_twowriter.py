"""Two writers on the real lab NetBox: the sync base, the three-way plan, conflicts, no-base mode.

Runs the CLI (`python -m sharpeyes.cli.main`, the code under test) on the small fixture dataset.
"""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from sotcli import CLI, DEVICES, edit_repo_device
from sotcli import run_sot as _run
from test_points_import import GOOD, SITE, site_slice  # the one-site slice of the dataset

from sharpeyes.lab import commands
from sharpeyes.paths import netbox_data_dir
from sharpeyes.sot import base as base_mod
from sharpeyes.sot.apply import STOP_ENV
from sharpeyes.sot.dataset import dump_file
from sharpeyes.sot.live import Rest
from sharpeyes.sot.loader import load

pytestmark = pytest.mark.integration


def _apply(env: dict[str, str], data: Path, *flags: str) -> Any:
    res = _run(env, "apply", "--yes", "--data", str(data), *flags)
    assert res.returncode == 0, res.stdout + res.stderr
    return res


def _plan(env: dict[str, str], data: Path) -> tuple[int, dict[str, Any]]:
    res = _run(env, "plan", "--json", "--data", str(data))
    assert res.returncode in (0, 2), res.stdout + res.stderr
    return res.returncode, json.loads(res.stdout)


def _drop_repo_device(data: Path, name: str) -> None:
    path = data / DEVICES
    doc = yaml.safe_load(path.read_text())
    doc["objects"] = [d for d in doc["objects"] if d["name"] != name]
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))


def _marker(api: Any) -> Any:
    return api.extras.saved_filters.get(slug=base_mod.SLUG)


def _newest_change(api: Any) -> int:
    newest = base_mod.newest_change(Rest(api))
    return int(newest["id"]) if newest else 0


def test_netbox_created_objects_are_kept_then_exported(
    env: dict[str, str], data: Path, api: Any
) -> None:
    """The point-list case: 5 cameras created in NetBox, `sot apply` from an un-exported repo."""
    _apply(env, data)
    marker = _marker(api)
    assert marker is not None and marker.enabled is False
    for n in range(1, 6):
        api.dcim.devices.create(
            name=f"fx-imp0{n}",
            device_type={"slug": "fx-ipc-1"},
            role={"slug": "fx-camera"},
            site={"slug": "fx-site-a"},
            tags=[{"slug": "sharpeyes-managed"}],  # as `points import --apply` tags them
        )
    code, plan = _plan(env, data)
    assert code == 0, plan  # nothing to write: NetBox-side changes are kept
    assert plan["counts"] == {"create": 0, "update": 0, "delete": 0}
    assert plan["base"]["status"] == "ok"
    side = sorted((d["endpoint"], d["key"], d["what"]) for d in plan["netbox_side"])
    assert side == [("dcim.devices", f"fx-imp0{n}", "created") for n in range(1, 6)]
    assert all(d["who"].startswith("created by admin at ") for d in plan["netbox_side"])
    res = _apply(env, data)
    assert "0 deleted" in res.stdout or "Nothing to do" in res.stdout
    assert "run `sot export`" in res.stdout
    assert len(list(api.dcim.devices.filter(name__isw="fx-imp"))) == 5
    res = _run(env, "export", "--data", str(data))
    assert res.returncode == 0, res.stderr
    names = {d["name"] for d in yaml.safe_load((data / DEVICES).read_text())["objects"]}
    assert {f"fx-imp0{n}" for n in range(1, 6)} <= names
    code, plan = _plan(env, data)
    assert code == 0
    assert plan["in_sync"] and plan["netbox_side"] == [] and plan["conflicts"] == []
    assert plan["kept_without_base"] == []


def test_conflict_refuses_then_force_resolves(env: dict[str, str], data: Path, api: Any) -> None:
    _apply(env, data)
    api.dcim.devices.get(name="fx-cam01").update({"description": "south gate"})
    edit_repo_device(data, "fx-cam01", description="east gate")
    before = _newest_change(api)
    res = _run(env, "apply", "--yes", "--data", str(data))
    assert res.returncode == 3, res.stdout + res.stderr
    assert (
        "! dcim.devices fx-cam01: description: repo 'east gate', NetBox 'south gate' "
        "[NetBox: updated by admin at " in res.stdout
    )
    assert "--force" in res.stderr
    assert _newest_change(api) == before  # nothing written, base included
    assert api.dcim.devices.get(name="fx-cam01").description == "south gate"
    code, plan = _plan(env, data)
    assert code == 2
    assert [(c["key"], c["fields"]) for c in plan["conflicts"]] == [
        ("fx-cam01", {"description": {"repo": "east gate", "netbox": "south gate"}})
    ]
    _apply(env, data, "--force")
    assert api.dcim.devices.get(name="fx-cam01").description == "east gate"
    before = _newest_change(api)
    res = _apply(env, data)
    assert "Nothing to do: 0 writes." in res.stdout
    assert _newest_change(api) == before


def test_netbox_edit_is_kept_not_reverted(env: dict[str, str], data: Path, api: Any) -> None:
    _apply(env, data)
    api.dcim.devices.get(name="fx-cam01").update({"description": "south gate"})
    _apply(env, data)
    assert api.dcim.devices.get(name="fx-cam01").description == "south gate"
    code, plan = _plan(env, data)
    assert code == 0
    assert [(d["key"], d["what"]) for d in plan["netbox_side"]] == [("fx-cam01", "changed")]


def _break_base(api: Any, how: str) -> None:
    marker = _marker(api)
    if how == "missing":
        marker.delete()
        return
    params = dict(marker.parameters)
    if how == "corrupt":
        params["objects"] = "not base64 zlib!"
    else:  # foreign: a base naming a change this NetBox does not have
        params["changelog"] = {"id": _newest_change(api) + 1000, "request_id": "x", "time": "?"}
        params["instance"] = "another-netbox"
    marker.update({"parameters": params})


@pytest.mark.parametrize("how", ["missing", "corrupt", "foreign"])
def test_unusable_base_never_deletes(env: dict[str, str], data: Path, api: Any, how: str) -> None:
    _apply(env, data)
    _drop_repo_device(data, "fx-cam02")
    edit_repo_device(data, "fx-cam01", description="east gate")
    _break_base(api, how)
    code, plan = _plan(env, data)
    assert code == 2
    assert plan["base"]["status"] == how
    assert plan["counts"]["delete"] == 0
    assert [c["key"] for c in plan["kept_without_base"]] == ["fx-cam02"]
    res = _apply(env, data)
    assert "never deleting" in res.stdout
    assert "0 deleted" in res.stdout
    assert api.dcim.devices.get(name="fx-cam02") is not None
    assert api.dcim.devices.get(name="fx-cam01").description == "east gate"  # writes as before
    code, plan = _plan(env, data)  # the apply recorded a fresh base
    assert plan["base"]["status"] == "ok"
    assert plan["counts"]["delete"] == 0
    assert [(d["key"], d["what"]) for d in plan["netbox_side"]] == [("fx-cam02", "created")]


def test_deleted_in_netbox_is_planned_as_create_with_who(
    env: dict[str, str], data: Path, api: Any
) -> None:
    _apply(env, data)
    api.dcim.devices.get(name="fx-cam02").delete()
    res = _run(env, "plan", "--data", str(data))
    assert res.returncode == 2
    assert "+ dcim.devices fx-cam02 (deleted in NetBox: deleted by admin at " in res.stdout
    _apply(env, data)
    assert api.dcim.devices.get(name="fx-cam02") is not None
    assert _run(env, "plan", "--data", str(data)).returncode == 0


def test_repo_removal_is_deleted_with_a_base(env: dict[str, str], data: Path, api: Any) -> None:
    _apply(env, data)
    _drop_repo_device(data, "fx-cam02")
    code, plan = _plan(env, data)
    assert code == 2
    assert [(c["action"], c["key"]) for c in plan["changes"]] == [("delete", "fx-cam02")]
    _apply(env, data)
    assert api.dcim.devices.get(name="fx-cam02") is None


def test_killed_apply_keeps_the_old_base_and_rerun_converges(
    env: dict[str, str], data: Path, api: Any
) -> None:
    res = _run(env, "apply", "--yes", "--data", str(data), extra={STOP_ENV: "5"})
    assert res.returncode == -signal.SIGKILL, res.stdout + res.stderr
    assert _marker(api) is None  # first apply killed: no base
    _apply(env, data)
    marker = _marker(api)
    stored = dict(marker.parameters)
    edit_repo_device(data, "fx-cam01", description="east gate")
    _drop_repo_device(data, "fx-cam02")
    res = _run(env, "apply", "--yes", "--data", str(data), extra={STOP_ENV: "1"})
    assert res.returncode == -signal.SIGKILL, res.stdout + res.stderr
    assert dict(_marker(api).parameters) == stored  # the base is written only after success
    _apply(env, data)
    assert api.dcim.devices.get(name="fx-cam02") is None
    assert api.dcim.devices.get(name="fx-cam01").description == "east gate"
    code, plan = _plan(env, data)
    assert code == 0 and plan["netbox_side"] == [], plan


def test_real_point_list_import_then_apply_from_unexported_repo(
    env: dict[str, str], tmp_path: Path, api: Any
) -> None:
    """The issue's case end to end: `points import --apply`, then `sot apply` without export."""
    data = tmp_path / "netbox"
    for name, objs in site_slice(load(netbox_data_dir()).dataset, SITE).objects.items():
        section = objs[0].source.parent.name if objs[0].source else "estate"
        dump_file(data / section / f"{name}.yml", name, [dict(o.data) for o in objs])
    commands.reset_loaded(data)  # the slice applied (sync base included), from its snapshot
    res = subprocess.run(
        [*CLI, "points", "import", str(GOOD), "--data", str(data), "--apply"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    cams = {f"qx-ps01-cam01{n:02d}" for n in range(2, 8)}
    assert {d.name for d in api.dcim.devices.filter(name=list(cams))} == cams
    devices_before = api.dcim.devices.count()
    code, plan = _plan(env, data)
    assert plan["counts"]["delete"] == 0, plan["changes"]
    created = {d["key"] for d in plan["netbox_side"] if d["endpoint"] == "dcim.devices"}
    assert created == cams
    res = _apply(env, data)
    assert "0 deleted" in res.stdout or "Nothing to do" in res.stdout
    assert api.dcim.devices.count() == devices_before
    assert {d.name for d in api.dcim.devices.filter(name=list(cams))} == cams
    res = _run(env, "export", "--data", str(data))
    assert res.returncode == 0, res.stderr
    code, plan = _plan(env, data)
    assert code == 0 and plan["in_sync"], plan
    assert plan["netbox_side"] == [] and plan["conflicts"] == []
