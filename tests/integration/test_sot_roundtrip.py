"""Full-dataset round trip on the real lab NetBox: apply -> export -> the repo files are unchanged.

The full estate comes from the loaded snapshot (`lab reset netbox --loaded`: seconds when the
snapshot for the dataset key is cached, else one real apply of 10-15 min that saves it). The
export goes to a copy of netbox/, compared byte for byte with the repo's files.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from sharpeyes.lab import commands, netbox
from sharpeyes.paths import netbox_data_dir
from sharpeyes.sot import client, sync

pytestmark = pytest.mark.integration


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*.yml"))
        if p.relative_to(root).parts[0] in ("custom", "estate")
    }


def test_full_estate_apply_export_is_byte_identical(
    lab_netbox: netbox.Credentials, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NETBOX_API", lab_netbox.url)
    monkeypatch.setenv("NETBOX_TOKEN", lab_netbox.token)
    repo = netbox_data_dir()
    commands.reset_loaded()  # NetBox holds exactly the dataset (restored, or applied once)
    copy = tmp_path / "netbox"
    shutil.copytree(repo, copy)
    before = _files(copy)
    assert before, "no dataset files found"
    api = client.connect(lab_netbox.url, lab_netbox.token)
    changed = sync.export(copy, api)
    after = _files(copy)
    assert changed == []
    assert sorted(after) == sorted(before)  # no new file (nothing NetBox-only appeared)
    diff = [name for name in before if after[name] != before[name]]
    assert diff == [], f"export changed {diff[:10]}"
    assert sorted(os.listdir(copy)) == sorted(os.listdir(repo))
