"""Live NetBox state over raw REST: fast paginated reads, bulk writes, repo-form normalisation.

Reads ask only for the fields the schema manages (`?fields=`, NetBox >= 4.0) with cursor
pagination (`?start=`, 1000 a page) and fetch several endpoints in parallel. Every live object is
normalised into the repo's form (references as natural keys) so plan and export compare like with
like.
"""

from __future__ import annotations

import html
import logging
import re
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests

from sharpeyes import vocab
from sharpeyes.errors import DependencyUnavailable, TargetFailed
from sharpeyes.sot import schema
from sharpeyes.sot.client import authorization
from sharpeyes.sot.dataset import Frozen, canon_object, freeze, generic_target, key_of, ref_form
from sharpeyes.sot.schema import Endpoint, Kind

log = logging.getLogger(__name__)

PAGE = 1000
READ_WORKERS = 3
WRITE_TIMEOUT = 900.0  # a bulk POST of devices instantiates their components: minutes at worst


class Rest:
    """Thin REST client over the pynetbox client's session (auth, timeout, TLS)."""

    def __init__(self, api: Any) -> None:
        self.base = str(api.base_url).rstrip("/")
        self.http: requests.Session = api.http_session
        self.headers = {
            "Authorization": authorization(str(api.token)),
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        self.writes = 0  # write requests sent (a no-op plan/apply must leave this at 0)

    def _url(self, ep: Endpoint) -> str:
        return f"{self.base}/{ep.path}/"

    def _send(self, method: str, url: str, **kw: Any) -> requests.Response:
        try:
            return self.http.request(method, url, headers=self.headers, **kw)
        except requests.RequestException as exc:
            raise DependencyUnavailable(
                f"NetBox request {method} {url} failed: {type(exc).__name__}: {exc}",
                hint="is NetBox running? a re-run of `sharpeyes sot apply` converges",
            ) from exc

    def read(self, ep: Endpoint, fields: Iterable[str]) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"limit": PAGE, "start": 0, "fields": ",".join(fields)}
        out: list[dict[str, Any]] = []
        while True:
            resp = self._send("GET", self._url(ep), params=params)
            if resp.status_code != 200:
                raise TargetFailed(f"GET {ep.name}: HTTP {resp.status_code}: {resp.text[:500]}")
            results: list[dict[str, Any]] = resp.json()["results"]
            out += results
            if len(results) < PAGE:
                return out
            params["start"] = results[-1]["id"] + 1

    def write(
        self, method: str, ep: Endpoint, body: list[dict[str, Any]], labels: list[str]
    ) -> list[dict[str, Any]]:
        """One bulk write; raises TargetFailed naming endpoint, object key and NetBox's body."""
        self.writes += 1
        t0 = time.monotonic()
        resp = self._send(method, self._url(ep), json=body, timeout=WRITE_TIMEOUT)
        log.debug("%s %s x%d: %.2f s", method, ep.name, len(body), time.monotonic() - t0)
        if resp.status_code in (200, 201, 204):
            rows: list[dict[str, Any]] = resp.json() if resp.content else []
            return rows
        raise TargetFailed(_write_error(method, ep, resp, labels), hint=_hint(resp))

    def delete_ids(self, ep: Endpoint, ids: list[int]) -> None:
        """Bulk delete; objects already gone (cascade, concurrent edit) are not an error."""
        self.writes += 1
        body = [{"id": i} for i in ids]
        resp = self._send("DELETE", self._url(ep), json=body, timeout=WRITE_TIMEOUT)
        if resp.status_code in (200, 204):
            return
        if resp.status_code == 404 or (resp.status_code == 400 and "not found" in resp.text):
            present = {o["id"] for o in self.read(ep, ["id"])}
            left = [i for i in ids if i in present]
            if left:
                self.delete_ids(ep, left)
            return
        raise TargetFailed(_write_error("DELETE", ep, resp, [str(i) for i in ids]))


