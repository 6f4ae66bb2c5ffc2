"""Diff the repo dataset against live NetBox: creates, updates (field level) and deletes.

Semantics: a field absent from a repo object means its default (for device components created from
a device-type template: the template's value); REQUIRED fields are compared only when stated.
Deletes touch only live objects tagged `sharpeyes-managed`, of endpoints the dataset covers, never
template-created components. Components a planned device will get from its device type are
predicted, so repo entries for them show as updates, not creates.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sharpeyes.errors import ValidationFailed
from sharpeyes.sot import schema
from sharpeyes.sot.base import SyncBase, content_hash, key_text
from sharpeyes.sot.dataset import (
    Dataset,
    Frozen,
    SotObject,
    display,
    display_key,
    freeze,
    iter_refs,
    key_of,
    ref_key,
)
from sharpeyes.sot.live import LiveObject, LiveState
from sharpeyes.sot.schema import REQUIRED, Endpoint, Field, Kind
from sharpeyes.sot.threeway import BaseEntry, Verdict, classify, forced

Action = Literal["create", "update", "delete"]
_SYMBOL = {"create": "+", "update": "~", "delete": "-"}


@dataclass
class Change:
    action: Action
    endpoint: str
    key: Frozen
    label: str
    data: dict[str, Any]  # desired repo form (create/update) or the live one (delete)
    live_id: int | None = None
    diff: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field: (live, wanted)
    note: str = ""  # e.g. "deleted in NetBox by admin at …" for a re-create

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": self.action, "endpoint": self.endpoint, "key": self.label}
        if self.note:
            out["note"] = self.note
        if self.action == "create":
            out["fields"] = self.data
        elif self.action == "update":
            out["id"] = self.live_id
            out["changes"] = {k: {"from": a, "to": b} for k, (a, b) in self.diff.items()}
        else:
            out["id"] = self.live_id
        return out


@dataclass
class Drift:
    """An object changed (or created) in NetBox since the last sync: kept, reported."""

    endpoint: str
    key: Frozen
    label: str
    what: str  # created | changed
    live_id: int | None
    who: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "key": self.label,
            "what": self.what,
            "id": self.live_id,
            "who": self.who,
        }


@dataclass
class Conflict:
    """Changed in the repo and in NetBox since the last sync, differently."""

    endpoint: str
    key: Frozen
    label: str
    diff: dict[str, tuple[Any, Any]]  # field: (NetBox value, repo value); {} for delete/change
    live_id: int | None
    detail: str = ""  # e.g. "removed in the repo, changed in NetBox"
    who: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "key": self.label,
            "id": self.live_id,
            "detail": self.detail,
            "fields": {k: {"repo": b, "netbox": a} for k, (a, b) in self.diff.items()},
            "who": self.who,
        }


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    # three-way (filled by `three_way`; empty for the plain two-way diff)
    conflicts: list[Conflict] = field(default_factory=list)
    netbox_side: list[Drift] = field(default_factory=list)
    kept_no_base: list[Change] = field(default_factory=list)  # deletes withheld: no usable base
    base_status: str = ""  # ok | missing | corrupt | foreign ("" when not three-way)
    base_detail: str = ""
    skip: set[tuple[str, Frozen]] = field(default_factory=set)  # apply must not write these
    # base entries for the next base: the old one (kept changes) or None (left out)
    carry: dict[str, dict[str, BaseEntry | None]] = field(default_factory=dict)
    read: str = ""  # fast | full: how the live state was read ("" when not said)
    read_note: str = ""  # why a plan that could be fast read everything

    @property
    def in_sync(self) -> bool:
        return not self.changes and not self.conflicts

    def counts(self) -> dict[str, int]:
        out = {"create": 0, "update": 0, "delete": 0}
        for c in self.changes:
            out[c.action] += 1
        return out

    def summary(self) -> str:
        n = self.counts()
        if self.in_sync:
            text = "NetBox is in sync with the dataset: no changes."
        else:
            text = (
                f"Plan: {n['create']} to create, {n['update']} to update, {n['delete']} to delete."
            )
        if self.conflicts:
            n_c = len(self.conflicts)
            text += f" {n_c} conflict(s): apply refuses (--force takes the repo's side)."
        if self.netbox_side:
            text += (
                f" {len(self.netbox_side)} object(s) changed in NetBox since the last sync "
                "are kept: run `sot export`."
            )
        return text

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "in_sync": self.in_sync,
            "counts": self.counts(),
            "changes": [c.as_json() for c in self.changes],
        }
        if self.base_status:
            out["base"] = {"status": self.base_status, "detail": self.base_detail}
            out["conflicts"] = [c.as_json() for c in self.conflicts]
            out["netbox_side"] = [d.as_json() for d in self.netbox_side]
            out["kept_without_base"] = [c.as_json() for c in self.kept_no_base]
        if self.read:
            out["read"] = self.read
            if self.read_note:
                out["read_note"] = self.read_note
        return out


# -- values --------------------------------------------------------------------------------------


def fmt(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if value is None:
        return "null"
    if isinstance(value, Mapping | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def format_plan(plan: Plan) -> str:
    lines: list[str] = []
    current = None
    for c in plan.changes:
        if c.endpoint != current:
            current = c.endpoint
            lines.append(f"# {current}")
        sym = _SYMBOL[c.action]
        note = f" ({c.note})" if c.note else ""
        if c.action == "update":
            parts = ", ".join(f"{k}: {fmt(a)} -> {fmt(b)}" for k, (a, b) in c.diff.items())
            lines.append(f"{sym} {c.endpoint} {c.label}: {parts}{note}")
        else:
            lines.append(f"{sym} {c.endpoint} {c.label}{note}")
    if plan.base_status and plan.base_status != "ok":
        lines.append(
            f"No usable sync base ({plan.base_status}: {plan.base_detail}): applying as before "
            "but never deleting."
        )
    if plan.kept_no_base:
        lines.append("Not deleted (no sync base to prove the repo removed them):")
        lines += [f"  ? {c.endpoint} {c.label}" for c in plan.kept_no_base]
    if plan.netbox_side:
        lines.append("Changed in NetBox since the last sync (kept): run `sot export`:")
        for d in plan.netbox_side:
            who = f" ({d.who})" if d.who else ""
            lines.append(f"  * {d.endpoint} {d.label}: {d.what} in NetBox{who}")
    if plan.conflicts:
        lines.append(
            "Conflicts: changed in the repo and in NetBox since the last sync "
            "(nothing is written; `sot apply --force` takes the repo's side, "
            "`sot export` takes NetBox's):"
        )
        for x in plan.conflicts:
            who = f" [NetBox: {x.who}]" if x.who else ""
            head = f"  ! {x.endpoint} {x.label}"
            if x.detail:
                lines.append(f"{head}: {x.detail}{who}")
            for k, (a, b) in x.diff.items():
                lines.append(f"{head}: {k}: repo {fmt(b)}, NetBox {fmt(a)}{who}")
    if plan.read_note:
        lines.append(f"Read all of NetBox: {plan.read_note}.")
    lines.append(plan.summary())
    return "\n".join(lines)


def same(f: Field, want: Any, have: Any) -> bool:
    if f.kind is Kind.DECIMAL:
        if want is None or have is None:
            return want is None and have is None
        return round(float(want), f.places or 0) == round(float(have), f.places or 0)
    if f.kind is Kind.CUSTOM:
        want = {k: v for k, v in (want or {}).items() if v is not None}
        have = {k: v for k, v in (have or {}).items() if v is not None}
    if f.kind in (Kind.REFS, Kind.SET):
        return sorted(map(repr, map(freeze, want or []))) == sorted(
            map(repr, map(freeze, have or []))
        )
    return bool(freeze(want) == freeze(have))


def generic_value(f: Field, data: Mapping[str, Any]) -> Any:
    """(type, target key) of a GENERIC field, for comparison and display."""
    value = data.get(f.name)
    if value is None:
        return None
    return {"type": data.get(f.type_field or "") or f.implied_type, "object": value}


# -- templates -----------------------------------------------------------------------------------


class Templates:
    """Device-type component templates (desired overlay on live) and device -> device type."""

    def __init__(self, ds: Dataset, state: LiveState) -> None:
        self.by_type: dict[str, dict[Frozen, dict[Frozen, dict[str, Any]]]] = {}
        for ep in schema.ENDPOINTS:
            if not ep.name.endswith("-templates"):
                continue
            table: dict[Frozen, dict[Frozen, dict[str, Any]]] = {}
            rows = [o.data for objs in state.objects.get(ep.name, {}).values() for o in objs]
            if ep.name in ds.objects:
                rows = [o.data for o in ds.objects[ep.name]]
            for row in rows:
                full = {f.name: row.get(f.name, f.default) for f in ep.fields}
                table.setdefault(freeze(row.get("device_type")), {})[row.get("name")] = full
            self.by_type[ep.name] = table
        self.device_type: dict[Any, Frozen] = {}
        for objs in state.objects.get("dcim.devices", {}).values():
            for o in objs:
                self.device_type[o.data.get("name")] = freeze(o.data.get("device_type"))
        for d in ds.objects.get("dcim.devices", []):
            self.device_type[d.data.get("name")] = freeze(d.data.get("device_type"))

    def for_type(self, template_ep: str, device_type: Frozen) -> dict[Frozen, dict[str, Any]]:
        return self.by_type.get(template_ep, {}).get(device_type, {})

    def defaults(self, ep: Endpoint, data: Mapping[str, Any]) -> dict[str, Any] | None:
        """Template values a component starts with, or None when no template created it."""
        if not ep.template:
            return None
        dtype = self.device_type.get(data.get("device"))
        tmpl = self.for_type(ep.template, dtype).get(data.get("name"))
        if tmpl is None:
            return None
        names = {f.name for f in ep.fields} - set(ep.key)
        return {k: v for k, v in tmpl.items() if k in names and k not in ("device_type",)}


def predicted(ep: Endpoint, device: str, tmpl: Mapping[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        f.name: (None if f.default is REQUIRED else f.default) for f in ep.fields
    }
    data.update({k: v for k, v in tmpl.items() if k in data})
    data["device"] = device
    return data


# -- diff ----------------------------------------------------------------------------------------


def wanted(f: Field, data: Mapping[str, Any], tmpl: Mapping[str, Any] | None) -> Any:
    if f.name in data:
        return data[f.name]
    if tmpl is not None and f.name in tmpl:
        return tmpl[f.name]
    return f.default


def full_form(ep: Endpoint, data: Mapping[str, Any], deferred: bool = True) -> dict[str, Any]:
    """Every managed field of a repo object, defaults filled (what NetBox holds once created)."""
    out: dict[str, Any] = {}
    for f in ep.fields:
        if f.kind is Kind.GENERIC and f.type_field in data:
            out[f.type_field or ""] = data[f.type_field or ""]
        v = None if (f.deferred and not deferred) else wanted(f, data, None)
        out[f.name] = None if v is REQUIRED else v
    return out


def diff_object(
    ep: Endpoint,
    data: Mapping[str, Any],
    live: Mapping[str, Any],
    tmpl: Mapping[str, Any] | None,
    deferred: bool | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Changed fields: {name: (live value, wanted value)}. `deferred` filters deferred fields."""
    out: dict[str, tuple[Any, Any]] = {}
    for f in ep.fields:
        if f.name in ep.key or f.kind is Kind.TERMS:
            continue
        if deferred is not None and f.deferred != deferred:
            continue
        want = wanted(f, data, tmpl)
        if want is REQUIRED:
            continue
        if f.kind is Kind.GENERIC:
            w, h = generic_value(f, data), generic_value(f, live)
            if freeze(w) != freeze(h):
                out[f.name] = (h, w)
            continue
        have = live.get(f.name)
        if not same(f, want, have):
            out[f.name] = (have, want)
    return out


