"""Read a point list: CSV (UTF-8 with or without BOM, else GB18030) or XLSX (first sheet).

Headers are trimmed and matched against the Chinese names and their English aliases; unknown
or duplicate headers and missing required ones are reported at once (row 1 = the header).
Cells come back trimmed, as strings; rows with no value at all are skipped (numbering kept).

Every cell is checked for its form before any rule sees it (a row with such a problem is not
checked further): a leading formula trigger `= + - @` tab or CR (OWASP CSV injection; in a
numeric column a signed number is a number), a control character (NUL, line break), a
spreadsheet error value (`#REF!`, `#N/A`, ...), a length over the column's limit. XLSX formula
cells are refused unless `use_cached_values` takes the value the spreadsheet saved with them;
a formula without a saved value is refused either way (never read as blank).
"""

from __future__ import annotations

import csv
import io
import logging
import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]

from sharpeyes.errors import InputError, ValidationFailed
from sharpeyes.points.model import (
    BY_HEADER,
    BY_KEY,
    COLUMNS,
    ERROR_VALUES,
    FORMULA_TRIGGERS,
    Problem,
    RawRow,
)

log = logging.getLogger(__name__)

XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
_BOM = b"\xef\xbb\xbf"
_CONTROL_NAMES = {0: "NUL", 9: "TAB", 10: "LF", 13: "CR"}


@dataclass(frozen=True)
class Sheet:
    file: str  # the name used in messages (the file's base name)
    encoding: str  # utf-8-sig | gb18030 | xlsx
    columns: tuple[str, ...]  # column keys present, in file order
    rows: tuple[RawRow, ...]


@dataclass(frozen=True)
class Formula:
    """An XLSX formula cell: its text and the value the spreadsheet saved (None: none saved)."""

    text: str
    cached: Any


# -- encodings -------------------------------------------------------------------------------------


def _locate(data: bytes, pos: int, encoding: str) -> str:
    """`row N: byte 0xXX at offset P (offset C in the row)` for the byte at `pos`."""
    head = data[:pos]
    text = head.decode(encoding)  # valid up to pos: the decoder stopped there
    records = list(csv.reader(io.StringIO(text, newline="")))
    row = len(records) + 1 if not text or text.endswith(("\n", "\r")) else len(records)
    start = max(head.rfind(b"\n"), head.rfind(b"\r")) + 1
    return (
        f"row {max(row, 1)}: byte 0x{data[pos]:02X} at offset {pos} (offset {pos - start} in the "
        "row)"
    )


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding: UTF-8 (a BOM is dropped) first, GB18030 as the fallback.

    A file whose text is UTF-8 up to a bad byte (with non-ASCII text before it) mixes
    encodings: it is refused there, naming the row and byte, rather than read as GB18030.
    """
    try:
        return data.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError as exc:
        bad = exc.start + (len(_BOM) if data.startswith(_BOM) else 0)
    hint = "save the whole sheet once, as CSV UTF-8 or as .xlsx"
    if any(b >= 0x80 for b in data[:bad].removeprefix(_BOM)):
        raise InputError(
            f"{_locate(data, bad, 'utf-8-sig')} is not UTF-8, but the text before it is: "
            "the file mixes encodings (a row pasted from a GB18030 file?)",
            hint=hint,
        )
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{_locate(data, exc.start, 'gb18030')} is neither UTF-8 nor GB18030 text", hint=hint
        ) from exc


# -- cells -----------------------------------------------------------------------------------------


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def cell_problems(key: str, raw: str) -> list[str]:
    """What is wrong with a cell's form (before any rule looks at its meaning)."""
    text = raw.strip()
    col = BY_KEY[key]
    numeric = col.numeric and _is_number(text)
    for value in (raw, text):
        if value.startswith(FORMULA_TRIGGERS) and not numeric:
            return [
                f"starts with {value[0]!r}, which a spreadsheet runs as a formula "
                "(CSV injection, OWASP): remove it"
            ]
    for i, ch in enumerate(text, start=1):
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            name = _CONTROL_NAMES.get(ord(ch)) or unicodedata.name(ch, "control")
            return [f"contains the control character U+{ord(ch):04X} ({name}) at character {i}"]
    if text.upper() in ERROR_VALUES:
        return [f"is the spreadsheet error value {text}: fix the formula in the source sheet"]
    if col.max_len is not None and len(text) > col.max_len:
        return [f"is {len(text)} characters long, over the limit of {col.max_len}"]
    return []


def _xlsx_value(value: Any, use_cached: bool) -> tuple[Any, str | None]:
    """The value to read and a problem, for a cell that may be a formula."""
    if not isinstance(value, Formula):
        return value, None
    if value.cached is None:
        return None, (
            f"is a formula ({value.text}) with no saved value: it would read as blank; "
            "paste the values (Paste Special → Values) and save"
        )
    if not use_cached:
        return None, (
            f"is a formula ({value.text}): paste the values (Paste Special → Values), or pass "
            "--use-cached-values to take the value the spreadsheet saved "
            f"({value.cached!r})"
        )
    return value.cached, None


