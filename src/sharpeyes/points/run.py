"""`points check` (offline, the repo dataset) and `points import` (live NetBox) as library calls.

Import = check every row against live NetBox, with the repo dataset's ids/addresses/ports also
reserved; any error and nothing is written. `apply_import` writes through the sync engine's
writer (bulk, dependency order, natural keys); if a write fails midway it deletes what this run
created and reverts the switch ports it changed, so NetBox is left as it was (all-or-nothing).
The repo YAML is NOT written: NetBox is authoritative, `sharpeyes sot export` brings the objects in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sharpeyes import paths, vocab
from sharpeyes.errors import SharpeyesError, TargetFailed, ValidationFailed
from sharpeyes.points import estate as estate_mod
from sharpeyes.points import plan as plan_mod
from sharpeyes.points import reader
from sharpeyes.points.check import check
from sharpeyes.points.model import CheckResult
from sharpeyes.sot import apply as sot_apply
from sharpeyes.sot import schema
from sharpeyes.sot import sync as sot_sync
from sharpeyes.sot.apply import Writer
from sharpeyes.sot.dataset import Dataset, SotObject, canon_object, validate_object
from sharpeyes.sot.live import LiveState, Rest, fetch
from sharpeyes.sot.plan import (
    Change,
    Plan,
    Templates,
    add_predictions,
    check_refs,
    endpoint_changes,
)

log = logging.getLogger(__name__)

EXPORT_HINT = (
    "NetBox is authoritative: run `sharpeyes sot export` and commit the YAML diff so the repo "
    "holds the new objects (a `sot apply` before that export would delete them again)"
)


@dataclass
class Checked:
    sheet: reader.Sheet
    result: CheckResult


@dataclass
class ImportSession:
    """A checked file against live NetBox and the sync-engine changes it amounts to."""

    checked: Checked
    rest: Rest
    state: LiveState
    dataset: Dataset
    changes: list[Change] = field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for c in self.changes:
            bucket = out.setdefault(c.endpoint, {"create": 0, "update": 0})
            bucket[c.action] = bucket.get(c.action, 0) + 1
        return out


def _data_dir(data_dir: Path | None) -> Path:
    return data_dir if data_dir is not None else paths.netbox_data_dir()


def _raise_if_failed(checked: Checked) -> None:
    for line in checked.result.rendered(errors=False):
        log.warning("warning: %s", line)
    if not checked.result.ok:
        raise ValidationFailed(checked.result.rendered(errors=True), what=checked.sheet.file)


def check_file(
    path: Path, data_dir: Path | None = None, *, use_cached_values: bool = False
) -> Checked:
    """Offline check against the repo dataset; raises ValidationFailed listing every error."""
    sheet = reader.read(path, use_cached_values=use_cached_values)
    est = estate_mod.from_dir(_data_dir(data_dir))
    checked = Checked(sheet, check(sheet, est))
    _raise_if_failed(checked)
    return checked


def _dataset(objects: dict[str, list[dict[str, Any]]]) -> Dataset:
    ds = Dataset()
    problems: list[str] = []
    for name, objs in objects.items():
        if not objs:
            continue
        ep = schema.REGISTRY[name]
        bucket = ds.objects.setdefault(name, [])
        for raw in objs:
            data = canon_object(ep, raw)
            obj = SotObject(name, data)
            problems += validate_object(ep, data, f"{name} {obj.label}")
            bucket.append(obj)
    if problems:  # our own objects: a bug, not the user's input
        raise SharpeyesError("point import built invalid objects:\n" + "\n".join(problems))
    return ds


def live_estate(state: LiveState, data_dir: Path) -> estate_mod.Estate:
    """The estate as NetBox holds it, with the repo dataset's identifiers reserved as well."""
    records = {
        ep: [o.data for objs in state.objects.get(ep, {}).values() for o in objs if o.id]
        for ep in estate_mod.ENDPOINTS
    }
    est = estate_mod.build(records, estate_mod.NETBOX)
    est.reserve(estate_mod.from_dir(data_dir))
    return est


def prepare_import(
    path: Path, data_dir: Path | None = None, api: Any = None, *, use_cached_values: bool = False
) -> ImportSession:
    """Read the file and live NetBox, check, and compute the changes (no writes)."""
    sheet = reader.read(path, use_cached_values=use_cached_values)
    rest = sot_sync.rest_client(api)
    state = fetch(rest, [*estate_mod.ENDPOINTS, "dcim.interfaces"])
    est = live_estate(state, _data_dir(data_dir))
    checked = Checked(sheet, check(sheet, est))
    _raise_if_failed(checked)
    ds = _dataset(plan_mod.objects(checked.result))
    templates = Templates(ds, state)
    add_predictions(ds, state, templates)
    check_refs(ds, state)
    changes: list[Change] = []
    for name in ds.endpoints:
        changes += endpoint_changes(schema.REGISTRY[name], ds.objects[name], state, templates)
    return ImportSession(checked, rest, state, ds, changes)


def apply_import(session: ImportSession) -> sot_apply.ApplyResult:
    """Write the changes; on a failed write, undo this run's writes and raise TargetFailed."""
    try:
        return sot_apply.apply(session.dataset, session.rest, session.state, _no_deletes())
    except SharpeyesError as exc:
        log.error("import failed (%s): rolling back what this run wrote", exc.message)
        left = rollback(session)
        if left:
            raise TargetFailed(
                f"{exc.message}; rollback incomplete, left in NetBox: {', '.join(left)}",
                hint=f"delete those objects by hand (they carry the tag {vocab.MANAGED_TAG})",
            ) from exc
        raise TargetFailed(
            f"{exc.message}; rolled back: NetBox is as before the import",
            hint=exc.hint or "fix the cause and re-run `sharpeyes points import --apply`",
        ) from exc


def _no_deletes() -> Plan:
    """An empty sync plan: the writer re-diffs our objects itself and deletes nothing."""
    return Plan()


def rollback(session: ImportSession) -> list[str]:
    """Revert updated switch ports, delete created objects (children first); returns leftovers."""
    state, rest = session.state, session.rest
    left: list[str] = []
    writer = Writer(rest, state, None, sot_apply.BATCH)
    for c in session.changes:
        if c.action != "update":
            continue
        live = state.get(c.endpoint, c.key)
        if live is None or live.id is None:
            continue
        if any(live.data.get(k) != new for k, (_old, new) in c.diff.items()):
            continue  # not written (or written by someone else): leave it
        back = Change(
            "update",
            c.endpoint,
            c.key,
            c.label,
            dict(live.data),
            live.id,
            {k: (new, old) for k, (old, new) in c.diff.items()},
        )
        try:
            writer.update(schema.REGISTRY[c.endpoint], [back])
        except SharpeyesError as exc:
            left.append(f"{c.endpoint} {c.label} (changed: {exc.message})")
    creates = [c for c in session.changes if c.action == "create"]
    for name in sorted({c.endpoint for c in creates}, key=schema.ORDER.__getitem__, reverse=True):
        ep = schema.REGISTRY[name]
        ids = {}
        for c in creates:
            if c.endpoint == name:
                obj = state.get(name, c.key)
                if obj is not None and obj.id is not None:
                    ids[obj.id] = c.label
        if not ids:
            continue
        try:
            rest.delete_ids(ep, sorted(ids))
            log.info("rollback: deleted %d %s", len(ids), name)
        except SharpeyesError as exc:
            log.error("rollback of %s failed: %s", name, exc.message)
            left += [f"{name} {label}" for label in ids.values()]
    return left
