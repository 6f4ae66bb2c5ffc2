"""Fast plan == full plan on the real lab NetBox (small fixture dataset, the CLI under test).

After each kind of change the fast plan (`sot plan`, reads only what changed since the sync base)
must print the same JSON as `sot plan --full`, and must really have been fast (`"read": "fast"`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sotcli import edit_repo_device
from sotcli import run_sot as _sot

pytestmark = pytest.mark.integration


@pytest.fixture
def data(data: Path, env: dict[str, str]) -> Path:
    """The fixture dataset copy, applied to the emptied NetBox."""
    res = _sot(env, "apply", "--yes", "--data", str(data))
    assert res.returncode == 0, res.stdout + res.stderr
    return data


def _plans(env: dict[str, str], data: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    out = []
    for flags in ((), ("--full",)):
        res = _sot(env, "plan", "--json", "--data", str(data), *flags)
        assert res.returncode in (0, 2), res.stdout + res.stderr
        out.append(json.loads(res.stdout))
    fast, full = out
    assert fast.pop("read") == "fast", fast.get("read_note")
    assert full.pop("read") == "full"
    return fast, full


def test_no_change(env: dict[str, str], data: Path) -> None:
    fast, full = _plans(env, data)
    assert fast == full
    assert fast["in_sync"] is True


def test_netbox_side_edit(env: dict[str, str], data: Path, api: Any) -> None:
    cam = api.dcim.devices.get(name="fx-cam01")
    cam.update({"description": "edited in the UI"})
    fast, full = _plans(env, data)
    assert fast == full
    assert [d["key"] for d in fast["netbox_side"]] == ["fx-cam01"]


def test_repo_side_edit(env: dict[str, str], data: Path) -> None:
    edit_repo_device(data, "fx-cam02", description="edited in the repo")
    fast, full = _plans(env, data)
    assert fast == full
    assert [(c["action"], c["key"]) for c in fast["changes"]] == [("update", "fx-cam02")]


def test_netbox_side_create_and_delete(env: dict[str, str], data: Path, api: Any) -> None:
    api.dcim.devices.create(
        name="fx-imp01",
        device_type={"slug": "fx-ipc-1"},
        role={"slug": "fx-camera"},
        site={"slug": "fx-site-a"},
        tags=[{"slug": "sharpeyes-managed"}],
    )
    item = next(iter(api.dcim.inventory_items.all()))
    item.delete()
    fast, full = _plans(env, data)
    assert fast == full
    assert "fx-imp01" in {d["key"] for d in fast["netbox_side"]}
    assert [c["action"] for c in fast["changes"]] == ["create"]  # the deleted item comes back


def test_repo_and_netbox_conflict(env: dict[str, str], data: Path, api: Any) -> None:
    cam = api.dcim.devices.get(name="fx-cam01")
    cam.update({"description": "NetBox side"})
    edit_repo_device(data, "fx-cam01", description="repo side")
    fast, full = _plans(env, data)
    assert fast == full
    assert [x["key"] for x in fast["conflicts"]] == ["fx-cam01"]
