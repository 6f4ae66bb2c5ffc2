"""Expand the compact spec (`netbox/spec/qingxin.yml`) into the dataset (`netbox/custom`,
`netbox/estate`), deterministically: same spec, same bytes. Run: `sharpeyes sot generate [--check]`.

The spec is the bootstrap; after that the data may also be edited in NetBox and exported, in
which case the spec goes stale and `--check` reports drift (see netbox/README.md).

Modules by concern: `catalogue` (tags, custom fields, roles, policy: data), `custom` (the
customisation section), `sites` (organisation, site scaffolding), `datacentre` (servers, disks,
platform config context), `stations` (points, switches, cameras, display walls), `links`
(circuits), `context` (the run's shared state), `files` (write, drift).
"""

from __future__ import annotations

import ipaddress
import time
from pathlib import Path
from typing import Any

from sharpeyes.paths import netbox_data_dir
from sharpeyes.sot.dataset import dumps
from sharpeyes.sot.generate import custom, datacentre, sites, stations
from sharpeyes.sot.generate.context import Context
from sharpeyes.sot.generate.files import DatasetDriftError, drift, write
from sharpeyes.sot.records import natural_key
from sharpeyes.sot.spec import Spec, load_spec

__all__ = ["DatasetDriftError", "default_spec", "drift", "generate", "run", "write"]


def generate(spec: Spec) -> dict[str, str]:
    """Relative path (`estate/dcim.sites.yml`) -> file text."""
    ctx = Context(spec)
    custom.build(ctx)
    # The order below fixes GB id serials, addresses and random draws: keep it.
    sites.organisation(ctx)
    datacentre.build(ctx)
    for k, site in enumerate(spec.sites, start=1):
        stations.build(ctx, k, site)
    stations.box_kits_and_signs(ctx)
    datacentre.config_context(ctx)
    out: dict[str, str] = {}
    for rel, objects in sorted(ctx.out.files.items()):
        endpoint = rel.split("/", 1)[1].removesuffix(".yml")
        ordered = sorted(objects, key=lambda o, e=endpoint: _sort_key(e, o))  # type: ignore[misc]
        out[rel] = dumps(endpoint, ordered)
    return out


def _sort_key(endpoint: str, obj: dict[str, Any]) -> Any:
    """Natural key (names are zero-padded, so string order is natural order)."""
    if endpoint == "dcim.cables":
        ends = sorted(repr(t) for t in obj["a_terminations"] + obj["b_terminations"])
        return tuple(ends)
    if endpoint == "circuits.circuit-terminations":
        return (obj["circuit"]["provider"], obj["circuit"]["cid"], obj["term_side"])
    if endpoint == "circuits.circuits":
        return (obj["provider"], obj["cid"])
    if endpoint in ("ipam.prefixes", "ipam.ip-addresses", "ipam.aggregates"):
        key = obj.get("prefix") or obj["address"]
        return (obj.get("vrf") or "", ipaddress.IPv4Interface(key))
    if endpoint == "ipam.vlans":
        return (obj["group"], obj["vid"])
    if endpoint in ("dcim.interfaces", "dcim.inventory-items"):
        return (obj["device"], natural_key(obj["name"]))
    if endpoint == "dcim.interface-templates":
        return (obj["device_type"], natural_key(obj["name"]))
    if endpoint == "dcim.regions":
        return ()  # parents first: keep insertion order (stable sort)
    return (natural_key(obj.get("slug") or obj.get("name") or ""),)


def default_spec(data_dir: Path) -> Path:
    return data_dir / "spec" / "qingxin.yml"


def run(
    data_dir: Path | None = None, spec_path: Path | None = None, *, check: bool = False
) -> tuple[dict[str, str], list[str], float]:
    """Generate; with `check`, raise DatasetDriftError listing differing files instead of writing.

    Returns (files, changed paths, seconds).
    """
    data_dir = data_dir or netbox_data_dir()
    spec_path = spec_path or default_spec(data_dir)
    started = time.perf_counter()
    files = generate(load_spec(spec_path))
    if check:
        problems = drift(data_dir, files)
        if problems:
            raise DatasetDriftError(
                "dataset drifted from the spec:\n" + "\n".join(problems),
                hint="run `sharpeyes sot generate` (spec is the truth) or update the spec "
                "(NetBox/export is the truth)",
            )
        return files, [], time.perf_counter() - started
    changed = write(data_dir, files)
    return files, changed, time.perf_counter() - started
