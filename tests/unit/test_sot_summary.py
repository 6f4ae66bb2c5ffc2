"""`sot summary`: the seed's quantities and the camera prefixes per site."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from sharpeyes.cli.main import app
from sharpeyes.sot import summary as summary_mod
from sharpeyes.sot.summary import KEYS, summarise

if TYPE_CHECKING:
    from conftest import Estate

EXPECTED = {
    "sites": 26,
    "police_stations": 17,
    "checkpoints": 3,
    "traffic_squadrons": 5,
    "points": 479,
    "new_boxes": 203,
    "lock_cores": 276,
    "signs": 368,
    "cameras": 1134,
    "switches": 80,
    "servers": 10,
    "data_disks": 150,
    "circuits": 236,
    "splice_screens": 99,
}


def test_json_keys_and_values(estate: Estate) -> None:
    doc = summarise(estate.loaded).as_json()  # what `sot summary --json` prints
    assert list(doc) == [*KEYS, "stations"]
    assert {k: doc[k] for k in KEYS} == EXPECTED


def test_stations_list_every_site_with_cameras(estate: Estate) -> None:
    stations = summarise(estate.loaded).stations
    assert len(stations) == 25
    assert [s["slug"] for s in stations] == sorted(s["slug"] for s in stations)
    ps01 = next(s for s in stations if s["slug"] == "qx-ps01")
    assert ps01 == {"name": "太和派出所", "slug": "qx-ps01", "camera_prefixes": ["10.44.8.0/24"]}
    assert "qx-dc" not in {s["slug"] for s in stations}
    nets = [ipaddress.ip_network(p) for s in stations for p in s["camera_prefixes"]]
    assert len(set(nets)) == len(nets) == 25


def test_table_output(estate: Estate, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(summary_mod, "load", lambda data_dir: estate.loaded)  # read once
    result = CliRunner().invoke(app, ["sot", "summary"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "cameras" in result.stdout and "1134" in result.stdout
    assert "qx-ps17" in result.stdout
