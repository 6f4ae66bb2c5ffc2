"""GB/T 28181 ids: parse, format, deterministic allocation and the one rule set."""

from __future__ import annotations

import pytest

from sharpeyes import vocab
from sharpeyes.ids.gb28181 import (
    INDUSTRY_CODES,
    TABLE_D1,
    GbIdError,
    allocate,
    make,
    parse,
    problems,
    type_code_problem,
)

STEM = {"division": "441803", "base_unit": "03", "industry": "00", "type_code": "132"}


def test_parse_splits_the_fields() -> None:
    gid = parse("44180303001320000042")
    assert (gid.division, gid.base_unit, gid.industry) == ("441803", "03", "00")
    assert (gid.type_code, gid.network, gid.serial) == ("132", "0", 42)
    assert gid.sip_domain == "4418030300"
    assert str(gid) == "44180303001320000042"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("4418030300132000004", "has 19 digits, expected 20"),
        ("441803030013200000421", "has 21 digits, expected 20"),
        ("4418030300132000004x", "is not all digits"),
        ("", "is not all digits"),
    ],
)
def test_parse_rejects_malformed_ids(value: str, message: str) -> None:
    with pytest.raises(GbIdError, match=message):
        parse(value)


def test_make_checks_widths() -> None:
    assert make(**STEM, network="0", serial=7) == "44180303001320000007"
    with pytest.raises(GbIdError, match="type_code '13' must be 3 digit"):
        make(**{**STEM, "type_code": "13"}, network="0", serial=1)
    with pytest.raises(GbIdError, match="serial 1000000 out of range"):
        make(**STEM, network="0", serial=1_000_000)


def test_allocate_starts_at_one_and_is_deterministic() -> None:
    assert allocate(set(), **STEM) == "44180303001320000001"
    assert allocate(set(), **STEM) == allocate(set(), **STEM)


def test_allocate_never_refills_a_gap_and_ignores_other_stems() -> None:
    existing = {
        "44180303001320000001",
        "44180303001320000005",  # 2..4 were deleted: never handed out again
        "44180303001210000099",  # other type
        "44180304001320000500",  # other base unit
        "garbage",
    }
    got = allocate(existing, **STEM)
    assert got == "44180303001320000006"
    assert got not in existing


def test_allocate_sequence_is_unique() -> None:
    ids: set[str] = set()
    for _ in range(50):
        ids.add(allocate(ids, **STEM))
    assert len(ids) == 50
    assert max(ids) == "44180303001320000050"


def test_allocate_raises_when_serials_run_out() -> None:
    with pytest.raises(GbIdError, match="no serial left"):
        allocate({"44180303001320999999"}, **STEM)


def test_type_codes_match_table_d1() -> None:
    assert {vocab.CAMERA_ROLES[k]: vocab.CAMERA_TYPE_CODES[k] for k in vocab.CAMERA_KINDS} == {
        "camera-bullet": "132",
        "camera-dome": "132",
        "camera-face": "132",
        "camera-checkpoint": "132",  # a checkpoint camera is an IPC: Table D.1 has no 卡口 code
    }
    assert vocab.SERVER_DUTY_TYPE_CODES == {
        "sip": "200",
        "media-distribution": "202",
        "media-storage": "210",
        "database": "206",
        "management": "208",
    }
    used = {*vocab.CAMERA_TYPE_CODES.values(), *vocab.SERVER_DUTY_TYPE_CODES.values()}
    assert all(TABLE_D1.get(code) for code in used)
    assert TABLE_D1["202"] == "media distribution server"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("121", "121 is not defined in GB/T 28181-2016 Table D.1 (119-130: extended front-end"),
        ("213", "(212-214: extended platform device types)"),
        ("999", "type code 999 is not defined in GB/T 28181-2016 Table D.1"),
    ],
)
def test_codes_outside_table_d1_are_refused(code: str, message: str) -> None:
    assert type_code_problem(code) is not None
    assert message in (type_code_problem(code) or "")
    gid = make(**{**STEM, "type_code": code}, network="0", serial=1)
    assert any(message in p for p in problems(gid, role=None))


def test_industry_codes_per_site_group() -> None:
    assert vocab.GROUP_INDUSTRY["checkpoints"] == "00"  # 治安卡口: public security, road
    assert vocab.GROUP_INDUSTRY["traffic-squadrons"] == "04"
    assert INDUSTRY_CODES["05"] == "traffic, checkpoint"


@pytest.mark.parametrize(
    ("value", "role", "expected"),
    [
        ("44180303001320000042", "camera-dome", []),
        ("44180300002000000001", "video-server", []),
        ("44180300002100000003", "video-server", []),
        ("44180303001320000042", "access-switch", []),  # a role without rules: format only
        (None, "access-switch", []),
        ("", "splice-screen", []),
        (None, "camera-face", ["missing (role camera-face needs an id)"]),
        ("", "video-server", ["missing (role video-server needs an id)"]),
        (
            "4418030300132000004",
            "camera-dome",
            ["'4418030300132000004' has 19 digits, expected 20"],
        ),
        (44180303001320000042, "camera-dome", ["expected a string of 20 digits, got int"]),
        (
            "44180303001310000042",
            "camera-dome",
            ["type code 131 does not match role camera-dome (expected 132)"],
        ),
        (
            "44180303001210000042",
            "camera-checkpoint",
            [
                "type code 121 is not defined in GB/T 28181-2016 Table D.1 (119-130: extended "
                "front-end main device types)",
                "type code 121 does not match role camera-checkpoint (expected 132)",
            ],
        ),
        (
            "44180300001320000001",
            "video-server",
            ["type code 132 does not match role video-server (expected 200/202/206/208/210)"],
        ),
        (
            "44190303001325000042",
            "camera-bullet",
            [
                "centre code 44190303 is not in division 441803",
                "network flag 5 is not the video private network (0/1)",
            ],
        ),
    ],
)
def test_rule_set(value: object, role: str, expected: list[str]) -> None:
    assert problems(value, role=role) == expected


def test_rule_set_division_is_a_parameter() -> None:
    assert problems("44190303001320000042", role="camera-dome", division="441903") == []
