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
    assert list(doc) == [*KEYS, "stations", "storage"]  # the seed's keys first, unchanged
    assert {k: doc[k] for k in KEYS} == EXPECTED


def test_json_prints_the_retention_arithmetic(estate: Estate) -> None:
    st = summarise(estate.loaded).as_json()["storage"]
    # 150 x 18 TB; RAID6 13+2 per server: 10 x 13 x 18 TB; 90 % fill
    assert (st["data_disks"], st["raw_tb"], st["capacity_tb"]) == (150, 2700.0, 2340.0)
    assert st["usable_tb"] == 2106.0
    video, check = st["classes"]["video"], st["classes"]["checkpoint"]
    assert (video["cameras"], check["cameras"]) == (1086, 48)
    assert (video["retention_days"], check["retention_days"]) == (30, 90)
    # ingest = cameras x main stream (Mbit/s -> TB/day: x 0.0108) + pictures
    want = 986 * 4 * 0.0108 + 100 * (6 * 0.0108 + 1.0e-3)  # bullet/dome 4, face 6 + pictures
    assert video["ingest_tb_day"] == pytest.approx(want, abs=0.01)
    assert st["demand_tb"] <= st["usable_tb"]
    assert st["days_at_fill"] >= 30


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
    assert "Retention arithmetic" in result.stdout and "2,106 TB at 90% fill" in result.stdout
