"""`sharpeyes sot summary`: the estate's counts (the seed's quantities) from the dataset."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sharpeyes.sot import models as m
from sharpeyes.sot import seedcounts
from sharpeyes.sot.loader import Loaded, load

KEYS = (
    "sites",
    "police_stations",
    "checkpoints",
    "traffic_squadrons",
    "points",
    "new_boxes",
    "lock_cores",
    "signs",
    "cameras",
    "switches",
    "servers",
    "data_disks",
    "circuits",
    "splice_screens",
)


@dataclass
class Summary:
    counts: dict[str, int]
    stations: list[dict[str, Any]]
    device_roles: Counter[str] = field(default_factory=Counter)
    inventory_roles: Counter[str | None] = field(default_factory=Counter)
    circuit_types: Counter[str] = field(default_factory=Counter)

    def as_json(self) -> dict[str, Any]:
        return {**{k: self.counts[k] for k in KEYS}, "stations": self.stations}


def summarise(ld: Loaded) -> Summary:
    sites = ld.of("dcim.sites", m.Site)
    groups = Counter(s.model.group for s in sites)
    locations = [
        loc.model
        for loc in ld.of("dcim.locations", m.Location)
        if loc.model.custom_fields.get("point_code")
    ]
    kits = Counter(loc.custom_fields.get("box_kit") for loc in locations)
    devices = [d.model for d in ld.of("dcim.devices", m.Device)]
    roles = Counter(d.role for d in devices)
    inv_roles = Counter(i.model.role for i in ld.of("dcim.inventory-items", m.InventoryItem))
    server_names = {d.name for d in devices if d.role == seedcounts.SERVER_ROLE}
    data_disks = sum(
        1
        for i in ld.of("dcim.inventory-items", m.InventoryItem)
        if i.model.role == seedcounts.DATA_DISK_ROLE and i.model.device in server_names
    )
    circuits = ld.of("circuits.circuits", m.Circuit)
    counts = {
        "sites": len(sites),
        "police_stations": groups[seedcounts.GROUP_POLICE],
        "checkpoints": groups[seedcounts.GROUP_CHECKPOINTS],
        "traffic_squadrons": groups[seedcounts.GROUP_TRAFFIC],
        "points": len(locations),
        "new_boxes": kits["new_box"],
        "lock_cores": kits["lock_core"],
        "signs": sum(1 for loc in locations if loc.custom_fields.get("has_sign") is True),
        "cameras": sum(roles[r] for r in seedcounts.CAMERA_ROLE_TYPES),
        "switches": roles[seedcounts.SWITCH_ROLE],
        "servers": roles[seedcounts.SERVER_ROLE],
        "data_disks": data_disks,
        "circuits": len(circuits),
        "splice_screens": roles[seedcounts.SPLICE_ROLE],
    }
    camera_sites = {d.site for d in devices if d.role in seedcounts.CAMERA_ROLE_TYPES}
    prefixes: dict[str, list[str]] = {}
    for p in ld.of("ipam.prefixes", m.Prefix):
        pm = p.model
        if pm.role == seedcounts.CAMERA_PREFIX_ROLE and pm.scope_type == "dcim.site" and pm.scope:
            prefixes.setdefault(pm.scope, []).append(str(pm.prefix))
    stations = [
        {
            "name": s.model.name,
            "slug": s.model.slug,
            "camera_prefixes": sorted(prefixes.get(s.model.slug, [])),
        }
        for s in sorted(sites, key=lambda s: s.model.slug)
        if s.model.slug in camera_sites
    ]
    return Summary(
        counts,
        stations,
        device_roles=roles,
        inventory_roles=inv_roles,
        circuit_types=Counter(c.model.type for c in circuits),
    )


def summary(data_dir: Path) -> Summary:
    """Load the dataset (layout and schema problems are fatal) and summarise it."""
    return summarise(load(data_dir))