def endpoint_changes(
    ep: Endpoint,
    objects: list[SotObject],
    state: LiveState,
    templates: Templates,
    deferred: bool | None = None,
) -> list[Change]:
    """Creates and updates of one endpoint (no deletes)."""
    out: list[Change] = []
    for obj in objects:
        live = state.get(ep.name, obj.key)
        if live is None:
            out.append(Change("create", ep.name, obj.key, obj.label, obj.data))
            continue
        tmpl = templates.defaults(ep, obj.data)
        diff = diff_object(ep, obj.data, live.data, tmpl, deferred)
        if diff:
            out.append(Change("update", ep.name, obj.key, obj.label, obj.data, live.id, diff))
    return out


def deletes(
    ep: Endpoint,
    objects: list[SotObject],
    state: LiveState,
    templates: Templates,
    lives_: list[tuple[Frozen, list[LiveObject]]] | None = None,
) -> list[Change]:
    wanted_keys = {o.key for o in objects}
    out: list[Change] = []
    items = list(state.objects.get(ep.name, {}).items()) if lives_ is None else lives_
    for key, lives in items:
        extra = lives if key not in wanted_keys else lives[1:]  # duplicates of a wanted key
        for live in extra:
            if live.id is None or not live.managed:
                continue
            if templates.defaults(ep, live.data) is not None:
                continue  # a template-created component: never deleted
            label = display_label(ep, live.data) + (" (duplicate)" if key in wanted_keys else "")
            out.append(Change("delete", ep.name, key, label, live.data, live.id))
    return out