def _write_error(method: str, ep: Endpoint, resp: requests.Response, labels: list[str]) -> str:
    try:
        body: Any = resp.json()
    except ValueError:
        body = _html_error(resp.text)
    if isinstance(body, dict) and isinstance(body.get("errors"), list):  # NetBox >= 4.x bulk
        for err in body["errors"]:
            index = err.get("index") if isinstance(err, dict) else None
            if isinstance(index, int) and 0 <= index < len(labels):
                detail = err.get("errors", err)
                more = len(body["errors"]) - 1
                tail = f" (+{more} more in the batch)" if more else ""
                return (
                    f"{method} {ep.name} {labels[index]}: HTTP {resp.status_code}: {detail}{tail}"
                )
    if isinstance(body, list):  # older NetBox: errors aligned with the request objects
        for label, err in zip(labels, body, strict=False):
            if err:
                return f"{method} {ep.name} {label}: HTTP {resp.status_code}: {err}"
    first = labels[0] if len(labels) == 1 else f"{labels[0]} (+{len(labels) - 1} in the batch)"
    return f"{method} {ep.name} {first}: HTTP {resp.status_code}: {body}"


def _html_error(text: str) -> str:
    """The exception NetBox's HTML 500 page shows, else the start of the body."""
    m = re.search(r'<pre class="block"><strong>(.*?)</strong><br />\s*(.*?)\n', text, re.S)
    if m:
        return html.unescape(f"{m.group(1)}: {m.group(2)}".strip())
    return text[:500]


def _hint(resp: requests.Response) -> str | None:
    if resp.status_code in (401, 403):
        return "the token lacks write permission"
    return "fix the dataset or NetBox, then re-run: apply converges from the live state"


# -- live state ----------------------------------------------------------------------------------


@dataclass
class LiveObject:
    id: int | None  # None: predicted (a component a planned device will get from its type)
    data: dict[str, Any]  # repo form, every managed field present

    @property
    def managed(self) -> bool:
        return vocab.MANAGED_TAG in (self.data.get("tags") or [])


@dataclass
class LiveState:
    objects: dict[str, dict[Frozen, list[LiveObject]]] = field(default_factory=dict)
    by_id: dict[str, dict[int, LiveObject]] = field(default_factory=dict)

    def add(self, ep: Endpoint, obj: LiveObject) -> None:
        self.objects.setdefault(ep.name, {}).setdefault(key_of(ep, obj.data), []).append(obj)
        if obj.id is not None:
            self.by_id.setdefault(ep.name, {})[obj.id] = obj

    def remove(self, ep: Endpoint, obj: LiveObject) -> None:
        bucket = self.objects.get(ep.name, {}).get(key_of(ep, obj.data), [])
        if obj in bucket:
            bucket.remove(obj)
        if obj.id is not None:
            self.by_id.get(ep.name, {}).pop(obj.id, None)

    def get(self, ep_name: str, key: Frozen) -> LiveObject | None:
        objs = self.objects.get(ep_name, {}).get(key)
        return objs[0] if objs else None

    def id_of(self, ep_name: str, key: Frozen) -> int | None:
        obj = self.get(ep_name, key)
        return obj.id if obj else None

    def key_form(self, ep_name: str, obj_id: int | None) -> Any:
        """Repo form of a reference to object `obj_id` of `ep_name` (its natural key)."""
        if obj_id is None:
            return None
        obj = self.by_id.get(ep_name, {}).get(obj_id)
        if obj is None:
            return f"#{obj_id}"  # outside what we read: keep visible, never equal to real data
        ep = schema.REGISTRY[ep_name]
        if len(ep.key) == 1:
            return obj.data.get(ep.key[0])
        return ref_form(ep_name, {k: obj.data.get(k) for k in ep.key})


def request_fields(ep: Endpoint) -> list[str]:
    out = ["id"]
    for f in ep.fields:
        if f.kind is Kind.GENERIC:
            out += [f.type_field or "", f.id_field or ""]
        else:
            out.append(f.name)
    return out