def _text(value: Any, key: str) -> tuple[str, str | None]:
    """An XLSX value as text; a GB id stored as a number has lost digits: report it."""
    if value is None:
        return "", None
    if isinstance(value, bool):
        return ("true" if value else "false"), None
    if isinstance(value, int | float):
        if key == "gb_id":
            return "", "stored as a number (digits lost); format the column as text"
        if isinstance(value, float) and value.is_integer() and key not in ("lon", "lat"):
            return str(int(value)), None
        return (repr(value) if isinstance(value, float) else str(value)), None
    return str(value), None


def _records_csv(data: bytes) -> tuple[list[list[Any]], str]:
    text, encoding = decode(data)
    return list(csv.reader(io.StringIO(text, newline=""))), encoding


def _records_xlsx(path: Path) -> list[list[Any]]:
    """Rows of the first sheet; formula cells as `Formula` (text + saved value)."""
    books = []
    try:
        for data_only in (False, True):  # formulas, then the values saved with them
            books.append(openpyxl.load_workbook(path, read_only=True, data_only=data_only))
        formulas, values = (b.worksheets[0] for b in books)
        out: list[list[Any]] = []
        for frow, vrow in zip_longest(
            formulas.iter_rows(), values.iter_rows(values_only=True), fillvalue=()
        ):
            record: list[Any] = []
            for cell, cached in zip_longest(frow, vrow):
                if cell is not None and getattr(cell, "data_type", None) == "f":
                    text = getattr(cell.value, "text", None) or str(cell.value)
                    record.append(Formula(text if text.startswith("=") else f"={text}", cached))
                else:
                    record.append(cached)
            out.append(record)
        return out
    except Exception as exc:  # openpyxl raises zipfile/KeyError/InvalidFileException
        raise InputError(f"{path.name}: not a readable .xlsx file: {exc}") from exc
    finally:
        for b in books:
            b.close()


def parse_header(file: str, header: Sequence[Any]) -> list[str | None]:
    """Column key per header cell (None for an empty header over an empty column)."""
    problems: list[str] = []
    keys: list[str | None] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(header, start=1):
        name = "" if raw is None or isinstance(raw, Formula) else str(raw).strip()
        if isinstance(raw, Formula):
            problems.append(f"{file}: row 1: column {i}: header is a formula ({raw.text})")
        if not name:
            keys.append(None)
            continue
        col = BY_HEADER.get(name) or BY_HEADER.get(name.lower())
        if col is None:
            problems.append(f"{file}: row 1: column {i}: unknown header {name!r}")
            keys.append(None)
            continue
        if col.key in seen:
            problems.append(
                f"{file}: row 1: column {i}: {name!r} repeats column {seen[col.key]} ({col.label})"
            )
            keys.append(None)
            continue
        seen[col.key] = i
        keys.append(col.key)
    missing = [c.label for c in COLUMNS if c.required and c.key not in seen]
    if missing:
        problems.append(f"{file}: row 1: missing required column(s): {', '.join(missing)}")
    if problems:
        raise ValidationFailed(problems, what=file)
    return keys


def _rows(
    keys: list[str | None], records: Iterable[Sequence[Any]], xlsx: bool, use_cached: bool
) -> list[RawRow]:
    out: list[RawRow] = []
    for n, record in enumerate(records, start=2):
        problems: list[Problem] = []
        cells: dict[str, str] = {}
        extra = False
        for i, cell in enumerate(record):
            key = keys[i] if i < len(keys) else None
            if key is None:
                extra = extra or (cell is not None and bool(str(cell).strip()))
                continue
            msg: str | None = None
            value = cell
            if xlsx:
                value, msg = _xlsx_value(cell, use_cached)
                if msg is None:
                    value, msg = _text(value, key)
            text = "" if msg else str(value)
            msgs = [msg] if msg else cell_problems(key, text)
            problems += [Problem(n, key, m) for m in msgs]
            cells[key] = text.strip()
        if not any(cells.values()) and not extra and not problems:
            continue  # an empty row
        if extra:
            problems.append(Problem(n, "", "has a value in a column without a header"))
        out.append(RawRow(n, cells, tuple(problems)))
    return out


def read(path: Path, *, use_cached_values: bool = False) -> Sheet:
    """Read a point list; raises InputError (unreadable) or ValidationFailed (bad header)."""
    file = path.name
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.suffix.lower() in XLSX_SUFFIXES:
        records, encoding, xlsx = _records_xlsx(path), "xlsx", True
    else:
        try:
            records, encoding = _records_csv(path.read_bytes())
        except InputError as exc:
            raise InputError(f"{file}: {exc.message}", hint=exc.hint) from exc
        except csv.Error as exc:
            raise InputError(f"{file}: not readable as CSV: {exc}") from exc
        xlsx = False
    if not records:
        raise InputError(f"{file}: empty file (no header row)")
    if not any(v is not None and str(v).strip() for v in records[0]):
        raise InputError(f"{file}: row 1 must be the header, found an empty row")
    keys = parse_header(file, records[0])
    rows = _rows(keys, records[1:], xlsx, use_cached_values)
    log.debug("%s: %s, %d data rows", file, encoding, len(rows))
    return Sheet(file, encoding, tuple(k for k in keys if k), tuple(rows))
