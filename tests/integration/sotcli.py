"""Shared by the sot integration tests: the CLI under test and edits to a dataset copy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from sharpeyes.lab import netbox, snapshot
from sharpeyes.sot import client
from sharpeyes.sot import sync as sot_sync

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


def load_dataset(data: Path) -> str:
    """Make the lab NetBox hold exactly the dataset in `data`, its sync base included: the loaded
    snapshot of that data when one is cached (seconds), else emptied, applied with the sync engine
    (small batches: a busy lab) and saved as that snapshot for the next run. Returns how."""
    key = snapshot.current_key(data)
    if netbox.restore_loaded(key):
        return f"restored the snapshot {key}"
    netbox.reset()
    creds = netbox.credentials()
    sot_sync.apply(sot_sync.plan(data, client.connect(creds.url, creds.token)), batch=20)
    netbox.save_loaded(key)
    return f"applied and saved the snapshot {key}"
