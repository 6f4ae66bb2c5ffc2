"""Three-way classification (pure) and the three-way plan on synthetic states (no NetBox)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from test_sot_plan import _live_copy

from sharpeyes import vocab
from sharpeyes.sot import base as base_mod
from sharpeyes.sot import schema
from sharpeyes.sot.dataset import Dataset
from sharpeyes.sot.live import LiveObject, LiveState
from sharpeyes.sot.loader import load
from sharpeyes.sot.plan import Plan, compute, format_plan, full_form, three_way
from sharpeyes.sot.threeway import BaseEntry, Verdict, classify, forced

FIXTURE = Path(__file__).parents[1] / "integration" / "data" / "fixture"

B = BaseEntry("r0", "l0", 7)  # the object as repo (r0) and NetBox (l0) last agreed
V = Verdict

# (repo hash now, live hash now, base entry, has_base, two-way diff non-empty) -> verdict
CASES = [
    # both sides hold it
    ("r0", "l0", B, True, False, V.NOOP),
    ("r1", "l0", B, True, True, V.UPDATE),  # changed in the repo only
    ("r0", "l1", B, True, True, V.NETBOX_CHANGED),  # changed in NetBox only: keep
    ("r1", "l1", B, True, True, V.CONFLICT),  # changed on both sides, differently
    ("r1", "l1", B, True, False, V.NOOP),  # changed on both sides the same way
    ("r0", "l0", B, True, True, V.UPDATE),  # neither changed yet they differ: repo rules
    ("r1", "l1", None, True, True, V.CONFLICT),  # created on both sides since the base
    ("r1", "l1", None, False, True, V.UPDATE),  # no base: as before, the repo wins
    ("r1", "l1", None, False, False, V.NOOP),
    # repo only
    ("r0", None, B, True, False, V.RECREATE),  # deleted in NetBox by hand
    ("r1", None, None, True, False, V.CREATE),  # new in the repo
    ("r1", None, BaseEntry("r0", "", 0), True, False, V.CREATE),  # never reached NetBox
    ("r1", None, None, False, False, V.CREATE),
    # NetBox only
    (None, "l0", B, True, False, V.DELETE),  # removed in the repo, NetBox unchanged
    (None, "l1", B, True, False, V.CONFLICT),  # removed in the repo, changed in NetBox
    (None, "l1", None, True, False, V.NETBOX_CREATED),  # e.g. a point-list import
    (None, "l0", BaseEntry("", "l0", 3), True, False, V.NOOP),  # NetBox-only, unchanged
    (None, "l1", BaseEntry("", "l0", 3), True, False, V.NETBOX_CHANGED),
    (None, "l0", B, False, False, V.KEPT_NO_BASE),  # no base: never deleted
    (None, "l1", None, False, False, V.KEPT_NO_BASE),
    (None, None, B, True, False, V.NOOP),  # gone on both sides
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(map(str, c)))
def test_classify(
    case: tuple[str | None, str | None, BaseEntry | None, bool, bool, Verdict],
) -> None:
    repo, live, entry, has_base, differ, want = case
    assert classify(repo, live, entry, has_base=has_base, differ=differ) is want


def test_force_takes_the_repo_side_of_conflicts_only() -> None:
    assert forced(V.CONFLICT, True) is V.UPDATE
    assert forced(V.CONFLICT, False) is V.DELETE
    for v in Verdict:
        if v is not V.CONFLICT:
            assert forced(v, True) is v and forced(v, False) is v


def test_base_round_trip_and_corruption() -> None:
    sb = base_mod.SyncBase(
        "inst", {"id": 5, "request_id": "r", "time": "t"}, {"commit": None}, "sot apply"
    )
    sb.objects = {"dcim.devices": {'"fx-cam01"': BaseEntry("a", "b", 3)}}
    again = base_mod.decode(sb.encode())
    assert again.objects == sb.objects and again.changelog == sb.changelog
    assert again.entry("dcim.devices", "fx-cam01") == BaseEntry("a", "b", 3)
    bad: object
    for bad in (None, [], {"format": 99}, {**sb.encode(), "objects": "%%%"}):
        with pytest.raises(base_mod.BaseInvalid):
            base_mod.decode(bad)


# -- the three-way plan on the fixture ------------------------------------------------------------


def _synced() -> tuple[Dataset, LiveState, base_mod.SyncBase]:
    """Fixture dataset, a live state equal to it, and the base recorded at that point."""
    ds = load(FIXTURE).dataset
    state = _live_copy(ds)
    sb = base_mod.SyncBase("i", None, {}, "test", base_mod.entries_from(ds, state))
    return ds, state, sb


def _plan(ds: Dataset, state: LiveState, sb: base_mod.SyncBase | None, force: bool = False) -> Plan:
    two = compute(ds, state)
    status = "ok" if sb is not None else "missing"
    return three_way(ds, state, two, sb, status=status, force=force)


def _add_camera(state: LiveState, name: str) -> None:
    ep = schema.REGISTRY["dcim.devices"]
    data = {
        "name": name,
        "device_type": "fx-ipc-1",
        "role": "fx-camera",
        "site": "fx-site-a",
        "tags": [vocab.MANAGED_TAG],
    }
    state.add(ep, LiveObject(90_000 + len(name), full_form(ep, data)))


def test_netbox_created_managed_cameras_are_kept_not_deleted() -> None:
    ds, state, sb = _synced()
    for n in range(5):
        _add_camera(state, f"fx-imp0{n}")
    two = compute(ds, copy.deepcopy(state))
    assert two.counts()["delete"] == 5  # the two-way plan would delete them: the bug
    plan = _plan(ds, state, sb)
    assert plan.in_sync and plan.counts() == {"create": 0, "update": 0, "delete": 0}
    assert [(d.label, d.what) for d in plan.netbox_side] == [
        (f"fx-imp0{n}", "created") for n in range(5)
    ]
    assert "run `sot export`" in format_plan(plan)


def test_no_base_never_deletes_and_says_so() -> None:
    ds, state, _ = _synced()
    _add_camera(state, "fx-imp01")
    plan = _plan(ds, state, None)
    assert plan.counts()["delete"] == 0
    assert [c.label for c in plan.kept_no_base] == ["fx-imp01"]
    assert "never deleting" in format_plan(plan)


def test_netbox_edit_is_kept_and_skipped_by_apply() -> None:
    ds, state, sb = _synced()
    state.get("dcim.devices", "fx-cam01").data["description"] = "south gate"  # type: ignore[union-attr]
    plan = _plan(ds, state, sb)
    assert plan.changes == [] and ("dcim.devices", "fx-cam01") in plan.skip
    assert plan.carry["dcim.devices"]['"fx-cam01"'] == sb.entry("dcim.devices", "fx-cam01")


def test_both_sides_changed_is_a_conflict_unless_forced() -> None:
    ds, state, sb = _synced()
    state.get("dcim.devices", "fx-cam01").data["description"] = "south gate"  # type: ignore[union-attr]
    cam = next(o for o in ds.objects["dcim.devices"] if o.data["name"] == "fx-cam01")
    cam.data["description"] = "east gate"
    plan = _plan(ds, state, sb)
    assert [(x.label, x.diff) for x in plan.conflicts] == [
        ("fx-cam01", {"description": ("south gate", "east gate")})
    ]
    assert not plan.in_sync and plan.changes == []
    text = format_plan(plan)
    assert "description: repo 'east gate', NetBox 'south gate'" in text and "--force" in text
    forced_plan = _plan(ds, state, sb, force=True)
    assert forced_plan.conflicts == []
    assert [(c.action, c.label) for c in forced_plan.changes] == [("update", "fx-cam01")]


def test_repo_removal_is_deleted_only_when_netbox_did_not_change_it() -> None:
    ds, state, sb = _synced()
    ds.objects["dcim.devices"] = [
        o for o in ds.objects["dcim.devices"] if o.data["name"] != "fx-cam02"
    ]
    plan = _plan(ds, copy.deepcopy(state), sb)
    assert [(c.action, c.label) for c in plan.changes] == [("delete", "fx-cam02")]
    state.get("dcim.devices", "fx-cam02").data["description"] = "edited"  # type: ignore[union-attr]
    plan = _plan(ds, state, sb)
    assert plan.changes == []
    assert [(x.label, x.detail) for x in plan.conflicts] == [
        ("fx-cam02", "removed in the repo, changed in NetBox since the last sync")
    ]
