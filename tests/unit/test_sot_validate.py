"""`sot validate`: passes on the shipped data; each mutation fails with a precise message.

The shipped estate is read and checked once per session (`estate` in conftest.py); a mutation
re-reads only the file it edits.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from sharpeyes.errors import EXIT_INVALID_INPUT, DatasetInvalid
from sharpeyes.paths import netbox_data_dir
from sharpeyes.sot import plan, sync, validate
from sharpeyes.sot.live import LiveState
from sharpeyes.sot.plan import Plan

if TYPE_CHECKING:
    from conftest import Estate, Objects

DEVICES = "netbox/estate/dcim.devices.yml"
STRAY = "netbox/estate/extra/dcim.sites.extra.yaml"


def by_name(objects: Objects, name: str) -> dict[str, Any]:
    return next(o for o in objects if o.get("name") == name)


def test_shipped_data_is_valid(estate: Estate) -> None:
    assert estate.problems == []


def test_validate_and_plan_read_the_same_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    """What `sot validate` passes is what `sot plan`/`apply` write: one reader, same objects."""
    data_dir = netbox_data_dir()
    monkeypatch.setattr(validate, "check", lambda ld: [])  # the reading is under test, not checks
    checked = validate.validate(data_dir).dataset
    monkeypatch.setattr(sync, "rest_client", lambda api=None: object())
    monkeypatch.setattr(sync, "fetch", lambda *args, **kwargs: LiveState())
    monkeypatch.setattr(plan, "compute", lambda *args: Plan())  # not under test
    monkeypatch.setattr(sync.base_mod, "load", lambda rest: sync.base_mod.Loaded("missing"))
    monkeypatch.setattr(sync.base_mod, "newest_change", lambda rest: None)
    planned = sync.plan(data_dir).dataset
    assert planned.endpoints == checked.endpoints
    assert len(checked.endpoints) == 31
    for name in checked.endpoints:
        want = [(o.key, o.data, o.source) for o in checked.objects[name]]
        assert [(o.key, o.data, o.source) for o in planned.objects[name]] == want, name
    assert planned.files == checked.files


def _linked_copy(tmp_path: Path) -> Path:
    """The shipped dataset under tmp_path/netbox, its files hard-linked (nothing copied)."""
    target = tmp_path / "netbox"
    shutil.copytree(netbox_data_dir(), target, copy_function=os.link)
    return target


def test_stray_yaml_fails_validate_and_plan_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue-7 case: a YAML file in a subdirectory used to pass `sot validate` (never read)
    while `sot plan` loaded it. Now both refuse it, naming it; the CLI maps DatasetInvalid to
    exit 3 (tests/unit/test_exit_codes.py holds the CLI table)."""
    data = _linked_copy(tmp_path)
    stray = tmp_path / STRAY
    stray.parent.mkdir()
    stray.write_text("---\nendpoint: dcim.sites\nobjects:\n  - {slug: x, name: X}\n")
    expected = [f"{STRAY}: not a dataset file: endpoint files live directly in estate/"]
    with pytest.raises(DatasetInvalid) as info:
        validate.validate(data)
    assert info.value.problems == expected
    assert info.value.exit_code == EXIT_INVALID_INPUT
    # the plan path refuses the same file before it reads any file or contacts NetBox
    monkeypatch.setattr(sync, "rest_client", lambda api=None: pytest.fail("NetBox contacted"))
    with pytest.raises(DatasetInvalid) as info:
        sync.plan(data)
    assert info.value.problems == expected


def test_duplicate_gb_id(estate: Estate) -> None:
    def change(objs: Objects) -> None:
        first = by_name(objs, "qx-ps01-cam0001")["custom_fields"]["gb28181_id"]
        by_name(objs, "qx-ps01-cam0002")["custom_fields"]["gb28181_id"] = first

    assert estate.problems_with("estate/dcim.devices.yml", change) == [
        f"{DEVICES}: device qx-ps01-cam0002: custom_fields.gb28181_id: "
        "44180301001320000001 duplicates the id of device qx-ps01-cam0001"
    ]


def test_gb_id_of_19_digits(estate: Estate) -> None:
    def change(objs: Objects) -> None:
        by_name(objs, "qx-ps02-cam0007")["custom_fields"]["gb28181_id"] = "4418030200132000000"

    assert estate.problems_with("estate/dcim.devices.yml", change) == [
        f"{DEVICES}: device qx-ps02-cam0007: custom_fields.gb28181_id: "
        "'4418030200132000000' has 19 digits, expected 20"
    ]


