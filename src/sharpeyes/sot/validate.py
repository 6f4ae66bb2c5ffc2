"""`sharpeyes sot validate`: offline checks of the dataset (no NetBox needed).

Every problem names the file, the object and the field, e.g.
`netbox/estate/dcim.devices.yml: device qx-ps03-cam0042: custom_fields.gb28181_id: type code
131 does not match role camera-dome (expected 132)`. All problems are collected; any problem
raises DatasetInvalid (exit 3, invalid input).
"""

from __future__ import annotations

import ipaddress
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sharpeyes import vocab
from sharpeyes.errors import DatasetInvalid
from sharpeyes.ids import gb28181
from sharpeyes.sot import dataset, schema, seedcounts
from sharpeyes.sot import models as m
from sharpeyes.sot.loader import Item, Loaded, collect, label
from sharpeyes.sot.summary import summarise

log = logging.getLogger(__name__)

__all__ = ["CHECKS", "Item", "Loaded", "check", "iter_problems", "validate"]


# -- generic: unique keys and references -------------------------------------------------------


def _object_type(endpoint: str) -> str:
    app, name = endpoint.split(".", 1)
    name = name.replace("-", "")
    name = name[:-2] if name.endswith(("sses", "xes")) else name.removesuffix("s")
    return f"{app}.{name}"


def _template_interfaces(ld: Loaded) -> set[Any]:
    """Keys of interfaces NetBox creates from device-type templates."""
    by_type: dict[str, list[str]] = defaultdict(list)
    for t in ld.of("dcim.interface-templates", m.InterfaceTemplate):
        by_type[t.model.device_type].append(t.model.name)
    keys = set()
    for d in ld.of("dcim.devices", m.Device):
        for name in by_type.get(d.model.device_type, []):
            keys.add(dataset.ref_key("dcim.interfaces", {"device": d.model.name, "name": name}))
    return keys


def check_keys_and_refs(ld: Loaded) -> list[str]:
    """Every reference names an object of the dataset (or a template-created interface) and
    every custom field is defined for the object's type. Duplicate keys: see the loader."""
    problems: list[str] = []
    keys: dict[str, set[Any]] = defaultdict(set)
    for ep_name, objs in ld.dataset.objects.items():
        keys[ep_name] = {o.key for o in objs}
    keys["dcim.interfaces"] |= _template_interfaces(ld)
    cf_types: dict[str, set[str]] = {}
    for cf in ld.of("extras.custom-fields", m.CustomField):
        cf_types[cf.model.name] = set(cf.model.object_types)
    for ep_name, objs in ld.dataset.objects.items():
        otype = _object_type(ep_name)
        for o in objs:
            at = f"{o.file}: {label(ep_name, o.data)}"
            for ref in dataset.iter_refs(o.spec, o.data):
                if ref.target not in schema.REGISTRY:
                    continue
                if dataset.ref_key(ref.target, ref.value) not in keys[ref.target]:
                    problems.append(
                        f"{at}: {ref.field.name}: unknown {ref.target} {dataset.display(ref.value)}"
                    )
            custom = o.data.get("custom_fields")
            for name in custom if isinstance(custom, dict) else {}:
                if name not in cf_types:
                    problems.append(f"{at}: custom_fields.{name}: no such custom field")
                elif otype not in cf_types[name]:
                    problems.append(
                        f"{at}: custom_fields.{name}: custom field is not defined for {otype}"
                    )
    return problems


# -- estate rules ------------------------------------------------------------------------------


def check_locations(ld: Loaded) -> list[str]:
    problems = []
    loc_site = {i.model.slug: i.model.site for i in ld.of("dcim.locations", m.Location)}
    for d in ld.of("dcim.devices", m.Device):
        loc = d.model.location
        if loc and loc in loc_site and loc_site[loc] != d.model.site:
            problems.append(
                d.at(
                    "location",
                    f"location {loc} belongs to site {loc_site[loc]}, not {d.model.site}",
                )
            )
    return problems


def check_gb_ids(ld: Loaded) -> list[str]:
    problems = []
    seen: dict[str, str] = {}
    fld = f"custom_fields.{vocab.CF_GB28181_ID}"
    for d in ld.of("dcim.devices", m.Device):
        raw = d.model.custom_fields.get(vocab.CF_GB28181_ID)
        problems += [d.at(fld, msg) for msg in gb28181.problems(raw, role=d.model.role)]
        if raw in (None, ""):
            continue
        if raw in seen:
            problems.append(d.at(fld, f"{raw} duplicates the id of device {seen[raw]}"))
        else:
            seen[raw] = d.model.name
    return problems


