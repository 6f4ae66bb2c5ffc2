"""The CLI shell: usage errors map to exit 3 with one line; library errors to their exit code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SHARPEYES = str(Path(sys.executable).parent / "sharpeyes")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SHARPEYES, *args], capture_output=True, text=True, check=False)


def test_help_lists_the_nouns() -> None:
    proc = run("--help")
    assert proc.returncode == 0
    for noun in ("lab", "sot", "points", "demo"):
        assert noun in proc.stdout


def test_unknown_lab_part_is_a_usage_error() -> None:
    proc = run("lab", "up", "switches")
    assert proc.returncode == 3
    assert "switches" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_reset_of_unknown_part_names_it() -> None:
    proc = run("lab", "reset", "hosts")
    assert proc.returncode == 3
    assert "error: lab reset: unknown part 'hosts'" in proc.stderr
    assert "Traceback" not in proc.stderr
