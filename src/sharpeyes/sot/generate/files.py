"""The generated files against the dataset on disk: write the changed ones, or report drift."""

from __future__ import annotations

from pathlib import Path

from sharpeyes.errors import EXIT_CHANGES, SharpeyesError
from sharpeyes.sot.dataset import SECTIONS


class DatasetDriftError(SharpeyesError):
    """The committed dataset differs from a fresh generation of the spec."""

    exit_code = EXIT_CHANGES


def write(data_dir: Path, files: dict[str, str]) -> list[str]:
    """Write the files; return the relative paths that changed. Stale generated files stay."""
    changed = []
    for rel, text in files.items():
        path = data_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(rel)
    return changed


def drift(data_dir: Path, files: dict[str, str]) -> list[str]:
    """One line per file that differs from a fresh generation (missing, changed, extra)."""
    problems: list[str] = []
    shown = data_dir.name
    for rel, text in files.items():
        path = data_dir / rel
        if not path.is_file():
            problems.append(f"{shown}/{rel}: missing (the generator produces it)")
            continue
        current = path.read_text(encoding="utf-8")
        if current != text:
            line = _first_difference(current, text)
            problems.append(
                f"{shown}/{rel}: differs from the spec's generation (first at line {line})"
            )
    for section in SECTIONS:
        for path in sorted((data_dir / section).glob("*.yml")):
            rel = f"{section}/{path.name}"
            if rel not in files:
                problems.append(f"{shown}/{rel}: not produced by the generator")
    return problems


def _first_difference(a: str, b: str) -> int:
    for n, (x, y) in enumerate(zip(a.splitlines(), b.splitlines(), strict=False), start=1):
        if x != y:
            return n
    return min(len(a.splitlines()), len(b.splitlines())) + 1
