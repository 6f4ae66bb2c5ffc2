"""`sharpeyes points import` against the real lab NetBox.

Module setup: the lab NetBox loaded with a one-site slice (qx-ps01 and everything it needs) of the
repo dataset: applied once (~1.5 min), then restored from its loaded snapshot
(`sharpeyes.lab.commands.reset_loaded`). The import runs with `--data` = that slice, so the
dataset reservations match what NetBox holds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from sharpeyes.errors import EXIT_INVALID_INPUT, TargetFailed
from sharpeyes.lab import commands, netbox
from sharpeyes.paths import netbox_data_dir
from sharpeyes.points import run
from sharpeyes.sot import client, schema
from sharpeyes.sot.dataset import Dataset, dump_file, iter_refs, ref_key
from sharpeyes.sot.loader import load

pytestmark = pytest.mark.integration

SITE = "qx-ps01"
BIN = Path(sys.executable).parent / "sharpeyes"
GOOD = netbox_data_dir() / "points" / "sample-batch-qx-ps01.csv"
FIELD = netbox_data_dir() / "points" / "sample-field-qx-ps01.csv"
BAD = Path(__file__).parents[1] / "unit" / "data" / "points" / "bad-batch-qx-ps01.csv"
COUNTED = ("dcim.locations", "dcim.devices", "ipam.ip-addresses", "dcim.cables")


def _kept(kept: dict[str, set[Any]], target: str, value: Any) -> bool:
    """A reference stays inside the slice; a device component may come from its type template."""
    if schema.REGISTRY[target].template and isinstance(value, Mapping):
        return ref_key("dcim.devices", value.get("device")) in kept.get("dcim.devices", set())
    return ref_key(target, value) in kept.get(target, set())


def site_slice(ds: Dataset, site: str) -> Dataset:
    """`site` and every object whose references all stay inside the slice."""
    out = Dataset()
    kept: dict[str, set[Any]] = {}
    for name in ds.endpoints:
        ep = schema.REGISTRY[name]
        pending = [o for o in ds.objects[name] if name != "dcim.sites" or o.data["slug"] == site]
        while pending:  # repeat: objects may reference objects of the same endpoint (parents)
            ok = [
                o
                for o in pending
                if all(_kept(kept, r.target, r.value) for r in iter_refs(ep, o.data))
            ]
            if not ok:
                break
            for obj in ok:
                kept.setdefault(name, set()).add(obj.key)
                out.objects.setdefault(name, []).append(obj)
            pending = [o for o in pending if o not in ok]
    return out


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("slice") / "netbox"
    for name, objs in site_slice(load(netbox_data_dir()).dataset, SITE).objects.items():
        rows = [dict(o.data) for o in objs]
        section = objs[0].source.parent.name if objs[0].source else "estate"
        dump_file(root / section / f"{name}.yml", name, rows)
    return root


@pytest.fixture(scope="module")
def env(lab_netbox: netbox.Credentials, data: Path) -> dict[str, str]:
    commands.reset_loaded(data)  # the slice restored from its snapshot (applied once)
    return {**os.environ, "NETBOX_API": lab_netbox.url, "NETBOX_TOKEN": lab_netbox.token}


@pytest.fixture
def api(env: dict[str, str]) -> Any:
    return client.connect(env["NETBOX_API"], env["NETBOX_TOKEN"])


def _counts(api: Any) -> dict[str, int]:
    return {
        n: getattr(getattr(api, n.split(".")[0]), n.split(".")[1].replace("-", "_")).count()
        for n in COUNTED
    }


def _import(env: dict[str, str], data: Path, path: Path, *extra: str) -> Any:
    return subprocess.run(
        [str(BIN), "points", "import", str(path), "--data", str(data), *extra],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_dry_run_plans_and_writes_nothing(env: dict[str, str], data: Path, api: Any) -> None:
    before = _counts(api)
    res = _import(env, data, GOOD)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "qx-ps01-cam0107  bullet     QX-PS01-P001  44180301001320000125 *" in res.stdout
    assert "dry run: nothing written" in res.stdout
    assert _counts(api) == before


def test_bad_file_writes_nothing(env: dict[str, str], data: Path, api: Any) -> None:
    before = _counts(api)
    res = _import(env, data, BAD, "--apply")
    assert res.returncode == EXIT_INVALID_INPUT, res.stdout + res.stderr
    err = res.stderr.replace("\n", " ")
    # 20 here: the one-site NetBox also lacks checkpoint cameras and qx-ps02's switches
    assert "20 problem(s)" in err
    assert "row 15: 端口/port: qx-ps01-sw02 GigabitEthernet0/0/1 is already cabled to" in err
    assert "qx-ps01-cam0017 (NetBox)" in err
    assert _counts(api) == before


def test_failed_write_rolls_back(env: dict[str, str], data: Path, api: Any, tmp_path: Path) -> None:
    path = tmp_path / "race.csv"
    path.write_text(  # ~20 m from qx-ps01-sw02's point
        "点位编号,点位名称,所属单位,经度,纬度,设备类型,接入交换机,端口\n"
        "QX-PS01-P060,竞态测试点,qx-ps01,113.0273,23.7459,枪机,qx-ps01-sw02,GigabitEthernet0/0/20\n"
        "QX-PS01-P060,,qx-ps01,,,球机,qx-ps01-sw02,GigabitEthernet0/0/21\n",
        encoding="utf-8",
    )
    session = run.prepare_import(path, data, api)
    # someone cables one of the planned ports after the check: the cable POST fails late
    a = api.dcim.interfaces.get(device="qx-ps01-sw02", name="GigabitEthernet0/0/21")
    b = api.dcim.interfaces.get(device="qx-ps01-sw03", name="GigabitEthernet0/0/22")
    cable = api.dcim.cables.create(
        a_terminations=[{"object_type": "dcim.interface", "object_id": a.id}],
        b_terminations=[{"object_type": "dcim.interface", "object_id": b.id}],
    )
    try:
        before = _counts(api)
        with pytest.raises(TargetFailed, match=r"POST dcim\.cables .*; rolled back: NetBox is as"):
            run.apply_import(session)
        assert _counts(api) == before
        port = api.dcim.interfaces.get(device="qx-ps01-sw02", name="GigabitEthernet0/0/20")
        assert port.description == "" and port.untagged_vlan is None and port.mode is None
        assert api.dcim.locations.get(slug="qx-ps01-p060") is None
    finally:
        cable.delete()


def test_apply_creates_exactly_the_plan_then_refuses_a_rerun(
    env: dict[str, str], data: Path, api: Any
) -> None:
    before = _counts(api)
    res = _import(env, data, GOOD, "--apply")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "applied: 20 created, 12 updated" in res.stdout
    assert "sharpeyes sot export" in res.stderr
    after = _counts(api)
    assert {k: after[k] - before[k] for k in COUNTED} == {
        "dcim.locations": 2,
        "dcim.devices": 6,
        "ipam.ip-addresses": 6,
        "dcim.cables": 6,
    }
    cam = api.dcim.devices.get(name="qx-ps01-cam0104")
    assert cam.custom_fields["gb28181_id"] == "44180301001320000122"
    assert cam.primary_ip4.address == "10.44.8.150/24"
    assert cam.location.slug == "qx-ps01-p044" and cam.role.slug == "camera-face"
    assert "sharpeyes-managed" in [t.slug for t in cam.tags]
    port = api.dcim.interfaces.get(device="qx-ps01-sw01", name="GigabitEthernet0/0/17")
    assert port.description == "qx-ps01-cam0104" and port.untagged_vlan.vid == 100
    assert port.cable is not None
    loc = api.dcim.locations.get(slug="qx-ps01-p045")
    assert loc.custom_fields["point_code"] == "QX-PS01-P045"
    assert loc.custom_fields["box_kit"] == "lock_core"
    # the same file again: its ports are cabled now -> refused whole, nothing written
    res = _import(env, data, GOOD, "--apply")
    assert res.returncode == EXIT_INVALID_INPUT, res.stdout + res.stderr
    assert "is already cabled to qx-ps01-cam0102 (NetBox)" in res.stderr.replace("\n", " ")
    assert _counts(api) == after


def test_field_form_allocates_ports_against_netbox(
    env: dict[str, str], data: Path, api: Any
) -> None:
    """Blank switch/port: the plan names each chosen port; none is one NetBox has cabled."""
    res = _import(env, data, FIELD, "--json")
    assert res.returncode == 0, res.stdout + res.stderr
    cams = json.loads(res.stdout)["cameras"]
    assert len(cams) == 6 and all(c["port_allocated"] and c["distance_m"] <= 100 for c in cams)
    for c in cams:
        port = api.dcim.interfaces.get(device=c["switch"], name=c["port"])
        assert port is not None and port.cable is None, c
    assert len({(c["switch"], c["port"]) for c in cams}) == 6
