"""Point lists let through (issue 8): cell form, XLSX formulas, encodings, reach, the district box.

Table-driven: each case is one file with one row (built around an access switch of the loaded
repo dataset, read from it, never named here) and the exact exit code and messages `points
check` gives. The estate is loaded once and handed to the real `check_file` path.
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]
import pytest

from sharpeyes.errors import EXIT_INVALID_INPUT, EXIT_OK, InputError, ValidationFailed
from sharpeyes.paths import netbox_data_dir
from sharpeyes.points import estate as estate_mod
from sharpeyes.points import run
from sharpeyes.points.model import COLUMNS

KEYS = [c.key for c in COLUMNS]
HEADER = [c.zh for c in COLUMNS]


@dataclass(frozen=True)
class Base:
    """A good one-row file: a new point ~10 m from an access switch, with a free PoE port."""

    site: str
    switch: str
    port: str
    lat: float
    lon: float

    def row(self, **cells: str) -> list[str]:
        good = {
            "point_code": "T-001",
            "point_name": "测试点（示例）",
            "site": self.site,
            "lon": f"{self.lon + 0.0001:.6f}",
            "lat": f"{self.lat:.6f}",
            "camera_type": "枪机",
            "switch": self.switch,
            "port": self.port,
        }
        good |= cells
        return [good.get(k, "") for k in KEYS]


@pytest.fixture(scope="module")
def estate() -> estate_mod.Estate:
    return estate_mod.from_dir(netbox_data_dir())


@pytest.fixture(scope="module")
def base(estate: estate_mod.Estate) -> Base:
    for site in sorted(estate.sites):
        for dev in estate.access_switches(site):
            at = estate.coords(dev.name)
            ports = estate.ports.get(dev.device_type or "", {})
            free = sorted(
                n
                for n, t in ports.items()
                if t.poe_mode == "pse" and (dev.name, n) not in estate.cabled
            )
            if at and free and site in estate.camera_prefix:
                return Base(site, dev.name, free[0], *at)
    raise AssertionError("the repo dataset has no access switch with a free PoE port")


@pytest.fixture
def checker(
    estate: estate_mod.Estate, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., tuple[int, list[str]]]:
    """Run `check_file` (the estate loaded once); (exit code, messages without the file name)."""
    monkeypatch.setattr(estate_mod, "from_dir", lambda _d: estate)

    def go(path: Path, *, use_cached_values: bool = False) -> tuple[int, list[str]]:
        try:
            run.check_file(path, use_cached_values=use_cached_values)
        except ValidationFailed as exc:
            return exc.exit_code, [p.removeprefix(f"{path.name}: ") for p in exc.problems]
        except InputError as exc:
            return exc.exit_code, [exc.message.removeprefix(f"{path.name}: ")]
        return EXIT_OK, []

    return go


def _csv(path: Path, row: list[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, row])
    return path


INJ = INJECTION = "which a spreadsheet runs as a formula (CSV injection, OWASP): remove it"

# (id, cells, expected messages) — all exit 3 unless the list is empty
CELL_CASES: list[tuple[str, dict[str, str], list[str]]] = [
    (
        "equals-cmd",
        {"point_name": "=cmd|' /C calc'!A0"},
        [f"row 2: 点位名称/point_name: starts with '=', {INJECTION}"],
    ),
    ("plus", {"point_name": "+1+cmd"}, [f"row 2: 点位名称/point_name: starts with '+', {INJ}"]),
    ("minus", {"point_name": "-2+3"}, [f"row 2: 点位名称/point_name: starts with '-', {INJ}"]),
    ("at", {"point_code": "@SUM(1)"}, [f"row 2: 点位编号/point_code: starts with '@', {INJ}"]),
    ("tab", {"point_name": "\t=1"}, [f"row 2: 点位名称/point_name: starts with '\\t', {INJ}"]),
    ("cr", {"point_name": "\rabc"}, [f"row 2: 点位名称/point_name: starts with '\\r', {INJ}"]),
    (
        "space-then-equals",
        {"switch": " =1+1"},
        [f"row 2: 接入交换机/switch: starts with '=', {INJECTION}"],
    ),
    ("formula-in-lon", {"lon": "=113+0"}, [f"row 2: 经度/lon: starts with '=', {INJECTION}"]),
    (
        "negative-lon-is-a-number",  # not text: checked as a coordinate (here: out of the box)
        {"lon": "-113.02"},
        [
            "row 2: 经度/lon: -113.02 E, {lat} N is outside Qingxin district (about 112.6–113.2 E, "
            "23.5–24.3 N, an approximate box): check for a typo"
        ],
    ),
    ("plus-lat-is-a-number", {"lat": "+{lat}"}, []),
    (
        "nul",
        {"point_name": "东门\x00"},
        ["row 2: 点位名称/point_name: contains the control character U+0000 (NUL) at character 3"],
    ),
    (
        "line-break",
        {"point_code": "T\n1"},
        ["row 2: 点位编号/point_code: contains the control character U+000A (LF) at character 2"],
    ),
    ("ref", {"point_name": "#REF!"}, [
        "row 2: 点位名称/point_name: is the spreadsheet error value #REF!: fix the formula in the "
        "source sheet"
    ]),
    ("na", {"ip": "#N/A"}, [
        "row 2: IP地址/ip: is the spreadsheet error value #N/A: fix the formula in the source sheet"
    ]),
    ("div0-in-lat", {"lat": "#DIV/0!"}, [
        "row 2: 纬度/lat: is the spreadsheet error value #DIV/0!: fix the formula in the source "
        "sheet"
    ]),
    ("name-101", {"point_name": "路" * 101}, [
        "row 2: 点位名称/point_name: is 101 characters long, over the limit of 100"
    ]),
    ("name-100", {"point_name": "路" * 100}, []),
    ("code-51", {"point_code": "T" * 51}, [
        "row 2: 点位编号/point_code: is 51 characters long, over the limit of 50"
    ]),
    (
        "swapped",
        {"lat": "{lon}", "lon": "{lat}"},
        [
            "row 2: 纬度/lat: {lon} (lat) and {lat} (lon) look swapped: Qingxin is about "
            "112.6–113.2 E, 23.5–24.3 N, an approximate box; put the latitude in 纬度/lat and the "
            "longitude in 经度/lon"
        ],
    ),
    (
        "outside-district",
        {"lon": "113.6"},
        [
            "row 2: 经度/lon: 113.6 E, {lat} N is outside Qingxin district (about 112.6–113.2 E, "
            "23.5–24.3 N, an approximate box): check for a typo"
        ],
    ),
    ("full-width-code-ok", {"point_code": "太和-０１５"}, []),
]  # fmt: skip


@pytest.mark.parametrize(
    ("cells", "expected"), [c[1:] for c in CELL_CASES], ids=[c[0] for c in CELL_CASES]
)
def test_cell_cases(
    cells: dict[str, str],
    expected: list[str],
    base: Base,
    checker: Callable[..., tuple[int, list[str]]],
    tmp_path: Path,
) -> None:
    lat, lon = f"{base.lat:.6f}", f"{base.lon + 0.0001:.6f}"
    fill = {k: v.format(lat=lat, lon=lon) if "{" in v else v for k, v in cells.items()}
    code, messages = checker(_csv(tmp_path / "case.csv", base.row(**fill)))
    want = [m.format(lat=f"{base.lat:g}", lon=f"{base.lon + 0.0001:g}") for m in expected]
    assert (code, messages) == ((EXIT_INVALID_INPUT, want) if want else (EXIT_OK, []))


def test_switch_tens_of_km_away_is_refused(
    base: Base, checker: Callable[..., tuple[int, list[str]]], tmp_path: Path
) -> None:
    lat = base.lat + (0.2 if base.lat < 23.9 else -0.2)  # ~22 km, still inside the district
    code, messages = checker(_csv(tmp_path / "far.csv", base.row(lat=f"{lat:.6f}")))
    assert code == EXIT_INVALID_INPUT
    assert len(messages) == 1
    assert re.fullmatch(
        rf"row 2: 接入交换机/switch: {base.switch} is 2\d\.\d km from point T-001, beyond copper "
        r"reach \(100 m\): leave 接入交换机/端口 blank to allocate a switch in reach, or plan a "
        r"fibre link",
        messages[0],
    ), messages


# -- encodings ---------------------------------------------------------------------------------


def test_utf8_header_with_a_gb18030_row_names_row_and_byte(
    base: Base, checker: Callable[..., tuple[int, list[str]]], tmp_path: Path
) -> None:
    head = (",".join(HEADER) + "\r\n").encode("utf-8")
    good = (",".join(base.row()) + "\r\n").encode("utf-8")
    bad = ",".join(base.row(point_code="TH-9", point_name="东门")).encode("gb18030") + b"\r\n"
    path = tmp_path / "mixed.csv"
    path.write_bytes(head + good + bad)
    in_row = bad.index("东".encode("gb18030"))
    offset = len(head) + len(good) + in_row
    assert checker(path) == (
        EXIT_INVALID_INPUT,
        [
            f"row 3: byte 0x{bad[in_row]:02X} at offset {offset} (offset {in_row} in the row) is "
            "not UTF-8, but the text before it is: the file mixes encodings (a row pasted from a "
            "GB18030 file?)"
        ],
    )


def test_neither_encoding_names_row_and_byte(
    checker: Callable[..., tuple[int, list[str]]], tmp_path: Path
) -> None:
    path = tmp_path / "binary.csv"
    head = b"point_code,point_name\n"
    path.write_bytes(head + b"T-1,ab\xff\xff\n")
    assert checker(path) == (
        EXIT_INVALID_INPUT,
        [
            f"row 2: byte 0xFF at offset {len(head) + 6} (offset 6 in the row) is neither UTF-8 "
            "nor GB18030 text"
        ],
    )


# -- XLSX formulas -----------------------------------------------------------------------------


def _xlsx(
    path: Path,
    row: list[object],
    cached: dict[str, tuple[str, str]] | None = None,
    text: tuple[str, ...] = (),
) -> Path:
    """A workbook; `cached` gives formula cells (by reference) a saved value (type, text) as a
    spreadsheet would; `text` columns are stored as text even when they start with '='."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(row)
    for key in text:
        ws[f"{_col(key)}2"].data_type = "s"
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    for ref, (kind, value) in (cached or {}).items():
        xml, n = re.subn(
            rf'<c r="{ref}"><f>(.*?)</f><v\s*/>',
            rf'<c r="{ref}" t="{kind}"><f>\1</f><v>{value}</v>',
            xml,
        )
        assert n == 1, ref
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def _col(key: str) -> str:
    return chr(ord("A") + KEYS.index(key))


