"""`points check` offline: readers (3 formats), row checks with exact messages, allocation."""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]
import pytest

from sharpeyes import vocab
from sharpeyes.errors import EXIT_INVALID_INPUT, ValidationFailed
from sharpeyes.ids import gb28181
from sharpeyes.paths import netbox_data_dir
from sharpeyes.points import estate as estate_mod
from sharpeyes.points import plan, reader
from sharpeyes.points.check import check
from sharpeyes.points.model import CameraKind, CheckResult
from sharpeyes.points.run import check_file

SAMPLES = netbox_data_dir() / "points"
GOOD = SAMPLES / "sample-batch-qx-ps01.csv"
GOOD_FILES = [
    GOOD,
    SAMPLES / "sample-batch-qx-ps01.gb18030.csv",
    SAMPLES / "sample-batch-qx-ps01.xlsx",
]
BAD = Path(__file__).parent / "data" / "points" / "bad-batch-qx-ps01.csv"
HEADER = (
    "点位编号,点位名称,所属单位,镇街,经度,纬度,设备类型,国标编码,IP地址,接入交换机,端口,是否新箱"
)

# name, gb_id, ip, location, new point? -- the sample batch checked against the repo dataset
EXPECTED = [
    ("qx-ps01-cam0102", "44180301001320000121", "10.44.8.112/24", "qx-ps01-p044", True),
    ("qx-ps01-cam0103", "44180301001320000120", "10.44.8.113/24", "qx-ps01-p044", True),
    ("qx-ps01-cam0104", "44180301001320000122", "10.44.8.150/24", "qx-ps01-p044", True),
    ("qx-ps01-cam0105", "44180301001320000123", "10.44.8.114/24", "qx-ps01-p045", True),
    ("qx-ps01-cam0106", "44180301001320000124", "10.44.8.115/24", "qx-ps01-p045", True),
    ("qx-ps01-cam0107", "44180301001320000125", "10.44.8.116/24", "qx-ps01-p001", False),
]

BAD_ERRORS = [
    "row 2: 所属单位/site: '清新第九十九派出所' is not a site of the estate (name or slug)",
    "row 3: 经度/lon: 200.1 is not a longitude in [-180, 180]",
    "row 4: 国标编码/gb_id: 44180301001320000005 is already in use by qx-ps01-cam0005 "
    "(repo dataset)",
    "row 6: 国标编码/gb_id: 44180301001320000130 duplicates row 5",
    "row 7: IP地址/ip: 10.44.9.20 is not inside qx-ps01's camera prefix 10.44.8.0/24",
    "row 8: 端口/port: qx-ps01-sw01 (s5735s-l24p4s-a1) has no port 'GigabitEthernet0/0/99'",
    "row 9: 镇街/town: '太平镇' does not match site qx-ps01 (太和派出所), which is in 太和镇",
    "row 10: 设备类型/camera_type: '半球' is not a camera type "
    "(枪机/球机/人脸/卡口 or bullet/dome/face/checkpoint)",
    "row 11: 国标编码/gb_id: '4418030100132000001' has 19 digits, expected 20",
    # the message is the one GB rule set's (sharpeyes.ids.gb28181): this file checks the placement
    "row 12: 国标编码/gb_id: "
    + gb28181.problems("44180301002000000131", role="camera-checkpoint")[0],
    "row 13: IP地址/ip: 10.44.8.20 is already in use by qx-ps01-cam0010 (repo dataset)",
    "row 14: 接入交换机/switch: qx-ps02-sw01 is at site qx-ps02, not qx-ps01",
    "row 15: 端口/port: qx-ps01-sw02 GigabitEthernet0/0/1 is already cabled to "
    "qx-ps01-cam0017 (repo dataset)",
    "row 16: 端口/port: qx-ps01-sw01 GigabitEthernet0/0/18 is already used by row 5",
    "row 17: 接入交换机/switch: qx-ps01-sw02 is 601 m from point QX-PS1-44, beyond copper reach "
    "(100 m): leave 接入交换机/端口 blank to allocate a switch in reach, or plan a fibre link",
    "row 18: 点位名称/point_name: is required for a new point (QX-PS01-P047)",
    "row 19: 是否新箱/new_box: '也许' is not 是/否 (yes/no, true/false, 1/0)",
    "row 20: 接入交换机/switch: 'qx-ps01-sw99' is not an access switch of the estate",
    "row 21: 经度/lon: 102.7 E, 25.04 N is outside Qingxin district (about 112.6–113.2 E, "
    "23.5–24.3 N, an approximate box): check for a typo",
]
BAD_WARNINGS: list[str] = []


@pytest.fixture(scope="module")
def estate() -> estate_mod.Estate:
    return estate_mod.from_dir(netbox_data_dir())


