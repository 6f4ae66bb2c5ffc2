"""Read a point list: CSV (UTF-8 with or without BOM, else GB18030) or XLSX (first sheet).

Headers are trimmed and matched against the Chinese names and their English aliases; unknown
or duplicate headers and missing required ones are reported at once (row 1 = the header).
Cells come back trimmed, as strings; rows with no value at all are skipped (numbering kept).
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]

from sharpeyes.errors import InputError, ValidationFailed
from sharpeyes.points.model import BY_HEADER, COLUMNS, Problem, RawRow

log = logging.getLogger(__name__)

XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})


@dataclass(frozen=True)
class Sheet:
    file: str  # the name used in messages (the file's base name)
    encoding: str  # utf-8-sig | gb18030 | xlsx
    columns: tuple[str, ...]  # column keys present, in file order
    rows: tuple[RawRow, ...]


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding: UTF-8 (a BOM is dropped) first, GB18030 as the fallback."""
    try:
        return data.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 or GB18030 text (byte {exc.start})",
            hint="save the sheet as CSV UTF-8 or as .xlsx",
        ) from exc


def _cell(value: Any, key: str, row: int, problems: list[Problem]) -> str:
    """An XLSX cell as text; a GB id stored as a number has lost digits: report it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if key == "gb_id":
            problems.append(
                Problem(row, key, "stored as a number (digits lost); format the column as text")
            )
            return ""
        if isinstance(value, float) and value.is_integer() and key not in ("lon", "lat"):
            return str(int(value))
        return repr(value) if isinstance(value, float) else str(value)
    return str(value).strip()


def _records_csv(data: bytes) -> tuple[list[list[Any]], str]:
    text, encoding = decode(data)
    return list(csv.reader(io.StringIO(text, newline=""))), encoding


def _records_xlsx(path: Path) -> list[list[Any]]:
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/InvalidFileException
        raise InputError(f"{path.name}: not a readable .xlsx file: {exc}") from exc
    try:
        sheet = wb.worksheets[0]
        return [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        wb.close()


def parse_header(file: str, header: Sequence[Any]) -> list[str | None]:
    """Column key per header cell (None for an empty header over an empty column)."""
    problems: list[str] = []
    keys: list[str | None] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(header, start=1):
        name = "" if raw is None else str(raw).strip()
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
    file: str, keys: list[str | None], records: Iterable[Sequence[Any]], xlsx: bool
) -> list[RawRow]:
    out: list[RawRow] = []
    for n, record in enumerate(records, start=2):
        problems: list[Problem] = []
        cells: dict[str, str] = {}
        extra = False
        for i, value in enumerate(record):
            key = keys[i] if i < len(keys) else None
            if key is None:
                text = "" if value is None else str(value).strip()
                extra = extra or bool(text)
                continue
            cells[key] = _cell(value, key, n, problems) if xlsx else str(value).strip()
        if not any(cells.values()) and not extra and not problems:
            continue  # an empty row
        if extra:
            problems.append(Problem(n, "", "has a value in a column without a header"))
        out.append(RawRow(n, cells, tuple(problems)))
    return out


def read(path: Path) -> Sheet:
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
        xlsx = False
    if not records:
        raise InputError(f"{file}: empty file (no header row)")
    if not any(v is not None and str(v).strip() for v in records[0]):
        raise InputError(f"{file}: row 1 must be the header, found an empty row")
    keys = parse_header(file, records[0])
    rows = _rows(file, keys, records[1:], xlsx)
    log.debug("%s: %s, %d data rows", file, encoding, len(rows))
    return Sheet(file, encoding, tuple(k for k in keys if k), tuple(rows))
