"""Fast plan: read only what changed since the sync base (docs/decisions/0003, runbook).

With a usable base, the live state is rebuilt from it: every object NetBox had at the base is known
by id and natural key (a "skeleton": enough to resolve references), and only the touched objects are
fetched in full: those NetBox's change log lists since the base's anchor, those whose repo hash
differs from the base (plus the components of such devices), and those the base left pending
(kept NetBox-side changes, conflicts). Per-endpoint object counts (`?limit=1`) must match the
skeleton plus the change log; otherwise, or when NetBox renamed an object (references to it change
without a change-log entry of their own), or the repo changed device types, the caller falls back
to the full read. The plan is then computed on the touched objects only: every other object is as
it was when repo and NetBox last agreed, so its verdict is "no change" in the full plan too.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sharpeyes.errors import TargetFailed
from sharpeyes.sot import schema
from sharpeyes.sot.base import CHANGES, SyncBase, content_hash, key_text
from sharpeyes.sot.dataset import Dataset, Frozen, freeze, key_of
from sharpeyes.sot.live import LiveObject, LiveState, Rest, normalise, request_fields
from sharpeyes.sot.schema import Endpoint, Kind

log = logging.getLogger(__name__)

MAX_CHANGES = 3000  # more change-log entries than this: the full read is as cheap
ID_CHUNK = 100  # ids per `?id=` request (URL length)
WORKERS = 6


class Fallback(Exception):
    """The fast read cannot vouch for the result: read everything (the message says why)."""


@dataclass
class FastRead:
    state: LiveState
    only: dict[str, set[Frozen]]  # touched natural keys per dataset endpoint
    stats: dict[str, int] = field(default_factory=dict)


# -- keys ----------------------------------------------------------------------------------------


def thaw(ep: Endpoint, key: Frozen) -> dict[str, Any]:
    """Key fields (repo form) of an object from its frozen natural key."""
    if len(ep.key) == 1:
        return {ep.key[0]: _thaw_value(ep.field_map[ep.key[0]], key)}
    return {str(k): _thaw_value(ep.field_map[str(k)], v) for k, v in key}


def _thaw_value(f: schema.Field, value: Frozen) -> Any:
    if f.kind is Kind.REF and f.target and isinstance(value, tuple):
        target = schema.REGISTRY[f.target]
        if len(target.key) > 1:
            return thaw(target, value)
    return value


def key_from_text(text: str) -> Frozen:
    return freeze(json.loads(text))


# -- NetBox reads --------------------------------------------------------------------------------


def _get(rest: Rest, path: str, params: Mapping[str, Any]) -> dict[str, Any]:
    resp = rest._send("GET", f"{rest.base}/{path}/", params=dict(params))
    if resp.status_code != 200:
        raise TargetFailed(f"GET {path}: HTTP {resp.status_code}: {resp.text[:300]}")
    body: dict[str, Any] = resp.json()
    return body


def changes_since(rest: Rest, anchor: int) -> list[dict[str, Any]]:
    """Change-log entries after `anchor`, oldest first (Fallback beyond MAX_CHANGES)."""
    out: list[dict[str, Any]] = []
    last = anchor
    fields = "id,changed_object_type,changed_object_id,action"
    while True:
        params = {"id__gt": last, "ordering": "id", "limit": 1000, "fields": fields}
        rows: list[dict[str, Any]] = _get(rest, CHANGES, params)["results"]
        out += rows
        if len(out) > MAX_CHANGES:
            raise Fallback(f"more than {MAX_CHANGES} changes in NetBox since the sync base")
        if len(rows) < 1000:
            return out
        last = rows[-1]["id"]


def object_types(rest: Rest) -> dict[str, str]:
    """app.model -> endpoint name."""
    rows = _get(rest, "core/object-types", {"limit": 1000})["results"]
    out: dict[str, str] = {}
    for r in rows:
        path = str(r.get("rest_api_endpoint") or "").strip("/")
        if path.startswith("api/"):
            out[f"{r['app_label']}.{r['model']}"] = path[4:].replace("/", ".", 1)
    return out


def count(rest: Rest, ep: Endpoint) -> int:
    return int(_get(rest, ep.path, {"limit": 1, "fields": "id"})["count"])


def by_ids(rest: Rest, ep: Endpoint, ids: list[int]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    fields = ",".join(request_fields(ep))
    for i in range(0, len(ids), ID_CHUNK):
        chunk = ids[i : i + ID_CHUNK]
        params: dict[str, Any] = {"id": chunk, "limit": len(chunk), "fields": fields}
        out += _get(rest, ep.path, params)["results"]
    return out


# -- the fast read -------------------------------------------------------------------------------


def _skeleton(base: SyncBase, names: list[str]) -> dict[str, dict[int, Frozen]]:
    """id -> natural key of every object NetBox had at the base (and the pending ones)."""
    out: dict[str, dict[int, Frozen]] = {}
    for name in names:
        if name not in base.objects:
            raise Fallback(f"the sync base does not cover {name}")
        table = {e.id: key_from_text(k) for k, e in base.objects[name].items() if e.id}
        for k, obj_id in (base.pending or {}).get(name, {}).items():
            if obj_id:
                table[obj_id] = key_from_text(k)
        out[name] = table
    return out


def _repo_touched(ds: Dataset, base: SyncBase) -> dict[str, set[Frozen]]:
    out: dict[str, set[Frozen]] = {}
    for name in ds.endpoints:
        rows = base.objects.get(name, {})
        seen: set[str] = set()
        touched: set[Frozen] = set()
        for o in ds.objects[name]:
            kt = key_text(o.key)
            seen.add(kt)
            e = rows.get(kt)
            if e is None or e.repo != content_hash(o.data):
                touched.add(o.key)
        touched |= {key_from_text(k) for k, e in rows.items() if e.repo and k not in seen}
        out[name] = touched
    for name, keys in out.items():
        if keys and (name == "dcim.device-types" or name.endswith("-templates")):
            raise Fallback(f"the repo changed {name} (component defaults of many objects)")
    return out


def read(rest: Rest, ds: Dataset, base: SyncBase) -> FastRead:
    if base.pending is None:
        raise Fallback("the sync base predates fast plan (re-run `sot apply` to record one)")
    if not base.changelog:
        raise Fallback("the sync base has no change-log anchor")
    anchor = int(base.changelog.get("id", 0))
    names = schema.closure(set(ds.endpoints))
    extra = [n for n in names if n not in ds.objects]  # referenced only: read in full
    skel = _skeleton(base, list(ds.endpoints))
    only = _repo_touched(ds, base)
    for ep_name, pend in (base.pending or {}).items():
        only.setdefault(ep_name, set()).update(key_from_text(k) for k in pend)

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        f_anchor = pool.submit(_get, rest, CHANGES, {"id": anchor, "limit": 1, "fields": "id"})
        f_changes = pool.submit(changes_since, rest, anchor)
        f_types = pool.submit(object_types, rest)
        f_counts = {n: pool.submit(count, rest, schema.REGISTRY[n]) for n in ds.endpoints}
        f_extra = {
            n: pool.submit(rest.read, schema.REGISTRY[n], request_fields(schema.REGISTRY[n]))
            for n in extra
        }
        if not f_anchor.result()["results"]:
            raise Fallback(f"NetBox's change log no longer holds the base's anchor #{anchor}")
        types = f_types.result()
        logged: dict[str, set[int]] = {}
        n_changes = 0
        for ch in f_changes.result():
            target = types.get(str(ch.get("changed_object_type")))
            if target is None or target not in names:
                continue
            n_changes += 1
            logged.setdefault(target, set()).add(int(ch["changed_object_id"]))
        for name in extra:
            logged.pop(name, None)  # read in full anyway
        # ids to fetch: touched keys known to the skeleton, plus everything the change log names
        wanted: dict[str, set[int]] = {n: set(logged.get(n, ())) for n in ds.endpoints}
        for name in ds.endpoints:
            ep = schema.REGISTRY[name]
            keys = only.get(name, set())
            if "device" in ep.key:  # components of devices the repo changed
                devices = only.get("dcim.devices", set())
                keys |= {
                    k for k in skel[name].values() if freeze(thaw(ep, k).get("device")) in devices
                }
                keys |= {o.key for o in ds.objects[name] if freeze(o.data.get("device")) in devices}
                only[name] = keys
            wanted[name] |= {i for i, k in skel[name].items() if k in keys}
        f_fetch = {
            n: pool.submit(by_ids, rest, schema.REGISTRY[n], sorted(ids))
            for n, ids in wanted.items()
            if ids
        }
        fetched = {n: f.result() for n, f in f_fetch.items()}
        counts = {n: f.result() for n, f in f_counts.items()}
        extras = {n: f.result() for n, f in f_extra.items()}

    state = LiveState()
    for name in names:
        ep = schema.REGISTRY[name]
        if name in extras:
            _load(state, ep, {r["id"]: r for r in extras[name]}, {})
            continue
        rows = {r["id"]: r for r in fetched.get(name, [])}
        table = {i: k for i, k in skel[name].items() if i not in wanted[name]}
        expected = len(table) + len(rows)
        if counts[name] != expected:
            raise Fallback(
                f"{name}: NetBox holds {counts[name]} objects, the base and the change log "
                f"account for {expected}"
            )
        _load(state, ep, rows, table)
        for i in rows:
            old = skel[name].get(i)
            new = key_of(ep, state.by_id[name][i].data)
            if old is not None and old != new:
                raise Fallback(f"{name} #{i} was renamed in NetBox (references to it changed)")
            only.setdefault(name, set()).add(new)
            if old is not None:
                only[name].add(old)
        for i in wanted[name] - set(rows):  # gone from NetBox: its old key is touched
            if i in skel[name]:
                only.setdefault(name, set()).add(skel[name][i])
    stats = {
        "changes": n_changes,
        "fetched": sum(len(v) for v in fetched.values()),
        "touched": sum(len(v) for v in only.values()),
    }
    log.debug("fast read: %s", stats)
    return FastRead(state, only, stats)


def _load(
    state: LiveState, ep: Endpoint, rows: dict[int, dict[str, Any]], skel: dict[int, Frozen]
) -> None:
    """Place skeleton objects (key fields only) and fetched rows in id order, as a full read."""
    state.objects.setdefault(ep.name, {})
    state.by_id.setdefault(ep.name, {})
    fetched: list[tuple[dict[str, Any], LiveObject]] = []
    for i in sorted(set(rows) | set(skel)):
        if i in rows:
            obj = LiveObject(i, normalise(ep, rows[i], state, skip_self=True))
            fetched.append((rows[i], obj))
            state.add(ep, obj)
            continue
        data = {} if ep.name == "dcim.cables" else thaw(ep, skel[i])  # cables: never referenced
        obj = LiveObject(i, data)
        state.objects[ep.name].setdefault(skel[i], []).append(obj)
        state.by_id[ep.name][i] = obj
    if ep.self_refs:
        for r, obj in fetched:
            full = normalise(ep, r, state)
            for name in ep.self_refs:
                obj.data[name] = full[name]
