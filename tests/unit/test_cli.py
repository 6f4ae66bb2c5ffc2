"""The CLI shell: usage errors map to exit 3 with one line; library errors to their exit code;
`--help` loads no library (the per-command exit codes: test_exit_codes.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sharpeyes.cli import sot as cli_sot
from sharpeyes.sot import apply as sot_apply

SHARPEYES = str(Path(sys.executable).parent / "sharpeyes")

# What a command may import when it runs, never when the CLI loads or prints help. Typer itself
# coerces every parsed parameter with pydantic, so pydantic is allowed below the root.
HEAVY = ("pynetbox", "openpyxl", "yaml", "requests", "rich", "jinja2", "docker")
ROOT_HEAVY = (*HEAVY, "pydantic")
_LOADED = """
import sys
from sharpeyes.cli.main import main
sys.argv = ["sharpeyes", *sys.argv[1:]]
try:
    if len(sys.argv) > 1:
        main()
finally:
    print(" ".join(sorted(sys.modules)), file=sys.stderr)
"""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SHARPEYES, *args], capture_output=True, text=True, check=False)


def test_help_lists_the_nouns() -> None:
    proc = run("--help")
    assert proc.returncode == 0
    for noun in ("lab", "sot", "points", "demo"):
        assert noun in proc.stdout


def test_unknown_lab_part_is_a_usage_error() -> None:
    proc = run("lab", "up", "routers")
    assert proc.returncode == 3
    assert "routers" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_reset_of_unknown_part_names_it() -> None:
    proc = run("lab", "reset", "hosts")
    assert proc.returncode == 3
    assert "error: lab reset: unknown part 'hosts'" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("argv", "heavy"),
    [
        ((), ROOT_HEAVY),
        (("--help",), ROOT_HEAVY),
        (("sot", "--help"), HEAVY),
        (("sot", "apply", "--help"), HEAVY),
        (("points", "import", "--help"), HEAVY),
        (("lab", "--help"), HEAVY),
    ],
)
def test_cli_loads_no_library_until_a_command_runs(
    argv: tuple[str, ...], heavy: tuple[str, ...]
) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _LOADED, *argv], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    loaded = proc.stderr.split()
    assert "sharpeyes.cli.main" in loaded
    assert [m for m in loaded if m.split(".")[0] in heavy] == []


def test_batch_size_default_is_the_engine_default() -> None:
    assert cli_sot.DEFAULT_BATCH == sot_apply.BATCH


def test_debug_shows_the_traceback_and_keeps_the_exit_code() -> None:
    proc = run("--debug", "lab", "reset", "hosts")
    assert proc.returncode == 3
    assert "Traceback" in proc.stderr
    assert "error: lab reset: unknown part 'hosts'" in proc.stderr
