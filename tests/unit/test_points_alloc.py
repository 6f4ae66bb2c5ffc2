"""Point lists as the field sends them (issue 9): free point codes, blank switch/port allocated.

A small synthetic estate (one site, two access switches 50 m and 80 m north of a reference
point, one 900 m away) keeps the expectations independent of the generated repo dataset.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from sharpeyes import vocab
from sharpeyes.paths import netbox_data_dir
from sharpeyes.points import estate as estate_mod
from sharpeyes.points import plan, reader
from sharpeyes.points.check import check
from sharpeyes.points.model import COLUMNS, CheckResult, point_slug

LAT, LON = 23.8, 112.9  # the reference point P0
M_LAT = 1 / 111_195  # degrees of latitude per metre (haversine's mean radius)
PORTS = ["Gi0/0/1", "Gi0/0/2", "Gi0/0/10", "Gi0/0/3"]  # natural order: 1, 2, 3, 10


def _estate(budget: int = 100, far_only: bool = False) -> estate_mod.Estate:
    def loc(slug: str, north_m: float) -> dict[str, Any]:
        cf = {
            vocab.CF_POINT_CODE: slug.upper(),
            vocab.CF_LATITUDE: round(LAT + north_m * M_LAT, 7),
            vocab.CF_LONGITUDE: LON,
        }
        return {"slug": slug, "name": slug.upper(), "site": "s1", "custom_fields": cf}

    def switch(name: str, location: str) -> dict[str, Any]:
        role = vocab.SWITCH_ROLE
        return {"name": name, "device_type": "sw", "role": role, "site": "s1", "location": location}

    switches = [switch("s1-swfar", "s1-p003")]
    if not far_only:
        switches += [switch("s1-swb", "s1-p002"), switch("s1-swa", "s1-p001")]
    cam_role = vocab.CAMERA_ROLES["bullet"]
    records: dict[str, list[dict[str, Any]]] = {
        "dcim.regions": [{"slug": "t-town", "name": "测试镇"}],
        "dcim.sites": [{"slug": "s1", "name": "测试派出所", "region": "t-town"}],
        "dcim.locations": [
            loc("s1-p000", 0),
            loc("s1-p001", 50),
            loc("s1-p002", -80),
            loc("s1-p003", 900),
            {
                "slug": "s1-p009",
                "name": "S1-P009",
                "site": "s1",
                "custom_fields": {vocab.CF_POINT_CODE: "S1-P009"},
            },
        ],
        "dcim.device-types": [
            {"slug": "sw", "custom_fields": {vocab.CF_POE_BUDGET_W: budget}},
            {"slug": "cam", "custom_fields": {vocab.CF_POE_DRAW_W: 7}},
        ],
        "dcim.interface-templates": [
            *({"device_type": "sw", "name": p, "poe_mode": "pse"} for p in PORTS),
            {"device_type": "sw", "name": "XGE0/0/1", "poe_mode": None},
            {"device_type": "cam", "name": "eth0"},
        ],
        "dcim.devices": [
            *switches,
            {
                "name": "s1-cam0001",
                "device_type": "cam",
                "role": cam_role,
                "site": "s1",
                "location": "s1-p001",
                "custom_fields": {vocab.CF_GB28181_ID: "44180301001320000001"},
            },
        ],
        "ipam.prefixes": [
            {
                "prefix": "10.9.0.0/24",
                "role": vocab.PREFIX_CAMERAS,
                "scope_type": "dcim.site",
                "scope": "s1",
                "vrf": None,
            },
        ],
        "dcim.cables": [  # s1-swa Gi0/0/1 is taken (as in NetBox)
            {
                "a_terminations": [{"device": "s1-cam0001", "interface": "eth0"}],
                "b_terminations": [{"device": "s1-swa", "interface": "Gi0/0/1"}],
            },
        ],
    }
    return estate_mod.build(records, "test estate")


def _file(tmp_path: Path, rows: list[dict[str, str]], name: str = "field.csv") -> Path:
    keys = [c.key for c in COLUMNS]
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(keys)
        w.writerows([[r.get(k, "") for k in keys] for r in rows])
    return path


def _point(code: str, north_m: float = 0.0, name: str | None = None) -> dict[str, str]:
    return {
        "point_code": code,
        "point_name": name or f"{code}（示例）",
        "site": "s1",
        "lat": f"{LAT + north_m * M_LAT:.7f}",
        "lon": f"{LON}",
        "camera_type": "枪机",
    }


def _cam(code: str, **more: str) -> dict[str, str]:
    return {"point_code": code, "site": "s1", "camera_type": "枪机", **more}


def _run(tmp_path: Path, rows: list[dict[str, str]], **kw: Any) -> CheckResult:
    return check(reader.read(_file(tmp_path, rows)), _estate(**kw))


def _ports(result: CheckResult) -> list[tuple[int, str, str]]:
    return [(c.row, c.switch, c.port) for c in result.cameras]


def test_nearest_switch_lowest_free_port_with_why(tmp_path: Path) -> None:
    result = _run(tmp_path, [_point("TH-015"), _cam("TH-015"), _cam("th-015")])
    assert result.problems == []
    # s1-swa (50 m) before s1-swb (80 m); Gi0/0/1 is cabled; natural order 2, 3, 10
    assert _ports(result) == [
        (2, "s1-swa", "Gi0/0/2"),
        (3, "s1-swa", "Gi0/0/3"),
        (4, "s1-swa", "Gi0/0/10"),
    ]
    assert [c.point_code for c in result.cameras] == ["TH-015"] * 3  # first row's, verbatim
    assert len(result.points) == 1 and result.points[0].slug == "s1-th-015"
    first = result.cameras[0]
    assert first.port_allocated and first.distance_m == pytest.approx(50, abs=0.5)
    assert first.why == (
        "nearest access switch in copper reach, 50 m; lowest free PoE port; "
        "PoE 86 W of 100 W left after it"
    )
    text = plan.render(result, encoding="utf-8", against="test estate")
    assert "  row    2  s1-swa Gi0/0/2: nearest access switch in copper reach, 50 m" in text


def test_full_switch_is_skipped_with_the_reason(tmp_path: Path) -> None:
    rows = [_point("P-1"), *(_cam("P-1") for _ in range(3))]
    result = _run(tmp_path, rows)
    assert result.problems == []
    assert _ports(result)[-1] == (5, "s1-swb", "Gi0/0/1")
    assert result.cameras[-1].why == (
        "nearest access switch in copper reach, 80 m; lowest free PoE port; PoE 93 W of 100 W "
        "left after it (skipped: s1-swa at 50 m has no free PoE port)"
    )


def test_poe_budget_counts(tmp_path: Path) -> None:
    # swa already powers one camera (7 W): 10 W budget leaves 3 W, so swb (nothing cabled) serves
    result = _run(tmp_path, [_point("P-1")], budget=10)
    assert _ports(result) == [(2, "s1-swb", "Gi0/0/1")]
    assert "skipped: s1-swa at 50 m has 3 W of PoE left" in result.cameras[0].why


def test_no_switch_in_reach_needs_fibre(tmp_path: Path) -> None:
    result = _run(tmp_path, [_point("FAR-1", north_m=500)])
    assert result.cameras == []
    assert result.rendered(errors=True) == [
        "field.csv: row 2: 接入交换机/switch: no access switch of s1 within 100 m of point FAR-1 "
        "has a free PoE port (nearest s1-swfar at 400 m): the point needs a fibre link or a new "
        "switch"
    ]


def test_all_in_reach_full_needs_a_new_switch(tmp_path: Path) -> None:
    rows = [_point("P-1"), *(_cam("P-1") for _ in range(7))]
    result = _run(tmp_path, rows)
    assert result.rendered(errors=True) == [
        "field.csv: row 9: 接入交换机/switch: no access switch of s1 within 100 m of point P-1 has "
        "a free PoE port (s1-swa at 50 m has no free PoE port; s1-swb at 80 m has no free PoE "
        "port): the point needs a fibre link or a new switch"
    ]


def test_explicit_ports_of_later_rows_are_never_double_booked(tmp_path: Path) -> None:
    rows = [_point("P-1"), _cam("P-1", switch="s1-swa", port="Gi0/0/2")]
    result = _run(tmp_path, rows)
    assert result.problems == []
    assert _ports(result) == [(2, "s1-swa", "Gi0/0/3"), (3, "s1-swa", "Gi0/0/2")]
    assert [c.port_allocated for c in result.cameras] == [True, False]


def test_switch_given_port_blank_allocates_on_that_switch(tmp_path: Path) -> None:
    result = _run(tmp_path, [_point("P-1") | {"switch": "s1-swb"}])
    assert _ports(result) == [(2, "s1-swb", "Gi0/0/1")]
    assert result.cameras[0].why.startswith("the given switch in copper reach, 80 m")


def test_port_without_switch_and_point_without_coordinates(tmp_path: Path) -> None:
    rows = [_point("P-1") | {"port": "Gi0/0/2"}, _cam("S1-P009")]
    assert _run(tmp_path, rows).rendered(errors=True) == [
        "field.csv: row 2: 接入交换机/switch: is empty while 端口/port is given: give both, or "
        "leave both blank to allocate",
        "field.csv: row 3: 接入交换机/switch: point S1-P009 has no coordinates, so no switch in "
        "copper reach can be chosen: give 接入交换机/端口",
    ]


def test_allocation_is_deterministic(tmp_path: Path) -> None:
    rows = [_point("A-1"), _point("B-2", north_m=-70), _cam("A-1"), _cam("B-2"), _cam("A-1")]
    first = plan.objects(_run(tmp_path, rows))
    again = plan.objects(_run(tmp_path, rows))
    assert first == again
    assert [i["device"] + " " + i["name"] for i in first["dcim.interfaces"]] == [
        "s1-swa Gi0/0/2",  # A-1 at P0: swa 50 m
        "s1-swb Gi0/0/1",  # B-2 70 m south: swb 10 m
        "s1-swa Gi0/0/3",
        "s1-swb Gi0/0/2",
        "s1-swa Gi0/0/10",
    ]


# -- free-form point codes -----------------------------------------------------------------------


def test_free_codes_kept_verbatim_slug_derived(tmp_path: Path) -> None:
    rows = [
        _point("太和-015"),
        _cam("太和-０１５"),  # full-width digits: the same point
        _point("TH 015", north_m=-70),
        _cam("S1-P001"),  # an existing point, by its code
    ]
    result = _run(tmp_path, rows)
    assert result.problems == []
    assert [(p.code, p.slug) for p in result.points] == [
        ("太和-015", point_slug("s1", "太和-015")),
        ("TH 015", point_slug("s1", "TH 015")),
    ]
    assert [c.location for c in result.cameras] == [
        result.points[0].slug,
        result.points[0].slug,
        result.points[1].slug,
        "s1-p001",
    ]
    loc = plan.objects(result)["dcim.locations"][0]
    assert loc["custom_fields"][vocab.CF_POINT_CODE] == "太和-015"


def test_point_slug_rule() -> None:
    assert point_slug("qx-ps01", "QX-PS01-P044") == "qx-ps01-p044"  # the dataset's own codes
    assert point_slug("qx-ps01", "TH-015") == "qx-ps01-th-015"
    assert point_slug("qx-ps01", "th-015") == point_slug("qx-ps01", "ＴＨ－０１５")
    lossy = point_slug("qx-ps01", "太和-015")
    assert lossy.startswith("qx-ps01-015-") and len(lossy) == len("qx-ps01-015-") + 6
    assert point_slug("qx-ps01", "太和-015") != point_slug("qx-ps01", "太平-015")
    assert point_slug("qx-ps01", "TH 015") != point_slug("qx-ps01", "TH-015")
    assert len(point_slug("a" * 12, "码" * 50)) <= 100  # NetBox slug limit


def test_code_unprintable_and_another_sites_code_refused(tmp_path: Path) -> None:
    rows = [_point("TH\u3000015"), _point("S2-P001")]
    est = _estate()
    est.sites["s2"] = estate_mod.Site("s2", "另一所", None, None, None)
    result = check(reader.read(_file(tmp_path, rows)), est)
    assert result.rendered(errors=True) == [
        "field.csv: row 2: 点位编号/point_code: 'TH\\u3000015' holds characters that are not "
        "printable",
        "field.csv: row 3: 点位编号/point_code: S2-P001 is a point code of site s2, not of s1",
    ]


def test_field_sample_allocates_within_reach() -> None:
    """The field-form sample against the repo dataset: every camera on a port ≤ 100 m away."""
    path = netbox_data_dir() / "points" / "sample-field-qx-ps01.csv"
    result = check(reader.read(path), estate_mod.from_dir(netbox_data_dir()))
    assert result.rendered(errors=True) == []
    assert len(result.cameras) == 6 and all(c.port_allocated for c in result.cameras)
    assert all(c.distance_m is not None and c.distance_m <= 100 for c in result.cameras)
    ports = [(c.switch, c.port) for c in result.cameras]
    assert len(set(ports)) == len(ports)
    assert [p.code for p in result.points] == ["TH-015", "太和-016"]