def _check(path: Path, est: estate_mod.Estate) -> CheckResult:
    return check(reader.read(path), est)


def _write_csv(path: Path, rows: list[str], encoding: str = "utf-8") -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding=encoding)
    return path


def _summary(result: CheckResult) -> list[tuple[str, str, str, str, bool]]:
    return [(c.name, c.gb_id, str(c.ip), c.location, c.new_point) for c in result.cameras]


@pytest.mark.parametrize("path", GOOD_FILES, ids=lambda p: p.name)
def test_good_samples_pass_and_allocate_the_same(path: Path, estate: estate_mod.Estate) -> None:
    result = _check(path, estate)
    assert result.problems == []
    assert _summary(result) == EXPECTED
    assert [c.gb_allocated for c in result.cameras] == [True, False, True, True, True, True]
    assert [c.ip_allocated for c in result.cameras] == [True, True, False, True, True, True]
    assert [(p.slug, p.box_kit) for p in result.points] == [
        ("qx-ps01-p044", "new_box"),
        ("qx-ps01-p045", "lock_core"),
    ]


def test_encodings_detected(tmp_path: Path, estate: estate_mod.Estate) -> None:
    text = GOOD.read_bytes().decode("utf-8-sig")
    nobom = tmp_path / "nobom.csv"
    nobom.write_bytes(text.encode("utf-8"))
    assert reader.read(GOOD).encoding == "utf-8-sig"
    assert reader.read(nobom).encoding == "utf-8-sig"  # a BOM is optional
    assert reader.read(GOOD_FILES[1]).encoding == "gb18030"
    assert reader.read(GOOD_FILES[2]).encoding == "xlsx"
    assert _summary(_check(nobom, estate)) == EXPECTED


def test_allocation_is_deterministic_and_plans_identical(estate: estate_mod.Estate) -> None:
    results = [_check(p, estate) for p in GOOD_FILES + GOOD_FILES]
    first = plan.objects(results[0])
    for r in results[1:]:
        assert plan.objects(r) == first
    devices = first["dcim.devices"]
    assert devices[0] == {
        "name": "qx-ps01-cam0102",
        "device_type": "ds-2cd3t47ewdv3-l",
        "role": "camera-bullet",
        "site": "qx-ps01",
        "location": "qx-ps01-p044",
        "tenant": "qingxin-branch",
        "primary_ip4": "10.44.8.112/24",
        "tags": ["sharpeyes-managed"],
        "custom_fields": {"gb28181_id": "44180301001320000121"},
    }
    assert first["dcim.interfaces"][0] == {
        "device": "qx-ps01-sw01",
        "name": "GigabitEthernet0/0/15",
        "description": "qx-ps01-cam0102",
        "mode": "access",
        "untagged_vlan": {"group": "qx-ps01-vlans", "vid": 100},
        "tags": ["sharpeyes-managed"],
    }
    assert first["dcim.locations"][0]["custom_fields"] == {
        "point_code": "QX-PS01-P044",
        "latitude": 23.7395,
        "longitude": 113.0193,
        "box_kit": "new_box",
    }


def test_bad_file_is_refused_whole_with_every_row(estate: estate_mod.Estate) -> None:
    result = _check(BAD, estate)
    prefix = f"{BAD.name}: "
    assert result.rendered(errors=True) == [prefix + m for m in BAD_ERRORS]
    assert result.rendered(errors=False) == [prefix + m for m in BAD_WARNINGS]
    assert result.cameras == [] and result.points == []  # nothing planned
    with pytest.raises(ValidationFailed) as info:
        check_file(BAD)
    assert info.value.exit_code == EXIT_INVALID_INPUT
    assert info.value.problems == [prefix + m for m in BAD_ERRORS]


def test_explicit_values_of_later_rows_are_reserved(
    tmp_path: Path, estate: estate_mod.Estate
) -> None:
    path = _write_csv(
        tmp_path / "reserve.csv",
        [
            "QX-PS01-P001,,qx-ps01,,,,枪机,,,qx-ps01-sw01,GigabitEthernet0/0/15,",
            "QX-PS01-P001,,qx-ps01,,,,枪机,44180301001320000102,10.44.8.112,"
            "qx-ps01-sw01,GigabitEthernet0/0/16,",
        ],
    )
    result = _check(path, estate)
    assert result.problems == []
    assert _summary(result) == [
        ("qx-ps01-cam0102", "44180301001320000103", "10.44.8.113/24", "qx-ps01-p001", False),
        ("qx-ps01-cam0103", "44180301001320000102", "10.44.8.112/24", "qx-ps01-p001", False),
    ]


