"""`sharpeyes sot summary`: the estate's counts (the seed's quantities) from the dataset."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sharpeyes import vocab
from sharpeyes.sot import models as m
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
    # The seed's sites and circuits: the boundary site and its link are counted apart.
    all_sites = ld.of("dcim.sites", m.Site)
    sites = [s for s in all_sites if s.model.group != vocab.GROUP_BOUNDARY]
    groups = Counter(s.model.group for s in sites)
    locations = [
        loc.model
        for loc in ld.of("dcim.locations", m.Location)
        if loc.model.custom_fields.get(vocab.CF_POINT_CODE)
    ]
    kits = Counter(loc.custom_fields.get(vocab.CF_BOX_KIT) for loc in locations)
    devices = [d.model for d in ld.of("dcim.devices", m.Device)]
    roles = Counter(d.role for d in devices)
    inv_roles = Counter(i.model.role for i in ld.of("dcim.inventory-items", m.InventoryItem))
    server_names = {d.name for d in devices if d.role == vocab.SERVER_ROLE}
    data_disks = sum(
        1
        for i in ld.of("dcim.inventory-items", m.InventoryItem)
        if i.model.role == vocab.DATA_DISK_ROLE and i.model.device in server_names
    )
    all_circuits = ld.of("circuits.circuits", m.Circuit)
    circuits = [c for c in all_circuits if c.model.type != vocab.BOUNDARY_LINK]
    counts = {
        "sites": len(sites),
        "police_stations": groups[vocab.GROUP_POLICE],
        "checkpoints": groups[vocab.GROUP_CHECKPOINTS],
        "traffic_squadrons": groups[vocab.GROUP_TRAFFIC],
        "points": len(locations),
        "new_boxes": kits[vocab.BOX_NEW],
        "lock_cores": kits[vocab.BOX_LOCK_CORE],
        "signs": sum(1 for loc in locations if loc.custom_fields.get(vocab.CF_HAS_SIGN) is True),
        "cameras": sum(roles[r] for r in vocab.CAMERA_ROLE_SLUGS),
        "switches": roles[vocab.SWITCH_ROLE],
        "servers": roles[vocab.SERVER_ROLE],
        "data_disks": data_disks,
        "circuits": len(circuits),
        "splice_screens": roles[vocab.SPLICE_ROLE],
    }
    camera_sites = {d.site for d in devices if d.role in vocab.CAMERA_ROLE_SLUGS}
    prefixes: dict[str, list[str]] = {}
    for p in ld.of("ipam.prefixes", m.Prefix):
        pm = p.model
        if pm.role == vocab.PREFIX_CAMERAS and pm.scope_type == "dcim.site" and pm.scope:
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
        circuit_types=Counter(c.model.type for c in all_circuits),
    )


def summary(data_dir: Path) -> Summary:
    """Load the dataset (layout and schema problems are fatal) and summarise it."""
    return summarise(load(data_dir))