def display_label(ep: Endpoint, data: Mapping[str, Any]) -> str:
    return display_key(ep, data)


def add_predictions(ds: Dataset, state: LiveState, templates: Templates) -> None:
    """Add the components planned devices will get from their device types (id None)."""
    new_devices = [
        d for d in ds.objects.get("dcim.devices", []) if state.get("dcim.devices", d.key) is None
    ]
    for ep in schema.ENDPOINTS:
        if not ep.template:
            continue
        for d in new_devices:
            dtype = freeze(d.data.get("device_type"))
            for name, tmpl in templates.for_type(ep.template, dtype).items():
                data = predicted(ep, d.data["name"], {**tmpl, "name": name})
                if state.get(ep.name, key_of(ep, data)) is None:
                    state.add(ep, LiveObject(None, data))


def check_refs(ds: Dataset, state: LiveState) -> None:
    """Every reference must name an object of the dataset or of live NetBox."""
    keys: dict[str, set[Frozen]] = {n: {o.key for o in objs} for n, objs in ds.objects.items()}

    def exists(target: str, value: Any) -> bool:
        k = ref_key(target, value)
        return k in keys.get(target, set()) or state.get(target, k) is not None

    problems: list[str] = []
    for objs in ds.objects.values():
        for o in objs:
            where = f"{o.file or o.source}: {o.label}"
            for ref in iter_refs(o.spec, o.data):
                if not exists(ref.target, ref.value):
                    problems.append(
                        f"{where}: field {ref.field.name!r}: no {ref.target} "
                        f"{display(ref.value)!r} in the dataset or NetBox"
                    )
    if problems:
        raise ValidationFailed(problems, what="dataset references")


