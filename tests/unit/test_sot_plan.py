"""Plan logic offline: the fixture against synthetic live states (no NetBox needed)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from sharpeyes.errors import ValidationFailed
from sharpeyes.sot import schema
from sharpeyes.sot.dataset import Dataset
from sharpeyes.sot.live import LiveObject, LiveState
from sharpeyes.sot.loader import load
from sharpeyes.sot.plan import compute, format_plan, full_form

FIXTURE = Path(__file__).parents[1] / "integration" / "data" / "fixture"


def _live_copy(ds: Dataset) -> LiveState:
    """A live state equal to the dataset (as NetBox holds it once applied), with template parts."""
    state = LiveState()
    next_id = iter(range(1, 100_000))
    ifaces = schema.REGISTRY["dcim.interfaces"]
    templates = {}
    for d in ds.objects["dcim.devices"]:
        for t in ds.objects["dcim.interface-templates"]:
            if t.data["device_type"] == d.data["device_type"]:
                fields = {k: v for k, v in t.data.items() if k != "device_type"}
                templates[(d.data["name"], t.data["name"])] = fields
    for name in ds.endpoints:
        ep = schema.REGISTRY[name]
        for o in ds.objects[name]:
            base = templates.pop((o.data["device"], o.data["name"]), {}) if ep is ifaces else {}
            state.add(ep, LiveObject(next(next_id), full_form(ep, {**base, **o.data})))
    for (device, _), fields in templates.items():
        state.add(
            ifaces, LiveObject(next(next_id), full_form(ifaces, {"device": device, **fields}))
        )
    return state


def test_empty_netbox_plans_creates_and_template_updates() -> None:
    ds = load(FIXTURE).dataset
    plan = compute(ds, LiveState())
    counts = plan.counts()
    assert counts["delete"] == 0
    updates = {c.label for c in plan.changes if c.action == "update"}
    # interfaces a new device gets from its device type are updates, not creates
    assert updates == {"fx-sw01:GE0/0/1", "fx-sw01:GE0/0/3", "fx-sw01:GE0/0/4"}
    creates = [c for c in plan.changes if c.action == "create"]
    assert len(creates) == ds.count() - 3
    assert [c.endpoint for c in plan.changes] == sorted(
        (c.endpoint for c in plan.changes), key=schema.ORDER.__getitem__
    )


def test_in_sync_when_live_equals_dataset() -> None:
    ds = load(FIXTURE).dataset
    plan = compute(ds, _live_copy(ds))
    assert plan.in_sync, format_plan(plan)
    assert format_plan(plan) == "NetBox is in sync with the dataset: no changes."


def test_one_field_change_is_one_update_line() -> None:
    ds = load(FIXTURE).dataset
    state = _live_copy(ds)
    state.get("dcim.devices", "fx-cam01").data["description"] = "moved"  # type: ignore[union-attr]
    plan = compute(ds, state)
    assert len(plan.changes) == 1
    text = format_plan(plan)
    assert "~ dcim.devices fx-cam01: description: 'moved' -> 'north gate'" in text
    assert text.endswith("Plan: 0 to create, 1 to update, 0 to delete.")


def test_deletes_only_managed_and_never_template_components() -> None:
    ds = load(FIXTURE).dataset
    state = _live_copy(ds)
    sites = schema.REGISTRY["dcim.sites"]
    state.add(sites, LiveObject(90001, full_form(sites, {"slug": "ui-made", "name": "UI"})))
    managed = {"slug": "gone", "name": "Gone", "tags": ["sharpeyes-managed"]}
    state.add(sites, LiveObject(90002, full_form(sites, managed)))
    # a template-created interface carrying the managed tag but absent from the data
    state.get("dcim.interfaces", (("device", "fx-sw01"), ("name", "GE0/0/2"))).data[  # type: ignore[union-attr]
        "tags"
    ] = ["sharpeyes-managed"]
    plan = compute(ds, state)
    assert [(c.action, c.endpoint, c.label) for c in plan.changes] == [
        ("delete", "dcim.sites", "gone")
    ]


def test_absent_field_means_default_and_custom_fields_compare_without_nulls() -> None:
    ds = load(FIXTURE).dataset
    state = _live_copy(ds)
    cam = state.get("dcim.devices", "fx-cam02")
    assert cam is not None
    cam.data["custom_fields"] = {**cam.data["custom_fields"], "other": None}
    assert compute(copy.deepcopy(ds), state).in_sync
    cam.data["serial"] = "SET-IN-UI"
    plan = compute(ds, state)
    assert [c.diff for c in plan.changes] == [{"serial": ("SET-IN-UI", "")}]


def test_unknown_reference_is_refused_naming_file_and_field() -> None:
    ds = load(FIXTURE).dataset
    cam = next(o for o in ds.objects["dcim.devices"] if o.data["name"] == "fx-cam01")
    cam.data["site"] = "fx-nowhere"
    with pytest.raises(ValidationFailed) as info:
        compute(ds, _live_copy(load(FIXTURE).dataset))
    assert info.value.problems == [
        "fixture/estate/dcim.devices.yml: fx-cam01: field 'site': no dcim.sites 'fx-nowhere' "
        "in the dataset or NetBox"
    ]
