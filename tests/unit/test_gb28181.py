"""GB/T 28181 ids: parse, format and deterministic allocation."""

from __future__ import annotations

import pytest

from sharpeyes.ids import gb28181
from sharpeyes.ids.gb28181 import GbIdError, allocate, make, parse

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


def test_type_codes_match_the_domain() -> None:
    assert gb28181.TYPE_IPC == "132"
    assert gb28181.TYPE_CHECKPOINT_CAMERA == "121"
    assert gb28181.TYPE_SIP_SERVER == "200"
    assert gb28181.TYPE_MEDIA_STORAGE == "210"