Only = dict[str, set[Frozen]] | None  # the keys a fast read touched, per endpoint (None: all)


def _objects(ds: Dataset, name: str, only: Only) -> list[SotObject]:
    objs = ds.objects[name]
    if only is None:
        return objs
    keys = only.get(name, set())
    return [o for o in objs if o.key in keys]


def _lives(state: LiveState, name: str, only: Only) -> list[tuple[Frozen, list[LiveObject]]]:
    items = list(state.objects.get(name, {}).items())
    if only is None:
        return items
    keys = only.get(name, set())
    return [(k, v) for k, v in items if k in keys]


def compute(ds: Dataset, state: LiveState, only: Only = None) -> Plan:
    """The full plan: deletes (reverse dependency order) are listed per endpoint with the rest.

    only: diff just these keys (a fast read: every other object is unchanged since the base)."""
    templates = Templates(ds, state)
    add_predictions(ds, state, templates)
    check_refs(ds, state)
    plan = Plan()
    for name in ds.endpoints:
        ep = schema.REGISTRY[name]
        objs = _objects(ds, name, only)
        plan.changes += endpoint_changes(ep, objs, state, templates)
        plan.changes += deletes(ep, ds.objects[name], state, templates, _lives(state, name, only))
    return plan


# -- three-way -----------------------------------------------------------------------------------


def untouched_template(ep: Endpoint, data: Mapping[str, Any], templates: Templates) -> bool:
    """A component as its device type created it (export skips it; nobody changed it)."""
    tmpl = templates.defaults(ep, data)
    if tmpl is None:
        return False
    return all(
        f.name in ep.key or same(f, tmpl.get(f.name, f.default), data.get(f.name))
        for f in ep.fields
        if f.kind is not Kind.GENERIC and f.default is not REQUIRED
    )