def _device_sites(ld: Loaded) -> dict[str, str]:
    return {d.model.name: d.model.site for d in ld.of("dcim.devices", m.Device)}


def _vlan_group_sites(ld: Loaded) -> dict[str, str | None]:
    return {
        g.model.slug: g.model.scope if g.model.scope_type == "dcim.site" else None
        for g in ld.of("ipam.vlan-groups", m.VlanGroup)
    }


def check_ips(ld: Loaded) -> list[str]:
    problems: list[str] = []
    prefixes: dict[str | None, list[m.Prefix]] = defaultdict(list)
    for p in ld.of("ipam.prefixes", m.Prefix):
        if p.model.status != "container":  # addresses live in the leaf prefixes
            prefixes[p.model.vrf].append(p.model)
    for plist in prefixes.values():
        plist.sort(key=lambda p: p.prefix.prefixlen, reverse=True)
    sites = _device_sites(ld)
    seen: dict[tuple[str | None, ipaddress.IPv4Address], str] = {}
    assigned: dict[str, set[str]] = defaultdict(set)
    for ip in ld.of("ipam.ip-addresses", m.IpAddress):
        addr, vrf = ip.model.address, ip.model.vrf
        key = (vrf, addr.ip)
        if key in seen:
            problems.append(ip.at("address", f"{addr.ip} already used by {seen[key]} in VRF {vrf}"))
        seen.setdefault(key, ip.label)
        owner = next((p for p in prefixes.get(vrf, []) if addr.ip in p.prefix), None)
        if owner is None:
            problems.append(ip.at("address", f"{addr} is outside every prefix of VRF {vrf}"))
            continue
        if owner.prefix.prefixlen != addr.network.prefixlen:
            problems.append(
                ip.at(
                    "address",
                    f"mask /{addr.network.prefixlen} differs from its prefix {owner.prefix}",
                )
            )
        if addr.ip in (owner.prefix.network_address, owner.prefix.broadcast_address):
            problems.append(ip.at("address", f"{addr.ip} is not a host address of {owner.prefix}"))
        obj = ip.model.assigned_object
        if obj is not None:
            assigned[obj.device].add(str(addr))
            site = sites.get(obj.device)
            if owner.scope_type == "dcim.site" and site and owner.scope != site:
                problems.append(
                    ip.at(
                        "address",
                        f"prefix {owner.prefix} belongs to site "
                        f"{owner.scope}, device {obj.device} is at {site}",
                    )
                )
    for d in ld.of("dcim.devices", m.Device):
        p4 = d.model.primary_ip4
        if p4 is not None and str(p4) not in assigned.get(d.model.name, set()):
            problems.append(
                d.at("primary_ip4", f"{p4} is not assigned to an interface of {d.model.name}")
            )
    return problems


def check_vlans(ld: Loaded) -> list[str]:
    problems = []
    group_site = _vlan_group_sites(ld)
    vlans = {(v.model.group, v.model.vid) for v in ld.of("ipam.vlans", m.Vlan)}
    sites = _device_sites(ld)

    def check(item: Item[Any], fld: str, ref: m.VlanRef, site: str | None) -> None:
        if (ref.group, ref.vid) not in vlans:
            problems.append(item.at(fld, f"VLAN {ref.vid} does not exist in group {ref.group}"))
        elif site is not None and group_site.get(ref.group) not in (None, site):
            problems.append(
                item.at(
                    fld,
                    f"VLAN {ref.group}/{ref.vid} belongs to site "
                    f"{group_site[ref.group]}, not {site}",
                )
            )

    for i in ld.of("dcim.interfaces", m.Interface):
        site = sites.get(i.model.device)
        if i.model.untagged_vlan is not None:
            check(i, "untagged_vlan", i.model.untagged_vlan, site)
        for ref in i.model.tagged_vlans:
            check(i, "tagged_vlans", ref, site)
    for p in ld.of("ipam.prefixes", m.Prefix):
        if p.model.vlan is not None:
            check(
                p,
                "vlan",
                p.model.vlan,
                p.model.scope if p.model.scope_type == "dcim.site" else None,
            )
    return problems


def check_cables(ld: Loaded) -> list[str]:
    """Each interface / circuit termination is cabled at most once."""
    problems = []
    used: dict[tuple[str, ...], str] = {}
    for c in ld.of("dcim.cables", m.Cable):
        for side in ("a_terminations", "b_terminations"):
            for t in getattr(c.model, side):
                k = t.key()
                if k in used:
                    problems.append(c.at(side, f"{k[0]} {t} already cabled by {used[k]}"))
                else:
                    used[k] = c.label
    return problems


