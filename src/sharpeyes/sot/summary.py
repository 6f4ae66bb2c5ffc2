"""`sharpeyes sot summary`: the estate's counts (the seed's quantities) from the dataset, and
the storage arithmetic (capacity after RAID against the retention the cameras need)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sharpeyes import vocab
from sharpeyes.sot import models as m
from sharpeyes.sot import physics
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
    storage: physics.StorageFigures | None = None

    def as_json(self) -> dict[str, Any]:
        out = {**{k: self.counts[k] for k in KEYS}, "stations": self.stations}
        if self.storage is not None:
            out["storage"] = self.storage.as_json()
        return out

    def storage_rows(self) -> list[tuple[str, str]]:
        """The retention arithmetic, line by line (what `sot summary` prints)."""
        fig = self.storage
        if fig is None:
            return []
        rows = [
            ("data disks", f"{fig.data_disks} in {fig.servers} servers, {fig.raw_tb:,.0f} TB raw"),
            ("after RAID", f"{fig.capacity_tb:,.0f} TB"),
            ("usable", f"{fig.usable_tb:,.0f} TB at {fig.max_fill:.0%} fill"),
        ]
        for c in fig.classes:
            rows.append(
                (
                    f"{c.name} ({c.cameras} cameras)",
                    f"{c.ingest_tb_day:.2f} TB/day x {c.retention_days} days "
                    f"= {c.demand_tb:,.0f} TB",
                )
            )
        rows += [
            ("demand", f"{fig.demand_tb:,.0f} TB of {fig.usable_tb:,.0f} TB usable"),
            ("one retention for all", f"{fig.days_at_fill:.1f} days at the fill limit"),
        ]
        return rows


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
        storage=storage_figures(ld),
    )


def platform_context(ld: Loaded) -> m.ConfigContext | None:
    """The video servers' context holding the storage policy."""
    for c in ld.of("extras.config-contexts", m.ConfigContext):
        if vocab.SERVER_ROLE in c.model.roles and "sharpeyes_storage" in c.model.data:
            return c.model
    return None


def storage_figures(ld: Loaded) -> physics.StorageFigures | None:
    """Capacity after RAID against the retention demand of the cameras (per kind: main stream
    and pictures), from the platform context; None without a (well-formed) policy (`sot
    validate` names its problems)."""
    ctx = platform_context(ld)
    if ctx is None:
        return None
    video, _ = physics.parse_policy(
        physics.VideoPolicy, ctx.data.get("sharpeyes_video"), "data.sharpeyes_video"
    )
    storage, _ = physics.parse_policy(
        physics.StoragePolicy, ctx.data.get("sharpeyes_storage"), "data.sharpeyes_storage"
    )
    if video is None or storage is None:
        return None
    devices = [d.model for d in ld.of("dcim.devices", m.Device)]
    servers = {d.name for d in devices if d.role == vocab.SERVER_ROLE}
    per_server: dict[str, list[int]] = {}
    for inv in ld.of("dcim.inventory-items", m.InventoryItem):
        if inv.model.device in servers and inv.model.role == vocab.DATA_DISK_ROLE:
            gb = inv.model.custom_fields.get(vocab.CF_CAPACITY_GB)
            size = int(gb) if isinstance(gb, int | float) and not isinstance(gb, bool) else 0
            per_server.setdefault(inv.model.device, []).append(size)
    kinds = {r: k for k, r in vocab.CAMERA_ROLES.items()}
    cams = Counter(kinds[d.role] for d in devices if d.role in kinds)
    return physics.storage_figures(cams, per_server, video, storage)


def summary(data_dir: Path) -> Summary:
    """Load the dataset (layout and schema problems are fatal) and summarise it."""
    return summarise(load(data_dir))