def test_xlsx_formula_without_saved_value_is_refused_never_blank(
    base: Base, checker: Callable[..., tuple[int, list[str]]], tmp_path: Path
) -> None:
    row: list[object] = list(base.row())
    row[KEYS.index("ip")] = '=CONCAT("10.","1.2.3")'
    path = _xlsx(tmp_path / "nocache.xlsx", row)
    msg = (
        'row 2: IP地址/ip: is a formula (=CONCAT("10.","1.2.3")) with no saved value: it would '
        "read as blank; paste the values (Paste Special → Values) and save"
    )
    assert checker(path) == (EXIT_INVALID_INPUT, [msg])
    assert checker(path, use_cached_values=True) == (EXIT_INVALID_INPUT, [msg])


def test_xlsx_formula_with_saved_value_needs_the_option(
    base: Base, checker: Callable[..., tuple[int, list[str]]], tmp_path: Path
) -> None:
    row: list[object] = list(base.row())
    row[KEYS.index("point_name")] = '="测试"&"点"'
    ref = f"{_col('point_name')}2"
    path = _xlsx(tmp_path / "cached.xlsx", row, {ref: ("str", "测试点")})
    assert checker(path) == (
        EXIT_INVALID_INPUT,
        [
            'row 2: 点位名称/point_name: is a formula (="测试"&"点"): paste the values (Paste '
            "Special → Values), or pass --use-cached-values to take the value the spreadsheet "
            "saved ('测试点')"
        ],
    )
    assert checker(path, use_cached_values=True) == (EXIT_OK, [])


def test_xlsx_saved_values_are_checked_like_cells(
    base: Base, checker: Callable[..., tuple[int, list[str]]], tmp_path: Path
) -> None:
    row: list[object] = list(base.row())
    row[KEYS.index("point_name")] = "=A1"
    row[KEYS.index("lon")] = "=1/0"
    row[KEYS.index("site")] = "=cmd|' /C calc'!A0"  # text, not a formula: an injection
    cached = {
        f"{_col('point_name')}2": ("str", "=HYPERLINK(1)"),
        f"{_col('lon')}2": ("e", "#DIV/0!"),
    }
    path = _xlsx(tmp_path / "values.xlsx", row, cached, text=("site",))
    code, messages = checker(path, use_cached_values=True)
    assert code == EXIT_INVALID_INPUT
    assert messages == [
        f"row 2: 点位名称/point_name: starts with '=', {INJECTION}",
        f"row 2: 所属单位/site: starts with '=', {INJECTION}",
        "row 2: 经度/lon: is the spreadsheet error value #DIV/0!: fix the formula in the source "
        "sheet",
    ]