def check_poe(ld: Loaded) -> list[str]:
    """Sum of attached cameras' draw per switch <= the switch's budget; PD ports on PSE ports."""
    problems = []
    dtypes = {t.model.slug: t.model for t in ld.of("dcim.device-types", m.DeviceType)}
    devices = {d.model.name: d for d in ld.of("dcim.devices", m.Device)}
    poe_mode = {
        (t.model.device_type, t.model.name): t.model.poe_mode
        for t in ld.of("dcim.interface-templates", m.InterfaceTemplate)
    }

    def cf(device: str, name: str) -> int | None:
        dev = devices.get(device)
        dt = dtypes.get(dev.model.device_type) if dev else None
        value = dt.custom_fields.get(name) if dt else None
        return int(value) if value is not None else None

    load: Counter[str] = Counter()
    ports: dict[str, list[str]] = defaultdict(list)
    for c in ld.of("dcim.cables", m.Cable):
        ends = [*c.model.a_terminations, *c.model.b_terminations]
        ifaces = [t for t in ends if t.device is not None]
        if len(ifaces) != 2:
            continue
        for pd, pse in (ifaces, ifaces[::-1]):
            draw = cf(pd.device or "", vocab.CF_POE_DRAW_W)
            budget = cf(pse.device or "", vocab.CF_POE_BUDGET_W)
            if draw is None or budget is None:
                continue
            sw = devices[pse.device or ""]
            if poe_mode.get((sw.model.device_type, pse.interface or "")) != "pse":
                problems.append(
                    c.at(
                        "b_terminations",
                        f"camera {pd.device} draws {draw} W but {pse} is not a PoE (PSE) port",
                    )
                )
            load[sw.model.name] += draw
            ports[sw.model.name].append(pd.device or "")
    for name, watts in sorted(load.items()):
        budget = cf(name, vocab.CF_POE_BUDGET_W) or 0
        if watts > budget:
            sw = devices[name]
            problems.append(
                sw.at(
                    "PoE",
                    f"attached cameras draw {watts} W, over the budget of "
                    f"{budget} W (device type {sw.model.device_type}, "
                    f"{len(ports[name])} cameras)",
                )
            )
    return problems


def _platform_context(ld: Loaded) -> Item[m.ConfigContext] | None:
    for c in ld.of("extras.config-contexts", m.ConfigContext):
        if vocab.SERVER_ROLE in c.model.roles and "sharpeyes_storage" in c.model.data:
            return c
    return None


@dataclass(frozen=True)
class StorageFigures:
    capacity_tb: float  # usable, after RAID
    demand_tb: float  # needed for the retention policy
    ingest_tb_day: float
    retention_days_at_full: float
    max_fill: float


def storage_figures(ld: Loaded) -> StorageFigures | None:
    ctx = _platform_context(ld)
    if ctx is None:
        return None
    data = ctx.model.data
    st, video = data["sharpeyes_storage"], data.get("sharpeyes_video", {})
    parity = int(st.get("raid_parity_disks", 2))
    mbps = float(video.get("main_stream_mbps", 4))
    days = video.get("retention_days", {})
    servers = {
        d.model.name for d in ld.of("dcim.devices", m.Device) if d.model.role == vocab.SERVER_ROLE
    }
    per_server: dict[str, list[int]] = defaultdict(list)
    for inv in ld.of("dcim.inventory-items", m.InventoryItem):
        if inv.model.device in servers and inv.model.role == vocab.DATA_DISK_ROLE:
            per_server[inv.model.device].append(
                int(inv.model.custom_fields.get(vocab.CF_CAPACITY_GB) or 0)
            )
    capacity_gb = sum(sum(sorted(d)[: max(len(d) - parity, 0)]) for d in per_server.values())
    per_cam_tb_day = mbps * 86_400 / 8 / 1_000_000  # Mbit/s -> TB/day
    cams = Counter(
        d.model.role
        for d in ld.of("dcim.devices", m.Device)
        if d.model.role in vocab.CAMERA_ROLE_SLUGS
    )
    n_check = cams.get(vocab.CAMERA_ROLES["checkpoint"], 0)
    n_video = sum(cams.values()) - n_check
    demand = per_cam_tb_day * (
        n_video * float(days.get("video", 30)) + n_check * float(days.get("checkpoint", 90))
    )
    ingest = per_cam_tb_day * sum(cams.values())
    cap_tb = capacity_gb / 1000
    return StorageFigures(
        cap_tb, demand, ingest, cap_tb / ingest if ingest else 0.0, float(st.get("max_fill", 1.0))
    )


