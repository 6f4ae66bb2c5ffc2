"""`sot validate`: passes on the shipped data; each mutation fails with a precise message."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from sharpeyes.errors import EXIT_INVALID_INPUT, DatasetInvalid
from sharpeyes.paths import netbox_data_dir
from sharpeyes.sot.validate import validate

SHARPEYES = str(Path(sys.executable).parent / "sharpeyes")
DEVICES = "netbox/estate/dcim.devices.yml"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A private copy of the shipped dataset (named netbox/, so messages match the repo)."""
    target = tmp_path / "netbox"
    shutil.copytree(netbox_data_dir(), target, ignore=shutil.ignore_patterns("spec", "*.csv"))
    return target


def mutate(data: Path, rel: str, change: Callable[[list[dict[str, Any]]], None]) -> None:
    path = data / rel
    doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    change(doc["objects"])
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


def by_name(objects: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(o for o in objects if o.get("name") == name)


def problems(data: Path) -> list[str]:
    with pytest.raises(DatasetInvalid) as info:
        validate(data)
    assert info.value.exit_code == EXIT_INVALID_INPUT
    return info.value.problems


def test_shipped_data_is_valid(data: Path) -> None:
    validate(data)


def test_duplicate_gb_id(data: Path) -> None:
    def change(objs: list[dict[str, Any]]) -> None:
        first = by_name(objs, "qx-ps01-cam0001")["custom_fields"]["gb28181_id"]
        by_name(objs, "qx-ps01-cam0002")["custom_fields"]["gb28181_id"] = first

    mutate(data, "estate/dcim.devices.yml", change)
    found = problems(data)
    assert found == [
        f"{DEVICES}: device qx-ps01-cam0002: custom_fields.gb28181_id: "
        "44180301001320000001 duplicates the id of device qx-ps01-cam0001"
    ]


def test_gb_id_of_19_digits(data: Path) -> None:
    def change(objs: list[dict[str, Any]]) -> None:
        by_name(objs, "qx-ps02-cam0007")["custom_fields"]["gb28181_id"] = "4418030200132000000"

    mutate(data, "estate/dcim.devices.yml", change)
    assert problems(data) == [
        f"{DEVICES}: device qx-ps02-cam0007: custom_fields.gb28181_id: "
        "'4418030200132000000' has 19 digits, expected 20"
    ]


def test_wrong_type_code(data: Path) -> None:
    seen: dict[str, str] = {}

    def change(objs: list[dict[str, Any]]) -> None:
        dome = next(o for o in objs if o["role"] == "camera-dome" and o["site"] == "qx-ps03")
        gid = dome["custom_fields"]["gb28181_id"]
        dome["custom_fields"]["gb28181_id"] = gid[:10] + "131" + gid[13:]
        seen["name"] = dome["name"]

    mutate(data, "estate/dcim.devices.yml", change)
    assert problems(data) == [
        f"{DEVICES}: device {seen['name']}: custom_fields.gb28181_id: type code 131 does not "
        "match role camera-dome (expected 132)"
    ]


def test_ip_outside_its_prefix(data: Path) -> None:
    def change(objs: list[dict[str, Any]]) -> None:
        ip = next(o for o in objs if o["address"] == "10.44.8.11/24")
        ip["address"] = "10.44.99.11/24"

    mutate(data, "estate/ipam.ip-addresses.yml", change)
    found = problems(data)
    assert (
        "netbox/estate/ipam.ip-addresses.yml: ip 10.44.99.11/24:video-private: address: "
        "10.44.99.11/24 is outside every prefix of VRF video-private"
    ) in found
    # The device's primary_ip4 now points at no assigned address: reported too.
    assert any(p.startswith(f"{DEVICES}: device ") and "primary_ip4" in p for p in found)
    assert len(found) == 2


def test_port_used_twice(data: Path) -> None:
    def change(objs: list[dict[str, Any]]) -> None:
        cam2 = next(o for o in objs if o["a_terminations"][0].get("device") == "qx-ps01-cam0002")
        cam1 = next(o for o in objs if o["a_terminations"][0].get("device") == "qx-ps01-cam0001")
        cam2["b_terminations"] = cam1["b_terminations"]

    mutate(data, "estate/dcim.cables.yml", change)
    found = problems(data)
    assert len(found) == 1
    assert found[0].startswith("netbox/estate/dcim.cables.yml: cable ")
    assert found[0].endswith(
        "interface qx-ps01-sw01:GigabitEthernet0/0/1 already cabled by cable "
        "qx-ps01-cam0001:eth0 <> qx-ps01-sw01:GigabitEthernet0/0/1"
    )


def test_poe_over_budget(data: Path) -> None:
    def change(objs: list[dict[str, Any]]) -> None:
        sw = next(o for o in objs if o["model"] == "S5735S-L24P4S-A1")
        sw["custom_fields"]["poe_budget_w"] = 100

    mutate(data, "custom/dcim.device-types.yml", change)
    found = problems(data)
    assert found, "a 100 W budget must be exceeded somewhere"
    assert all(p.startswith(f"{DEVICES}: device qx-") for p in found)
    assert all(": PoE: attached cameras draw " in p for p in found)
    assert any(
        p.startswith(f"{DEVICES}: device qx-ps01-sw01: PoE: attached cameras draw ")
        and "over the budget of 100 W (device type s5735s-l24p4s-a1" in p
        for p in found
    )


def test_retention_policy_beyond_capacity(data: Path) -> None:
    def change(objs: list[dict[str, Any]]) -> None:
        objs[0]["data"]["sharpeyes_video"]["retention_days"]["video"] = 60

    mutate(data, "estate/extras.config-contexts.yml", change)
    (found,) = problems(data)
    assert found.startswith(
        "netbox/estate/extras.config-contexts.yml: config context video-platform: "
        "data.sharpeyes_video.retention_days: retention needs "
    )


def test_seed_count_mismatch_and_unknown_reference(data: Path) -> None:
    def change(objs: list[dict[str, Any]]) -> None:
        objs.remove(by_name(objs, "qx-ps01-lcd01"))
        by_name(objs, "qx-ps01-lcd02")["site"] = "qx-nowhere"

    mutate(data, "estate/dcim.devices.yml", change)
    found = problems(data)
    assert f"{DEVICES}: count: splice_screens: 98, the seed says 99" in found
    assert f"{DEVICES}: device qx-ps01-lcd02: site: unknown dcim.sites qx-nowhere" in found


def test_cli_exit_code_and_message(data: Path) -> None:
    def change(objs: list[dict[str, Any]]) -> None:
        by_name(objs, "qx-ps02-cam0007")["custom_fields"]["gb28181_id"] = "4418030200132000000"

    ok = subprocess.run(
        [SHARPEYES, "sot", "validate", "--data", str(data)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("ok: sites 26, police_stations 17")
    mutate(data, "estate/dcim.devices.yml", change)
    bad = subprocess.run(
        [SHARPEYES, "sot", "validate", "--data", str(data)],
        capture_output=True,
        text=True,
        check=False,
        env={"COLUMNS": "300", "PATH": ""},
    )
    assert bad.returncode == EXIT_INVALID_INPUT
    assert "device qx-ps02-cam0007: custom_fields.gb28181_id:" in bad.stderr
    assert "Traceback" not in bad.stderr
