"""The sync base: what repo and NetBox last agreed on, kept IN NetBox (docs/decisions/0003).

Stored as the `parameters` of a disabled, unshared saved filter (slug `sharpeyes-sync-base`, an
endpoint the dataset never covers, inert in the UI): a format number, a random instance id
written once, the change-log anchor (newest object-change id, its request id and time when the base
was taken), the repo commit (informational) and the per-object entries (natural key -> repo hash,
live hash, NetBox id) as zlib-compressed, base64 JSON. Written only after a successful apply or
export, so a killed run leaves the previous base.

A base is usable when it parses and its change-log anchor exists in this NetBox with the same
request id (a base copied from another NetBox names a change this one does not have).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import subprocess
import uuid
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sharpeyes.errors import TargetFailed
from sharpeyes.sot.dataset import Dataset, Frozen
from sharpeyes.sot.live import LiveState, Rest
from sharpeyes.sot.threeway import BaseEntry

log = logging.getLogger(__name__)

FORMAT = 1
SLUG = "sharpeyes-sync-base"
PATH = "extras/saved-filters"
CHANGES = "core/object-changes"
HASH_CHARS = 16


# -- content hashes ------------------------------------------------------------------------------


def content_hash(data: Mapping[str, Any]) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:HASH_CHARS]


def key_text(key: Frozen) -> str:
    return json.dumps(key, ensure_ascii=False, default=str)


def entries_from(
    ds: Dataset, state: LiveState, carry: Mapping[str, Mapping[str, BaseEntry | None]] | None = None
) -> dict[str, dict[str, BaseEntry]]:
    """Base entries of every repo object and every live object of the dataset's endpoints.

    carry: entries that override the fresh ones: the old entry (an object changed in NetBox and
    not yet exported keeps its old base, so it stays reported) or None (left out of the base).
    """
    out: dict[str, dict[str, BaseEntry]] = {}
    for name in ds.endpoints:
        table: dict[str, BaseEntry] = {}
        repo = {key_text(o.key): content_hash(o.data) for o in ds.objects[name]}
        live: dict[str, tuple[str, int]] = {}
        for key, objs in state.objects.get(name, {}).items():
            if objs and objs[0].id is not None:
                live[key_text(key)] = (content_hash(objs[0].data), int(objs[0].id))
        for k in sorted(set(repo) | set(live)):
            lh, lid = live.get(k, ("", 0))
            table[k] = BaseEntry(repo.get(k, ""), lh, lid)
        for k, entry in (carry or {}).get(name, {}).items():
            if entry is None:
                table.pop(k, None)
            else:
                table[k] = entry
        out[name] = table
    return out


def pending_from(
    state: LiveState, carry: Mapping[str, Mapping[str, BaseEntry | None]] | None
) -> dict[str, dict[str, int]]:
    """The carried (unsettled) objects with their live ids (0: not in NetBox)."""
    out: dict[str, dict[str, int]] = {}
    for name, rows in (carry or {}).items():
        index = {key_text(k): objs for k, objs in state.objects.get(name, {}).items() if objs}
        for k in rows:
            objs = index.get(k)
            out.setdefault(name, {})[k] = int(objs[0].id or 0) if objs else 0
    return out


# -- the record ----------------------------------------------------------------------------------


@dataclass
class SyncBase:
    instance: str
    changelog: dict[str, Any] | None  # {"id", "request_id", "time"} of the newest change, or None
    repo: dict[str, Any]  # {"commit", "dirty"}: informational
    written_by: str
    objects: dict[str, dict[str, BaseEntry]] = field(default_factory=dict)
    # objects the base left unsettled (kept NetBox-side changes, conflicts): natural key -> id;
    # a fast plan always re-reads them. None: a base written before fast plan existed.
    pending: dict[str, dict[str, int]] | None = None

    def entry(self, endpoint: str, key: Frozen) -> BaseEntry | None:
        return self.objects.get(endpoint, {}).get(key_text(key))

    def encode(self) -> dict[str, Any]:
        table = {
            ep: {k: [e.repo, e.live, e.id] for k, e in rows.items()}
            for ep, rows in self.objects.items()
        }
        raw = json.dumps(table, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        blob = base64.b64encode(zlib.compress(raw.encode(), 9)).decode()
        return {
            "format": FORMAT,
            "instance": self.instance,
            "changelog": self.changelog,
            "repo": self.repo,
            "written_by": self.written_by,
            "objects": blob,
            "pending": self.pending or {},
        }


class BaseInvalid(ValueError):
    """The stored base cannot be used (corrupt, another format, another NetBox)."""


def decode(params: Any) -> SyncBase:
    if not isinstance(params, dict):
        raise BaseInvalid("the stored base is not a JSON object")
    if params.get("format") != FORMAT:
        raise BaseInvalid(f"the stored base has format {params.get('format')!r}, not {FORMAT}")
    try:
        raw = zlib.decompress(base64.b64decode(str(params["objects"]), validate=True))
        table = json.loads(raw)
        objects = {
            str(ep): {str(k): BaseEntry(str(v[0]), str(v[1]), int(v[2])) for k, v in rows.items()}
            for ep, rows in table.items()
        }
        instance = str(params["instance"])
        changelog = params.get("changelog")
        if changelog is not None and not isinstance(changelog, dict):
            raise TypeError("changelog")
        raw_pending = params.get("pending")
        pending = (
            None
            if raw_pending is None
            else {
                str(ep): {str(k): int(v) for k, v in rows.items()}
                for ep, rows in raw_pending.items()
            }
        )
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, zlib.error) as exc:
        raise BaseInvalid(f"the stored base is corrupt ({type(exc).__name__}: {exc})") from exc
    return SyncBase(
        instance,
        changelog,
        dict(params.get("repo") or {}),
        str(params.get("written_by", "")),
        objects,
        pending,
    )


# -- NetBox I/O ----------------------------------------------------------------------------------


def _get(rest: Rest, path: str, params: Mapping[str, Any]) -> dict[str, Any]:
    url = f"{rest.base}/{path}/"
    resp = rest._send("GET", url, params=dict(params))
    if resp.status_code != 200:
        raise TargetFailed(f"GET {path}: HTTP {resp.status_code}: {resp.text[:300]}")
    body: dict[str, Any] = resp.json()
    return body


def _marker(rest: Rest) -> dict[str, Any] | None:
    rows = _get(rest, PATH, {"slug": SLUG, "limit": 1})["results"]
    return rows[0] if rows else None


def newest_change(rest: Rest) -> dict[str, Any] | None:
    rows = _get(rest, CHANGES, {"ordering": "-id", "limit": 1})["results"]
    if not rows:
        return None
    r = rows[0]
    return {"id": r["id"], "request_id": r.get("request_id"), "time": r.get("time")}


@dataclass
class Loaded:
    """The base read from NetBox: `base` when usable, else why not (status and detail)."""

    status: str  # ok | missing | corrupt | foreign
    detail: str = ""
    base: SyncBase | None = None
    instance: str | None = None  # the marker's instance id, kept when the base is rewritten

    @property
    def usable(self) -> bool:
        return self.base is not None


def load(rest: Rest) -> Loaded:
    marker = _marker(rest)
    if marker is None:
        return Loaded("missing", "no sync base in NetBox (first apply, or a NetBox from elsewhere)")
    params = marker.get("parameters")
    instance = params.get("instance") if isinstance(params, dict) else None
    try:
        base = decode(params)
    except BaseInvalid as exc:
        return Loaded("corrupt", str(exc), None, instance if isinstance(instance, str) else None)
    anchor = base.changelog
    if anchor is not None:
        rows = _get(rest, CHANGES, {"id": anchor.get("id"), "limit": 1})["results"]
        if not rows or rows[0].get("request_id") != anchor.get("request_id"):
            newest = newest_change(rest)
            pruned = rows == [] and newest is not None and newest["id"] > int(anchor.get("id", 0))
            if not pruned:
                return Loaded(
                    "foreign",
                    f"the stored base (instance {base.instance}) names change-log entry "
                    f"#{anchor.get('id')} that this NetBox does not have: it belongs to another "
                    "NetBox",
                    None,
                    None,  # a new instance id for this NetBox
                )
            log.info("the base's change-log anchor was pruned (retention); using the base")
    return Loaded("ok", "", base, base.instance)


def repo_state(data_dir: Path) -> dict[str, Any]:
    """The repo commit and whether the dataset has uncommitted changes (informational)."""

    def git(*args: str) -> str | None:
        try:
            res = subprocess.run(
                ["git", "-C", str(data_dir), *args],
                capture_output=True,
                text=True,
                check=False,
                timeout=30,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return res.stdout.strip() if res.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--", ".")
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def save(  # noqa: PLR0917
    rest: Rest,
    entries: dict[str, dict[str, BaseEntry]],
    anchor: dict[str, Any] | None,
    data_dir: Path,
    written_by: str,
    pending: dict[str, dict[str, int]] | None = None,
) -> SyncBase:
    """Write the base (creating the marker on first use). `anchor`: newest change before the run's
    own marker write (taken by the caller after its last data write)."""
    marker = _marker(rest)
    instance: str | None = None
    if marker is not None and isinstance(marker.get("parameters"), dict):
        old = marker["parameters"].get("instance")
        instance = old if isinstance(old, str) and old else None
    base = SyncBase(
        instance or uuid.uuid4().hex,
        anchor,
        repo_state(data_dir),
        written_by,
        entries,
        pending or {},
    )
    body = {
        "name": "sharpeyes sync base",
        "slug": SLUG,
        "description": "Written by `sharpeyes sot apply|export`: do not edit (docs/decisions/0003)",
        "object_types": ["dcim.device"],
        "enabled": False,
        "shared": False,
        "parameters": base.encode(),
    }
    url = f"{rest.base}/{PATH}/"
    rest.writes += 1
    if marker is None:
        resp = rest._send("POST", url, json=body, timeout=120)
    else:
        resp = rest._send("PATCH", f"{url}{marker['id']}/", json=body, timeout=120)
    if resp.status_code not in (200, 201):
        raise TargetFailed(
            f"writing the sync base: HTTP {resp.status_code}: {resp.text[:300]}",
            hint="NetBox was written; re-run `sot apply` (a no-op) to record the base",
        )
    log.info("sync base written (%s)", written_by)
    return base


# -- change log ----------------------------------------------------------------------------------


class ChangeLog:
    """Who/when of an object's latest change (cached object types: endpoint -> app.model)."""

    def __init__(self, rest: Rest) -> None:
        self.rest = rest
        self._types: dict[str, str] | None = None

    def object_type(self, endpoint: str) -> str | None:
        if self._types is None:
            rows = _get(self.rest, "core/object-types", {"limit": 1000})["results"]
            self._types = {}
            for r in rows:
                path = str(r.get("rest_api_endpoint") or "").strip("/")
                if path.startswith("api/"):
                    self._types[path[4:].replace("/", ".", 1)] = f"{r['app_label']}.{r['model']}"
        return self._types.get(endpoint)

    def last(self, endpoint: str, obj_id: int, action: str | None = None) -> str:
        """'created by admin at 2026-…' for the newest change of the object, or 'unknown'."""
        otype = self.object_type(endpoint)
        if otype is None or not obj_id:
            return "who/when unknown"
        params: dict[str, Any] = {
            "changed_object_type": otype,
            "changed_object_id": obj_id,
            "ordering": "-id",
            "limit": 1,
        }
        if action:
            params["action"] = action
        rows = _get(self.rest, CHANGES, params)["results"]
        if not rows:
            return "not in the change log"
        r = rows[0]
        act = r.get("action")
        value = str(act.get("value") if isinstance(act, dict) else act)
        verb = {"create": "created", "update": "updated", "delete": "deleted"}.get(value, "changed")
        return f"{verb} by {r.get('user_name') or '?'} at {str(r.get('time', '?'))[:19]}"