def test_poe_budget_exceeded_by_the_batch(tmp_path: Path, estate: estate_mod.Estate) -> None:
    sw = estate.devices["qx-ps01-sw01"]
    dome = estate.poe_draw[estate.camera_type_for("camera-dome") or ""]
    used = estate.switch_draw(sw.name)
    budget = used + 2 * dome - 1  # the first dome fits, the second does not
    tight = dataclasses.replace(
        estate, poe_budget={**estate.poe_budget, sw.device_type or "": budget}
    )
    path = _write_csv(
        tmp_path / "poe.csv",
        [
            "QX-PS01-P001,,qx-ps01,,,,球机,,,qx-ps01-sw01,GigabitEthernet0/0/15,",
            "QX-PS01-P001,,qx-ps01,,,,球机,,,qx-ps01-sw01,GigabitEthernet0/0/16,",
        ],
    )
    result = _check(path, tight)
    assert result.rendered(errors=True) == [
        "poe.csv: row 3: 接入交换机/switch: PoE budget of qx-ps01-sw01 exceeded: "
        f"{used + dome} W in use + {dome} W > {budget} W"
    ]


def test_new_point_rows_must_agree(tmp_path: Path, estate: estate_mod.Estate) -> None:
    path = _write_csv(
        tmp_path / "agree.csv",
        [
            "QX-PS01-P050,新点位,qx-ps01,,113.0191,23.7394,枪机,,,qx-ps01-sw01,"
            "GigabitEthernet0/0/15,是",
            "QX-PS01-P050,,qx-ps01,,113.0192,,枪机,,,qx-ps01-sw01,GigabitEthernet0/0/16,",
            "QX-PS01-P051,QX-PS01-P001,qx-ps01,,113.0191,23.7394,枪机,,,qx-ps01-sw01,"
            "GigabitEthernet0/0/17,",
            "QX-PS02-P001,,qx-ps01,,,,枪机,,,qx-ps01-sw01,GigabitEthernet0/0/18,",
        ],
    )
    assert _check(path, estate).rendered(errors=True) == [
        "agree.csv: row 3: 经度/lon: 113.0192 differs from row 2 (113.0191) for new point "
        "QX-PS01-P050",
        "agree.csv: row 4: 点位名称/point_name: 'QX-PS01-P001' is already a point name at qx-ps01",
        "agree.csv: row 5: 点位编号/point_code: QX-PS02-P001 is a point code of site qx-ps02, "
        "not of qx-ps01",
    ]


def test_header_problems_all_at_once(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text(" 点位编号 ,name,所属单位,lon,经度,纬度,设备类型\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as info:
        reader.read(path)
    assert info.value.problems == [
        "header.csv: row 1: column 2: unknown header 'name'",
        "header.csv: row 1: column 5: '经度' repeats column 4 (经度/lon)",
        "header.csv: row 1: missing required column(s): 点位名称/point_name",
    ]


def test_english_headers_and_words(tmp_path: Path, estate: estate_mod.Estate) -> None:
    path = tmp_path / "english.csv"
    path.write_text(
        "point_code,point_name,site,town,lon,lat,camera_type,gb_id,ip,switch,port,new_box\n"
        "QX-PS01-P001,,qx-ps01,qx-taihe,,,Face,,,qx-ps01-sw01,GigabitEthernet0/0/15,TRUE\n",
        encoding="utf-8",
    )
    result = _check(path, estate)
    assert result.problems == []
    assert result.cameras[0].kind.role == "camera-face"


def test_xlsx_gb_id_stored_as_number(tmp_path: Path, estate: estate_mod.Estate) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    ws.append(
        [
            "QX-PS01-P001",
            None,
            "qx-ps01",
            None,
            None,
            None,
            "枪机",
            44180301001320000555,
            None,
            "qx-ps01-sw01",
            "GigabitEthernet0/0/15",
            None,
        ]
    )
    path = tmp_path / "numeric.xlsx"
    wb.save(path)
    assert _check(path, estate).rendered(errors=True) == [
        "numeric.xlsx: row 2: 国标编码/gb_id: stored as a number (digits lost); "
        "format the column as text"
    ]


def test_sample_csvs_are_equal_text() -> None:
    utf8 = GOOD.read_bytes().decode("utf-8-sig")
    assert GOOD_FILES[1].read_bytes().decode("gb18030") == utf8
    rows = list(csv.reader(io.StringIO(utf8)))
    assert len(rows) == 7 and rows[0] == HEADER.split(",")


def test_camera_kinds_are_the_vocabulary() -> None:
    assert [k.value for k in CameraKind] == list(vocab.CAMERA_KINDS)
    assert CameraKind.CHECKPOINT.role == "camera-checkpoint"
    assert CameraKind.CHECKPOINT.type_code == vocab.CAMERA_TYPE_CODES["checkpoint"]
    assert CameraKind.DOME.type_code == vocab.TYPE_IPC