def check_storage(ld: Loaded) -> list[str]:
    ctx = _platform_context(ld)
    if ctx is None:
        return [
            f"{ld.file_of('extras.config-contexts')}: config context: roles: none for "
            f"role {vocab.SERVER_ROLE} with sharpeyes_storage"
        ]
    fig = storage_figures(ld)
    assert fig is not None
    usable = fig.capacity_tb * fig.max_fill
    if fig.demand_tb > usable:
        return [
            ctx.at(
                "data.sharpeyes_video.retention_days",
                f"retention needs {fig.demand_tb:.0f} TB but the servers hold "
                f"{fig.capacity_tb:.0f} TB after RAID ({usable:.0f} TB at "
                f"{fig.max_fill:.0%} fill; {fig.retention_days_at_full:.1f} days at "
                f"{fig.ingest_tb_day:.1f} TB/day)",
            )
        ]
    return []


def check_counts(ld: Loaded) -> list[str]:
    s = summarise(ld)
    expected = {
        "sites": seedcounts.SITES,
        "police_stations": seedcounts.POLICE_STATIONS,
        "checkpoints": seedcounts.CHECKPOINTS,
        "traffic_squadrons": seedcounts.TRAFFIC_SQUADRONS,
        "points": seedcounts.POINTS,
        "new_boxes": seedcounts.NEW_BOXES,
        "lock_cores": seedcounts.LOCK_CORES,
        "signs": seedcounts.SIGNS,
        "cameras": seedcounts.CAMERAS,
        "switches": seedcounts.SWITCHES,
        "servers": seedcounts.SERVERS,
        "data_disks": seedcounts.DATA_DISKS,
        "circuits": seedcounts.CIRCUITS,
        "splice_screens": seedcounts.SPLICE_SCREENS,
    }
    where = {
        "sites": "dcim.sites",
        "police_stations": "dcim.sites",
        "checkpoints": "dcim.sites",
        "traffic_squadrons": "dcim.sites",
        "points": "dcim.locations",
        "new_boxes": "dcim.locations",
        "lock_cores": "dcim.locations",
        "signs": "dcim.locations",
        "data_disks": "dcim.inventory-items",
        "circuits": "circuits.circuits",
    }
    problems = []
    for key, want in expected.items():
        got = s.counts[key]
        if got != want:
            ep = where.get(key, "dcim.devices")
            problems.append(f"{ld.file_of(ep)}: count: {key}: {got}, the seed says {want}")
    extra = {
        **{
            f"circuits of type {k}": (s.circuit_types.get(k, 0), v, "circuits.circuits")
            for k, v in seedcounts.CIRCUIT_TYPES.items()
        },
        **{
            f"inventory items of role {k}": (s.inventory_roles.get(k, 0), v, "dcim.inventory-items")
            for k, v in seedcounts.BOARD_ROLES.items()
        },
        f"devices of role {vocab.MATRIX_ROLE}": (
            s.device_roles.get(vocab.MATRIX_ROLE, 0),
            seedcounts.MATRICES,
            "dcim.devices",
        ),
    }
    for what, (got, want, ep) in extra.items():
        if got != want:
            problems.append(f"{ld.file_of(ep)}: count: {what}: {got}, the seed says {want}")
    return problems


CHECKS: tuple[Callable[[Loaded], list[str]], ...] = (
    check_keys_and_refs,
    check_locations,
    check_gb_ids,
    check_ips,
    check_vlans,
    check_cables,
    check_poe,
    check_storage,
    check_counts,
)


def check(ld: Loaded) -> list[str]:
    """The problems every check finds in loaded data (the loader's own problems excluded)."""
    return [p for fn in CHECKS for p in fn(ld)]


def iter_problems(data_dir: Path) -> Iterator[str]:
    ld, problems = collect(data_dir)
    yield from problems
    yield from check(ld)


def validate(data_dir: Path, *, against_spec: bool = False) -> Loaded:
    """Run every check; raise DatasetInvalid listing all problems. Returns the loaded data."""
    ld, problems = collect(data_dir)
    problems += check(ld)
    if against_spec:
        from sharpeyes.sot import generate  # noqa: PLC0415 - optional, heavier import
        from sharpeyes.sot.spec import load_spec  # noqa: PLC0415

        spec_path = generate.default_spec(data_dir)
        if spec_path.is_file():
            files = generate.generate(load_spec(spec_path))
            problems += generate.drift(data_dir, files)
        else:
            problems.append(f"{spec_path}: no spec to compare against")
    if problems:
        raise DatasetInvalid(problems, what=f"dataset {data_dir}")
    return ld