def three_way(
    ds: Dataset,
    state: LiveState,
    two_way: Plan,
    base: SyncBase | None,
    *,
    status: str,
    detail: str = "",
    force: bool = False,
    only: Only = None,
) -> Plan:
    """Filter the two-way plan through the sync base (sharpeyes.sot.threeway.classify).

    Without a usable base (`base` None) the two-way plan stands, minus every delete.
    """
    has_base = base is not None
    out = Plan(base_status=status, base_detail=detail)
    changes = {(c.endpoint, c.key): c for c in two_way.changes if c.action != "delete"}
    dels: dict[tuple[str, Frozen], list[Change]] = {}
    for c in two_way.changes:
        if c.action == "delete":
            dels.setdefault((c.endpoint, c.key), []).append(c)
    templates = Templates(ds, state)

    def entry(name: str, key: Frozen) -> BaseEntry | None:
        return base.entry(name, key) if base is not None else None

    def keep(name: str, key: Frozen, old: BaseEntry | None) -> None:
        out.skip.add((name, key))
        out.carry.setdefault(name, {})[key_text(key)] = old

    for name in ds.endpoints:
        ep = schema.REGISTRY[name]
        for obj in _objects(ds, name, only):
            live = state.get(name, obj.key)
            live_h = content_hash(live.data) if live is not None and live.id is not None else None
            ch = changes.get((name, obj.key))
            old = entry(name, obj.key)
            v = classify(
                content_hash(obj.data), live_h, old, has_base=has_base, differ=ch is not None
            )
            v = forced(v, True) if force else v
            if v in (Verdict.CREATE, Verdict.UPDATE, Verdict.RECREATE) and ch is not None:
                if v is Verdict.RECREATE:
                    ch.note = "deleted in NetBox"
                out.changes.append(ch)
            elif v is Verdict.NETBOX_CHANGED:
                out.netbox_side.append(
                    Drift(name, obj.key, obj.label, "changed", live.id if live else None)
                )
                keep(name, obj.key, old)
            elif v is Verdict.CONFLICT:
                diff = ch.diff if ch is not None else {}
                out.conflicts.append(
                    Conflict(name, obj.key, obj.label, diff, live.id if live else None)
                )
                keep(name, obj.key, old)
        all_repo = {o.key for o in ds.objects[name]}
        for key, lives in _lives(state, name, only):
            if key in all_repo:  # duplicates of a wanted key: deleted only with a base
                for d in dels.get((name, key), []):
                    (out.changes if has_base else out.kept_no_base).append(d)
                continue
            live = lives[0]
            if live.id is None:
                continue
            old = entry(name, key)
            v = classify(None, content_hash(live.data), old, has_base=has_base, differ=False)
            v = forced(v, False) if force else v
            candidates = dels.get((name, key), [])  # managed, not template-created
            label = display_key(ep, live.data)
            if v is Verdict.DELETE:
                out.changes += candidates
            elif v is Verdict.KEPT_NO_BASE:
                out.kept_no_base += candidates
                keep(name, key, None)
            elif v is Verdict.NETBOX_CREATED:
                if not untouched_template(ep, live.data, templates):
                    out.netbox_side.append(Drift(name, key, label, "created", live.id))
                keep(name, key, None)
            elif v is Verdict.NETBOX_CHANGED or (v is Verdict.CONFLICT and not candidates):
                out.netbox_side.append(Drift(name, key, label, "changed", live.id))
                keep(name, key, old)
            elif v is Verdict.CONFLICT:
                detail_ = "removed in the repo, changed in NetBox since the last sync"
                out.conflicts.append(Conflict(name, key, label, {}, live.id, detail_))
                keep(name, key, old)
    order = {n: i for i, n in enumerate(ds.endpoints)}
    out.changes.sort(key=lambda c: order.get(c.endpoint, 0))  # stable: per endpoint, as before
    return out


def deleted_in_netbox(plan: Plan) -> list[Change]:
    return [c for c in plan.changes if c.note == "deleted in NetBox"]
