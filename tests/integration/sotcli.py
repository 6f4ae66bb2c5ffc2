"""Shared by the sot integration tests: the CLI under test and edits to a dataset copy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

FIXTURE = Path(__file__).parent / "data" / "fixture"
DEVICES = Path("estate") / "dcim.devices.yml"
CLI = [sys.executable, "-m", "sharpeyes.cli.main"]  # the code under test, whatever is installed


def run_sot(
    env: dict[str, str], *args: str, extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`sharpeyes sot ARGS` in env (plus extra), output captured, never raising on exit codes."""
    return subprocess.run(
        [*CLI, "sot", *args],
        env={**env, **(extra or {})},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def edit_repo_device(data: Path, name: str, **fields: Any) -> None:
    """Change fields of one device in the dataset copy at data."""
    path = data / DEVICES
    doc = yaml.safe_load(path.read_text())
    for d in doc["objects"]:
        if d["name"] == name:
            d.update(fields)
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
