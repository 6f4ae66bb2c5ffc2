"""Pull live NetBox back into the repo's YAML so UI edits can be reviewed with `git diff`.

Every live object of the endpoints the dataset covers is written (a camera added in the UI
appears), except template-created components that differ from nothing. Objects already in the repo
stay in their file and keep the fields the repo states when NetBox agrees (so `status: active`
written by hand survives); other fields are written only when they differ from their default.
New objects go to `<app>.<endpoint>.yml` next to the endpoint's first file. Apply then export is
byte-identical for canonical files.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sharpeyes.sot import schema
from sharpeyes.sot.dataset import Dataset, dump_file, freeze, key_of
from sharpeyes.sot.live import LiveState
from sharpeyes.sot.plan import Templates, generic_value, same
from sharpeyes.sot.schema import REQUIRED, Endpoint, Kind

log = logging.getLogger(__name__)


def _field_out(
    ep: Endpoint, live: dict[str, Any], repo: dict[str, Any] | None, tmpl: dict[str, Any] | None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in ep.fields:
        have = live.get(f.name)
        if f.kind is Kind.GENERIC:
            h = generic_value(f, live)
            if repo is not None and f.name in repo and freeze(generic_value(f, repo)) == freeze(h):
                if f.type_field in repo:
                    out[f.type_field or ""] = repo[f.type_field or ""]
                out[f.name] = repo[f.name]
            elif have is not None:
                if f.type_field in live:
                    out[f.type_field or ""] = live[f.type_field or ""]
                out[f.name] = have
            continue
        default = tmpl[f.name] if tmpl is not None and f.name in tmpl else f.default
        if (
            repo is not None
            and f.name in repo
            and (f.kind is Kind.TERMS or same(f, repo[f.name], have))
        ):
            out[f.name] = repo[f.name]  # the repo's own spelling of an unchanged value
        elif f.name in ep.key or default is REQUIRED or not same(f, default, have):
            out[f.name] = have
    return out


def export(ds: Dataset, state: LiveState, data_dir: Path) -> list[Path]:
    """Rewrite the dataset files of `ds` from `state`; returns the files that changed."""
    templates = Templates(ds, state)
    changed: list[Path] = []
    for name in ds.endpoints:
        ep = schema.REGISTRY[name]
        repo = {o.key: o for o in ds.objects[name]}
        files: dict[Path, list[dict[str, Any]]] = {p: [] for p in ds.files.get(name, [])}
        default_file = _default_file(ep, ds, data_dir)
        for lives in state.objects.get(name, {}).values():
            for live in lives[:1]:
                if live.id is None:
                    continue
                key = key_of(ep, live.data)
                mine = repo.get(key)
                tmpl = templates.defaults(ep, live.data)
                obj = _field_out(ep, live.data, mine.data if mine else None, tmpl)
                if mine is None and tmpl is not None and set(obj) <= set(ep.key):
                    continue  # an untouched template-created component
                dest = mine.source if mine and mine.source else default_file
                files.setdefault(dest, []).append(obj)
        for path, objs in sorted(files.items()):
            if dump_file(path, name, objs):
                changed.append(path)
                log.info("wrote %s (%d objects)", path, len(objs))
    return changed


def _default_file(ep: Endpoint, ds: Dataset, data_dir: Path) -> Path:
    paths = ds.files.get(ep.name) or []
    folder = paths[0].parent if paths else data_dir
    return folder / f"{ep.name}.yml"