def _choice(value: Any) -> Any:
    if isinstance(value, Mapping) and set(value) == {"value", "label"}:
        return value["value"]
    return value


def _nested_id(value: Any) -> int | None:
    if isinstance(value, Mapping):
        return value.get("id")
    return value if isinstance(value, int) else None


def term_repo_form(state: LiveState, term: Mapping[str, Any]) -> dict[str, Any]:
    otype, oid = term.get("object_type"), term.get("object_id")
    for name, (t, target) in schema.CABLE_TERMINATIONS.items():
        if t == otype:
            k = state.key_form(target, oid)
            if not isinstance(k, Mapping):
                return {name: k}
            if name == "circuit":
                return {"circuit": k.get("circuit"), "term_side": k.get("term_side")}
            return {"device": k.get("device"), name: k.get("name")}
    return {"object_type": otype, "object_id": oid}


def normalise(
    ep: Endpoint, raw: Mapping[str, Any], state: LiveState, skip_self: bool = False
) -> dict[str, Any]:
    """Repo form of one live object (REST read representation)."""
    data: dict[str, Any] = {}
    for f in ep.fields:
        if skip_self and f.name in ep.self_refs:
            data[f.name] = None
            continue
        if f.kind is Kind.GENERIC:
            otype = raw.get(f.type_field or "")
            target = generic_target(f, raw)
            value = state.key_form(target, raw.get(f.id_field or "")) if target else None
            if otype and otype != f.implied_type:
                data[f.type_field or ""] = otype
            data[f.name] = value
            continue
        v = raw.get(f.name)
        match f.kind:
            case Kind.REF:
                data[f.name] = state.key_form(f.target or "", _nested_id(v))
            case Kind.REFS:
                data[f.name] = [state.key_form(f.target or "", _nested_id(x)) for x in v or []]
            case Kind.PRIMARY_IP:
                data[f.name] = v.get("address") if isinstance(v, Mapping) else None
            case Kind.CUSTOM:
                data[f.name] = {k: x for k, x in (v or {}).items() if x is not None}
            case Kind.TERMS:
                data[f.name] = [term_repo_form(state, t) for t in v or []]
            case Kind.DECIMAL:
                data[f.name] = None if v is None else round(float(v), f.places or 0)
            case _:
                data[f.name] = _choice(v)
    return canon_object(ep, data)


def fetch(rest: Rest, endpoints: Iterable[str], workers: int = READ_WORKERS) -> LiveState:
    """Read `endpoints` plus every endpoint they reference; normalise in dependency order."""
    names = schema.closure(set(endpoints))
    eps = [schema.REGISTRY[n] for n in names]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        raws = list(pool.map(lambda ep: rest.read(ep, request_fields(ep)), eps))
    state = LiveState()
    for ep, raw in zip(eps, raws, strict=True):
        load_endpoint(state, ep, raw)
    return state


def load_endpoint(state: LiveState, ep: Endpoint, raw: list[dict[str, Any]]) -> None:
    """(Re)place `ep`'s objects in `state` from its REST representation."""
    state.objects[ep.name] = {}
    state.by_id[ep.name] = {}
    first = [(r, LiveObject(r["id"], normalise(ep, r, state, skip_self=True))) for r in raw]
    for _, obj in first:
        state.add(ep, obj)
    if ep.self_refs:  # second pass: references to objects of the same endpoint
        for r, obj in first:
            full = normalise(ep, r, state)
            for name in ep.self_refs:
                obj.data[name] = full[name]
    log.debug("live %s: %d objects", ep.name, len(raw))


def refetch(rest: Rest, state: LiveState, ep_name: str) -> None:
    ep = schema.REGISTRY[ep_name]
    load_endpoint(state, ep, rest.read(ep, request_fields(ep)))


def frozen_equal(a: Any, b: Any) -> bool:
    return bool(freeze(a) == freeze(b))
