"""Apply a plan with bulk REST writes, in dependency order, converging after any interruption.

Steps: (1) bulk DELETE managed objects gone from the dataset, children first; (2) per endpoint in
dependency order, re-diff against the live state (kept current with what this run wrote; component
endpoints are re-read after devices were created, since NetBox instantiated their templates) and
bulk POST creates (in waves when objects reference objects of the same endpoint) and bulk PATCH
updates; (3) PATCH deferred fields (device primary_ip4/oob_ip) once everything exists.
Natural keys make every step idempotent: a re-run after a kill computes only what is left.
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

from sharpeyes.errors import TargetFailed
from sharpeyes.sot import schema
from sharpeyes.sot.dataset import Dataset, field_refs, freeze, ref_key
from sharpeyes.sot.live import LiveObject, LiveState, Rest, refetch
from sharpeyes.sot.plan import Change, Plan, Templates, endpoint_changes, full_form
from sharpeyes.sot.schema import Endpoint, Kind

log = logging.getLogger(__name__)

BATCH = 500
WORKERS_ENV = "SHARPEYES_SOT_WRITE_WORKERS"  # concurrent bulk requests (1: sequential)
WRITE_WORKERS = 1  # sequential by default: the concurrent mode is not measured yet (0001)
STOP_ENV = "SHARPEYES_SOT_STOP_AFTER_BATCHES"  # test hook: SIGKILL self after N write batches

Progress = Callable[[str, int], None]  # (description, objects done in this step)

_REF_KINDS = (Kind.REF, Kind.REFS, Kind.GENERIC, Kind.TERMS)
_TERM_TYPE = {target: otype for otype, target in schema.CABLE_TERMINATIONS.values()}


@dataclass
class ApplyResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    requests: int = 0


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class Writer:
    def __init__(self, rest: Rest, state: LiveState, progress: Progress | None, batch: int) -> None:
        self.rest, self.state, self.batch = rest, state, batch
        self.progress = progress or (lambda _d, _n: None)
        self.result = ApplyResult()
        stop = os.environ.get(STOP_ENV)
        self.stop_after = int(stop) if stop else None
        self.batches = 0
        self.workers = max(1, int(os.environ.get(WORKERS_ENV) or WRITE_WORKERS))

    def _parallel(self, calls: Sequence[Callable[[], Any]]) -> list[Any]:
        """Run independent bulk requests (chunks of one endpoint and wave) concurrently; results
        in order. A failure is raised after the others finished (a re-run converges)."""
        if self.workers == 1 or len(calls) < 2:
            return [call() for call in calls]
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            futures = [pool.submit(call) for call in calls]
            errors = [f.exception() for f in futures]
        for err in errors:
            if err is not None:
                raise err
        return [f.result() for f in futures]

    def _tick(self, desc: str, n: int) -> None:
        self.batches += 1
        self.result.requests += 1
        self.progress(desc, n)
        if self.stop_after is not None and self.batches >= self.stop_after:
            log.warning("%s=%d reached: killing this process", STOP_ENV, self.stop_after)
            os.kill(os.getpid(), signal.SIGKILL)

    # -- reference resolution --------------------------------------------------------------------

    def id_of(self, target: str, value: Any, where: str) -> int:
        obj_id = self.state.id_of(target, ref_key(target, value))
        if obj_id is None:
            raise TargetFailed(f"{where}: {target} {value!r} does not exist in NetBox")
        return obj_id

    def ip_id(self, device: str, address: str, where: str) -> int:
        candidates = [
            o
            for objs in self.state.objects.get("ipam.ip-addresses", {}).values()
            for o in objs
            if o.data.get("address") == address and o.id is not None
        ]
        mine = [
            o
            for o in candidates
            if isinstance(o.data.get("assigned_object"), Mapping)
            and o.data["assigned_object"].get("device") == device
        ]
        pick = mine or candidates
        if not pick:
            raise TargetFailed(f"{where}: no IP address {address} in NetBox")
        return int(pick[0].id)  # type: ignore[arg-type]

    def value(
        self, ep: Endpoint, f: schema.Field, value: Any, data: Mapping[str, Any], where: str
    ) -> dict[str, Any]:
        """REST write representation of one field."""
        if value is None:
            if f.kind is Kind.GENERIC:
                return {f.type_field or "": None, f.id_field or "": None}
            if f.kind in (Kind.REFS, Kind.SET):
                return {f.name: []}
            return {f.name: None}
        if f.kind in _REF_KINDS:
            refs = [
                (r.target, self.id_of(r.target, r.value, where)) for r in field_refs(f, value, data)
            ]
            if not refs and f.kind in (Kind.REF, Kind.GENERIC):
                raise TargetFailed(f"{where}: field {f.name!r}: {value!r} names no object")
            match f.kind:
                case Kind.REF:
                    return {f.name: refs[0][1]}
                case Kind.REFS:
                    return {f.name: [obj_id for _, obj_id in refs]}
                case Kind.GENERIC:
                    otype = data.get(f.type_field or "") or f.implied_type
                    return {f.type_field or "": otype, f.id_field or "": refs[0][1]}
                case _:  # TERMS
                    terms = [{"object_type": _TERM_TYPE[t], "object_id": i} for t, i in refs]
                    return {f.name: terms}
        match f.kind:
            case Kind.PRIMARY_IP:
                return {f.name: self.ip_id(str(data.get("name")), str(value), where)}
            case _:
                return {f.name: value}

    def create_body(self, ep: Endpoint, data: Mapping[str, Any], where: str) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for f in ep.fields:
            if f.deferred or f.name not in data:
                continue
            body.update(self.value(ep, f, data[f.name], data, where))
        return body

    def update_body(self, ep: Endpoint, c: Change, live: LiveObject) -> dict[str, Any]:
        body: dict[str, Any] = {"id": c.live_id}
        fmap = ep.field_map
        for name, (old, new) in c.diff.items():
            f = fmap[name]
            value = new
            if f.kind is Kind.CUSTOM:  # clear custom fields the dataset no longer sets
                value = {**dict.fromkeys(old or {}), **(new or {})}
            body.update(self.value(ep, f, value, c.data, f"{ep.name} {c.label}"))
        return body

    # -- steps -----------------------------------------------------------------------------------

    def delete(self, changes: list[Change]) -> None:
        by_ep: dict[str, list[Change]] = {}
        for c in changes:
            by_ep.setdefault(c.endpoint, []).append(c)
        for name in sorted(by_ep, key=schema.ORDER.__getitem__, reverse=True):
            ep = schema.REGISTRY[name]
            chunks = list(_chunks(by_ep[name], self.batch))
            ids = [[int(c.live_id) for c in chunk if c.live_id] for chunk in chunks]
            self._parallel([partial(self.rest.delete_ids, ep, i) for i in ids])
            for chunk in chunks:
                for c in chunk:
                    obj = self.state.by_id.get(name, {}).get(int(c.live_id or 0))
                    if obj:
                        self.state.remove(ep, obj)
                self.result.deleted += len(chunk)
                self._tick(f"delete {name}", len(chunk))

    def create(self, ep: Endpoint, creates: list[Change]) -> None:
        pending = list(creates)
        while pending:
            wave, later = self._wave(ep, pending)
            if not wave:
                labels = ", ".join(c.label for c in later[:5])
                raise TargetFailed(f"{ep.name}: circular references among {labels}")
            chunks = list(_chunks(wave, self.batch))
            bodies = [
                [self.create_body(ep, c.data, f"{ep.name} {c.label}") for c in chunk]
                for chunk in chunks
            ]
            answers = self._parallel(
                [
                    partial(self.rest.write, "POST", ep, body, [c.label for c in chunk])
                    for chunk, body in zip(chunks, bodies, strict=True)
                ]
            )
            for chunk, rows in zip(chunks, answers, strict=True):
                for c, row in zip(chunk, rows, strict=True):
                    self.state.add(ep, LiveObject(row["id"], full_form(ep, c.data, deferred=False)))
                self.result.created += len(chunk)
                self._tick(f"create {ep.name}", len(chunk))
            pending = later

    def _wave(self, ep: Endpoint, pending: list[Change]) -> tuple[list[Change], list[Change]]:
        """Objects whose same-endpoint references already exist, and the rest."""
        if not ep.self_refs:
            return pending, []
        wave: list[Change] = []
        later: list[Change] = []
        for c in pending:
            ok = all(
                c.data.get(n) is None or self.state.get(ep.name, ref_key(ep.name, c.data[n]))
                for n in ep.self_refs
            )
            (wave if ok else later).append(c)
        return wave, later

    def update(self, ep: Endpoint, updates: list[Change]) -> None:
        chunks = list(_chunks(updates, self.batch))
        bodies = [
            [self.update_body(ep, c, self.state.by_id[ep.name][int(c.live_id or 0)]) for c in chunk]
            for chunk in chunks
        ]
        self._parallel(
            [
                partial(self.rest.write, "PATCH", ep, body, [c.label for c in chunk])
                for chunk, body in zip(chunks, bodies, strict=True)
            ]
        )
        for chunk in chunks:
            for c in chunk:
                live = self.state.by_id[ep.name][int(c.live_id or 0)]
                for name, (_, new) in c.diff.items():
                    live.data[name] = new
            self.result.updated += len(chunk)
            self._tick(f"update {ep.name}", len(chunk))


def apply(
    ds: Dataset,
    rest: Rest,
    state: LiveState,
    plan: Plan,
    *,
    progress: Progress | None = None,
    batch: int = BATCH,
) -> ApplyResult:
    """Execute `plan` (computed on `state`) and converge; returns what was written.

    Deletes are the plan's; creates/updates are re-diffed per endpoint, except the objects the
    three-way plan keeps (`plan.skip`: changed in NetBox since the last sync, conflicts)."""
    w = Writer(rest, state, progress, batch)
    w.delete([c for c in plan.changes if c.action == "delete"])
    for name in ds.endpoints:
        ep = schema.REGISTRY[name]
        templates = Templates(ds, state)
        changes = endpoint_changes(ep, ds.objects[name], state, templates, deferred=False)
        changes = [c for c in changes if (c.endpoint, c.key) not in plan.skip]
        creates = [c for c in changes if c.action == "create"]
        w.create(ep, creates)
        w.update(ep, [c for c in changes if c.action == "update"])
        if name == "dcim.devices" and creates:  # NetBox instantiated their templates: re-read
            for comp in schema.ENDPOINTS:
                if comp.template and comp.name in state.objects:
                    refetch(rest, state, comp.name)
    for name in ds.endpoints:  # deferred fields, now that every object exists
        ep = schema.REGISTRY[name]
        if not any(f.deferred for f in ep.fields):
            continue
        templates = Templates(ds, state)
        changes = endpoint_changes(ep, ds.objects[name], state, templates, deferred=True)
        changes = [c for c in changes if (c.endpoint, c.key) not in plan.skip]
        w.update(ep, [c for c in changes if c.action == "update"])
    log.info(
        "applied: %d created, %d updated, %d deleted in %d requests",
        w.result.created,
        w.result.updated,
        w.result.deleted,
        w.result.requests,
    )
    return w.result


def total_work(plan: Plan) -> int:
    return len(plan.changes)


__all__ = ["BATCH", "STOP_ENV", "ApplyResult", "apply", "freeze", "total_work"]
