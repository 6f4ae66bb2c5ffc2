"""`sot plan|apply|export` as library calls: load the dataset, read NetBox, diff, write.

The CLI only renders: plan text/JSON, a confirmation, a progress bar fed by `progress`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sharpeyes import paths
from sharpeyes.errors import InputError
from sharpeyes.sot import apply as apply_mod
from sharpeyes.sot import base as base_mod
from sharpeyes.sot import client, fast, schema
from sharpeyes.sot import export as export_mod
from sharpeyes.sot import plan as plan_mod
from sharpeyes.sot.dataset import Dataset
from sharpeyes.sot.live import LiveState, Rest, fetch
from sharpeyes.sot.loader import load_dataset
from sharpeyes.sot.plan import Plan
from sharpeyes.sot.threeway import BaseEntry

log = logging.getLogger(__name__)


@dataclass
class Session:
    """One sync run: the dataset, a REST client, the live state read and the plan."""

    data_dir: Path
    dataset: Dataset
    rest: Rest
    state: LiveState
    plan: Plan
    timings: dict[str, float] = field(default_factory=dict)
    base: base_mod.Loaded | None = None
    anchor: dict[str, Any] | None = None  # newest change before `state` was read


class ConflictsFound(InputError):
    """Changed on both sides since the last sync: apply writes nothing (exit 3)."""


ATTRIBUTE_MAX = 50  # change-log look-ups per plan (who/when); the rest says "see the change log"


def default_data_dir() -> Path:
    return paths.netbox_data_dir()


def rest_client(api: Any = None) -> Rest:
    if api is None:
        api = client.connect()
    return Rest(api)


def read(
    data_dir: Path | None = None, api: Any = None, *, force: bool = False, full: bool = True
) -> Session:
    """Load the dataset, the sync base and the live state; compute the three-way plan.

    full=False: with a usable base, read only what changed since it (sharpeyes.sot.fast), falling
    back to the full read when the fast read cannot vouch for the result."""
    data_dir = data_dir or default_data_dir()
    t0 = time.monotonic()
    ds = load_dataset(data_dir)
    t1 = time.monotonic()
    rest = rest_client(api)
    loaded = base_mod.load(rest)
    only: plan_mod.Only = None
    note = ""
    anchor = base_mod.newest_change(rest)
    if not full and loaded.base is not None:
        try:
            quick = fast.read(rest, ds, loaded.base)
            state, only = quick.state, quick.only
        except fast.Fallback as exc:
            note = str(exc)
            log.info("fast plan not possible (%s): reading all of NetBox", note)
    if only is None:
        state = fetch(rest, ds.endpoints)
    t2 = time.monotonic()
    two_way = plan_mod.compute(ds, state, only)
    plan = plan_mod.three_way(
        ds,
        state,
        two_way,
        loaded.base,
        status=loaded.status,
        detail=loaded.detail,
        force=force,
        only=only,
    )
    plan.read, plan.read_note = ("full", note) if only is None else ("fast", "")
    attribute(rest, plan, loaded)
    t3 = time.monotonic()
    timings = {"load": t1 - t0, "read": t2 - t1, "diff": t3 - t2}
    log.debug("plan timings %s", timings)
    return Session(data_dir, ds, rest, state, plan, timings, loaded, anchor)


def attribute(rest: Rest, plan: Plan, loaded: base_mod.Loaded) -> None:
    """Who/when from NetBox's change log for conflicts, NetBox-side changes and re-creates."""
    log_ = base_mod.ChangeLog(rest)
    budget = [ATTRIBUTE_MAX]

    def who(endpoint: str, obj_id: int | None, action: str | None = None) -> str:
        if budget[0] <= 0 or not obj_id:
            return "see NetBox's change log" if obj_id else ""
        budget[0] -= 1
        return log_.last(endpoint, obj_id, action)

    for x in plan.conflicts:
        x.who = who(x.endpoint, x.live_id)
    for d in plan.netbox_side:
        d.who = who(d.endpoint, d.live_id)
    for c in plan_mod.deleted_in_netbox(plan):
        entry = loaded.base.entry(c.endpoint, c.key) if loaded.base else None
        c.note = f"deleted in NetBox: {who(c.endpoint, entry.id if entry else None, 'delete')}"


def plan(
    data_dir: Path | None = None, api: Any = None, *, force: bool = False, full: bool = True
) -> Session:
    return read(data_dir, api, force=force, full=full)


def expected_work(s: Session) -> int:
    """Objects the apply will write (creates with deferred fields are written twice)."""
    deferred = 0
    for c in s.plan.changes:
        if c.action == "create":
            ep = schema.REGISTRY[c.endpoint]
            deferred += any(f.deferred and c.data.get(f.name) for f in ep.fields)
    return len(s.plan.changes) + deferred


def apply(
    s: Session, progress: Callable[[str, int], None] | None = None, batch: int = apply_mod.BATCH
) -> apply_mod.ApplyResult:
    """Write the plan (refusing on conflicts), then record the new sync base."""
    if s.plan.conflicts:
        raise ConflictsFound(
            f"{len(s.plan.conflicts)} conflict(s): changed in the repo and in NetBox since the "
            "last sync; nothing was written",
            hint="`sot apply --force` takes the repo's side; `sot export` takes NetBox's",
        )
    result = apply_mod.apply(s.dataset, s.rest, s.state, s.plan, progress=progress, batch=batch)
    record_after_apply(s, wrote=bool(result.requests))
    return result


def record_after_apply(s: Session, *, wrote: bool) -> bool:
    """Record the base this apply left (only reached after success); True when written."""
    # the anchor precedes the state the base is taken from (a change in between is seen again)
    reread = wrote or s.plan.read == "fast"  # a fast read holds only the touched objects
    anchor = base_mod.newest_change(s.rest) if reread else s.anchor
    state = fetch(s.rest, s.dataset.endpoints) if reread else s.state
    entries = base_mod.entries_from(s.dataset, state, s.plan.carry)
    pending = base_mod.pending_from(state, s.plan.carry)
    return save_if_changed(s.rest, s.base, entries, anchor, s.data_dir, "sot apply", pending)


def save_if_changed(  # noqa: PLR0917
    rest: Rest,
    loaded: base_mod.Loaded | None,
    entries: dict[str, dict[str, BaseEntry]],
    anchor: dict[str, Any] | None,
    data_dir: Path,
    written_by: str,
    pending: dict[str, dict[str, int]] | None = None,
) -> bool:
    """Save the base unless the stored one is usable and has the same entries (a no-op run
    writes nothing to NetBox)."""
    old = loaded.base if loaded is not None else None
    # same entries: the old base stands (what changed since it is in the change log after its
    # anchor, which a fast plan reads); rewritten once when it predates `pending`
    if old is not None and old.objects == entries and old.pending is not None:
        log.debug("sync base unchanged")
        return False
    base_mod.save(rest, entries, anchor, data_dir, written_by, pending)
    return True


def export(data_dir: Path | None = None, api: Any = None) -> list[Path]:
    """Write live NetBox into the dataset, then record the base (repo and NetBox now agree)."""
    data_dir = data_dir or default_data_dir()
    ds = load_dataset(data_dir)
    rest = rest_client(api)
    loaded = base_mod.load(rest)
    anchor = base_mod.newest_change(rest)
    state = fetch(rest, ds.endpoints)
    changed = export_mod.export(ds, state, data_dir)
    after = load_dataset(data_dir)
    entries = base_mod.entries_from(after, state)
    save_if_changed(rest, loaded, entries, anchor, data_dir, "sot export")
    return changed