def test_wrong_type_code(estate: Estate) -> None:
    seen: dict[str, str] = {}

    def change(objs: Objects) -> None:
        dome = next(o for o in objs if o["role"] == "camera-dome" and o["site"] == "qx-ps03")
        gid = dome["custom_fields"]["gb28181_id"]
        dome["custom_fields"]["gb28181_id"] = gid[:10] + "131" + gid[13:]
        seen["name"] = dome["name"]

    assert estate.problems_with("estate/dcim.devices.yml", change) == [
        f"{DEVICES}: device {seen['name']}: custom_fields.gb28181_id: type code 131 does not "
        "match role camera-dome (expected 132)"
    ]


def test_ip_outside_its_prefix(estate: Estate) -> None:
    def change(objs: Objects) -> None:
        ip = next(o for o in objs if o["address"] == "10.44.8.11/24")
        ip["address"] = "10.44.99.11/24"

    found = estate.problems_with("estate/ipam.ip-addresses.yml", change)
    assert (
        "netbox/estate/ipam.ip-addresses.yml: ip 10.44.99.11/24:video-private: address: "
        "10.44.99.11/24 is outside every prefix of VRF video-private"
    ) in found
    # The device's primary_ip4 now points at no assigned address: reported too.
    assert any(p.startswith(f"{DEVICES}: device ") and "primary_ip4" in p for p in found)
    assert len(found) == 2


def test_port_used_twice(estate: Estate) -> None:
    def change(objs: Objects) -> None:
        cam2 = next(o for o in objs if o["a_terminations"][0].get("device") == "qx-ps01-cam0002")
        cam1 = next(o for o in objs if o["a_terminations"][0].get("device") == "qx-ps01-cam0001")
        cam2["b_terminations"] = cam1["b_terminations"]

    found = estate.problems_with("estate/dcim.cables.yml", change)
    assert len(found) == 1
    assert found[0].startswith("netbox/estate/dcim.cables.yml: cable ")
    assert found[0].endswith(
        "interface qx-ps01-sw01:GigabitEthernet0/0/1 already cabled by cable "
        "qx-ps01-cam0001:eth0 <> qx-ps01-sw01:GigabitEthernet0/0/1"
    )


def test_poe_over_budget(estate: Estate) -> None:
    def change(objs: Objects) -> None:
        sw = next(o for o in objs if o["model"] == "S5735S-L24P4S-A1")
        sw["custom_fields"]["poe_budget_w"] = 10  # hub cameras only: satellites have converters

    found = estate.problems_with("custom/dcim.device-types.yml", change)
    assert found, "a 10 W budget must be exceeded somewhere"
    assert all(p.startswith(f"{DEVICES}: device qx-") for p in found)
    assert all(": PoE: attached cameras draw " in p for p in found)
    assert any(
        p.startswith(f"{DEVICES}: device qx-ps01-sw01: PoE: attached cameras draw ")
        and "over the budget of 10 W (device type s5735s-l24p4s-a1" in p
        for p in found
    )


def test_retention_policy_beyond_capacity(estate: Estate) -> None:
    def change(objs: Objects) -> None:
        platform = next(o for o in objs if o["name"] == "video-platform")
        platform["data"]["sharpeyes_video"]["retention_days"]["video"] = 60

    (found,) = estate.problems_with("estate/extras.config-contexts.yml", change)
    assert found.startswith(
        "netbox/estate/extras.config-contexts.yml: config context video-platform: "
        "data.sharpeyes_video.retention_days: retention needs "
    )


def test_seed_count_mismatch_and_unknown_reference(estate: Estate) -> None:
    def change(objs: Objects) -> None:
        objs.remove(by_name(objs, "qx-ps01-lcd01"))
        by_name(objs, "qx-ps01-lcd02")["site"] = "qx-nowhere"

    found = estate.problems_with("estate/dcim.devices.yml", change)
    assert f"{DEVICES}: count: splice_screens: 98, the seed says 99" in found
    assert f"{DEVICES}: device qx-ps01-lcd02: site: unknown dcim.sites qx-nowhere" in found


def test_duplicate_key(estate: Estate) -> None:
    def change(objs: Objects) -> None:
        objs.append(dict(by_name(objs, "qx-ps01-cam0001")))

    assert estate.problems_with("estate/dcim.devices.yml", change) == [
        f"{DEVICES}: device qx-ps01-cam0001: duplicate dcim.devices key (first in {DEVICES})"
    ]
