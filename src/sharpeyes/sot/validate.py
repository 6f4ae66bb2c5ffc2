"""`sharpeyes sot validate`: offline checks of the dataset (no NetBox needed).

Every problem names the file, the object and the field, e.g.
`netbox/estate/dcim.devices.yml: device qx-ps03-cam0042: custom_fields.gb28181_id: type code
131 does not match role camera-dome (expected 132)`. All problems are collected; any problem
raises DatasetInvalid (exit 3, invalid input).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sharpeyes import vocab
from sharpeyes.errors import DatasetInvalid
from sharpeyes.ids import gb28181
from sharpeyes.sot import dataset, physics, schema, seedcounts
from sharpeyes.sot import models as m
from sharpeyes.sot.loader import Item, Loaded, collect, label
from sharpeyes.sot.summary import storage_figures as summary_storage
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
            bad: list[str] = []  # "field: message", prefixed with the object once (rare)
            for ref in dataset.iter_refs(o.spec, o.data):
                if ref.target not in schema.REGISTRY:
                    continue
                if dataset.ref_key(ref.target, ref.value) not in keys[ref.target]:
                    bad.append(
                        f"{ref.field.name}: unknown {ref.target} {dataset.display(ref.value)}"
                    )
            custom = o.data.get("custom_fields")
            for name in custom if isinstance(custom, dict) else {}:
                if name not in cf_types:
                    bad.append(f"custom_fields.{name}: no such custom field")
                elif otype not in cf_types[name]:
                    bad.append(f"custom_fields.{name}: custom field is not defined for {otype}")
            if bad:
                at = f"{o.file}: {label(ep_name, o.data)}"
                problems += [f"{at}: {msg}" for msg in bad]
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


def storage_figures(ld: Loaded) -> physics.StorageFigures | None:
    """The storage arithmetic `sot summary` prints (see summary.storage_figures)."""
    return summary_storage(ld)


def check_storage(ld: Loaded) -> list[str]:
    ctx = _platform_context(ld)
    if ctx is None:
        if ld.rejected["extras.config-contexts"]:
            return []  # a context failed its model: reported by the loader (perhaps this one)
        return [
            f"{ld.file_of('extras.config-contexts')}: config context: roles: none for "
            f"role {vocab.SERVER_ROLE} with sharpeyes_storage"
        ]
    data = ctx.model.data
    _, bad = physics.parse_policy(
        physics.StoragePolicy, data.get("sharpeyes_storage"), "data.sharpeyes_storage"
    )
    problems = [ctx.at(f, msg) for f, msg in bad]
    fig = storage_figures(ld)
    if fig is None:
        return problems  # the video policy's problems: check_retention
    if fig.demand_tb > fig.usable_tb:
        problems.append(
            ctx.at(
                "data.sharpeyes_video.retention_days",
                f"retention needs {fig.demand_tb:.0f} TB but the servers hold "
                f"{fig.capacity_tb:.0f} TB after RAID ({fig.usable_tb:.0f} TB at "
                f"{fig.max_fill:.0%} fill; {fig.days_at_fill:.1f} days at "
                f"{fig.ingest_tb_day:.1f} TB/day)",
            )
        )
    return problems


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
        if got != want and not ld.rejected[where.get(key, "dcim.devices")]:  # else a cascade
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


# -- integrity: what NetBox, the platform or a site survey would refuse (issue 8) ---------------


def _custom_value_problem(cf: m.CustomField, value: Any) -> str | None:
    """Why NetBox would refuse `value` for custom field `cf` (extras CustomField.validate)."""
    if value is None or value == "":
        return None
    low, high = cf.validation_minimum, cf.validation_maximum
    match cf.type:
        case "text" | "longtext" | "url":
            if not isinstance(value, str):
                return f"expected text, got {type(value).__name__} {value!r}"
            if cf.validation_regex and not re.match(cf.validation_regex, value):
                return f"{value!r} does not match {cf.validation_regex}"
            return None
        case "integer" | "decimal":
            is_int = isinstance(value, int) and not isinstance(value, bool)
            if not is_int and not (cf.type == "decimal" and isinstance(value, float)):
                kind = "an integer" if cf.type == "integer" else "a number"
                return f"expected {kind}, got {value!r}"
            if not math.isfinite(value):
                return f"expected a finite number, got {value}"
            if low is not None and value < low:
                return f"{value} is below the minimum {low:g}"
            if high is not None and value > high:
                return f"{value} is above the maximum {high:g}"
            return None
        case "boolean":
            return None if value in (True, False) else f"expected true or false, got {value!r}"
        case "date":
            try:
                dt.date.fromisoformat(value if isinstance(value, str) else "")
            except ValueError:
                return f"expected a date YYYY-MM-DD, got {value!r}"
            return None
        case _:
            return None  # select, json, object: not used by the dataset's custom fields


def check_custom_field_values(ld: Loaded) -> list[str]:
    """Every custom-field value against its definition (type, regex, minimum, maximum,
    required), as NetBox validates it. The GB id has its own rules (check_gb_ids)."""
    defs = {cf.model.name: cf.model for cf in ld.of("extras.custom-fields", m.CustomField)}
    problems: list[str] = []
    for ep_name, items in ld.items.items():
        otype = _object_type(ep_name)
        required = [d.name for d in defs.values() if d.required and otype in d.object_types]
        for item in items:
            custom = getattr(item.model, "custom_fields", None)
            if not isinstance(custom, dict):
                continue
            for name in required:
                if custom.get(name) in (None, ""):
                    problems.append(item.at(f"custom_fields.{name}", "required, missing"))
            for name, value in custom.items():
                cf = defs.get(name)
                if cf is None or name == vocab.CF_GB28181_ID:
                    continue  # an unknown name: check_keys_and_refs
                why = _custom_value_problem(cf, value)
                if why is not None:
                    problems.append(item.at(f"custom_fields.{name}", why))
    return problems


def _cable_peers(ld: Loaded) -> dict[str, list[tuple[str | None, dataset.SotObject, str]]]:
    """Device -> (far-end device or None for a circuit, the cable, the far side's field) for
    every cable as written (malformed cables are named by the loader)."""
    peers: dict[str, list[tuple[str | None, dataset.SotObject, str]]] = defaultdict(list)
    for cable in ld.dataset.objects.get("dcim.cables", []):
        ends: list[list[str | None]] = []
        for side in ("a_terminations", "b_terminations"):
            terms = cable.data.get(side)
            terms = terms if isinstance(terms, list) else []
            ends.append([t.get("device") if isinstance(t, dict) else None for t in terms])
        a_devs, b_devs = ends
        for near, far, far_side in ((a_devs, b_devs, "b"), (b_devs, a_devs, "a")):
            for dev in near:
                if isinstance(dev, str):
                    peers[dev] += [
                        (f if isinstance(f, str) else None, cable, f"{far_side}_terminations")
                        for f in far
                    ]
    return peers


def check_camera_links(ld: Loaded) -> list[str]:
    """Every camera is cabled, and only to devices of its own site (or a front-end link)."""
    problems: list[str] = []
    sites = _device_sites(ld)
    peers = _cable_peers(ld)
    for cam in ld.of("dcim.devices", m.Device):
        if cam.model.role not in vocab.CAMERA_ROLE_SLUGS:
            continue
        mine = peers.get(cam.model.name, [])
        if not mine and not ld.rejected["dcim.cables"]:  # else perhaps its cable: reported
            problems.append(
                cam.at(
                    "cable",
                    "not cabled: a camera needs a cable to its switch, media "
                    "converter or front-end link",
                )
            )
        for far, cable, side in mine:
            far_site = sites.get(far or "")
            if far is not None and far_site is not None and far_site != cam.model.site:
                problems.append(
                    f"{cable.file}: {label('dcim.cables', cable.data)}: {side}: {far} is at "
                    f"site {far_site}, camera {cam.model.name} at site {cam.model.site}"
                )
    return problems


def check_gb_sites(ld: Loaded) -> list[str]:
    """GB ids follow their site: one base unit per site (the one most of its devices carry),
    no base unit shared by two sites, one industry code per site and role."""
    fld = f"custom_fields.{vocab.CF_GB28181_ID}"
    ids: list[tuple[Item[m.Device], gb28181.GbId]] = []
    for d in ld.of("dcim.devices", m.Device):
        try:
            ids.append((d, gb28181.parse(d.model.custom_fields.get(vocab.CF_GB28181_ID))))
        except gb28181.GbIdError:
            continue  # missing or malformed: check_gb_ids
    units: dict[str, Counter[str]] = defaultdict(Counter)
    industries: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for d, gid in ids:
        units[d.model.site][gid.base_unit] += 1
        industries[(d.model.site, d.model.role)][gid.industry] += 1

    def usual(counts: Counter[str]) -> str:
        return min(counts, key=lambda k: (-counts[k], k))

    site_unit = {site: usual(c) for site, c in units.items()}
    unit_site: dict[str, str] = {}
    for site, unit in sorted(site_unit.items()):
        unit_site.setdefault(unit, site)
    problems: list[str] = []
    for d, gid in ids:
        site, role = d.model.site, d.model.role
        own = site_unit[site]
        if gid.base_unit != own:
            other = unit_site.get(gid.base_unit)
            whose = f" (site {other}'s)" if other else ""
            problems.append(
                d.at(
                    fld,
                    f"base unit {gid.base_unit}{whose} is not {own}, the base unit of "
                    f"site {site}'s devices",
                )
            )
        elif unit_site[own] != site:
            problems.append(
                d.at(fld, f"base unit {own} of site {site} is also site {unit_site[own]}'s")
            )
        common = usual(industries[(site, role)])
        if gid.industry != common:
            problems.append(
                d.at(
                    fld,
                    f"industry code {gid.industry} is not {common}, the code of the "
                    f"other {role} devices at site {site}",
                )
            )
    return problems


def check_serials(ld: Loaded) -> list[str]:
    """A serial number names one device and one inventory item (disk, board) estate-wide."""
    problems: list[str] = []
    for ep_name, model in (("dcim.devices", m.Device), ("dcim.inventory-items", m.InventoryItem)):
        seen: dict[str, str] = {}
        for item in ld.of(ep_name, model):
            serial = getattr(item.model, "serial", "") or ""
            if not isinstance(serial, str) or not serial.strip():
                continue
            if serial in seen:
                problems.append(item.at("serial", f"{serial} is also the serial of {seen[serial]}"))
            else:
                seen[serial] = item.label
    return problems


def check_platform_ids(ld: Loaded) -> list[str]:
    """The platform's GB ids in config contexts: in the SIP domain, and each the id of the
    server it names (the SIP server ids of a video server)."""
    by_id = {
        d.model.custom_fields.get(vocab.CF_GB28181_ID): d.model
        for d in ld.of("dcim.devices", m.Device)
    }
    by_name = {d.model.name: d.model for d in ld.of("dcim.devices", m.Device)}
    problems: list[str] = []
    for ctx in ld.of("extras.config-contexts", m.ConfigContext):
        gb = ctx.model.data.get("sharpeyes_gb28181")
        if not isinstance(gb, dict):
            continue
        base = "data.sharpeyes_gb28181"
        domain = gb.get("sip_domain")
        named: list[tuple[str, str, str | None]] = [  # (field, id, device it must belong to)
            (f"{base}.{k}", gb[k], None)
            for k in ("sip_server_id", "sip_server_standby_id")
            if isinstance(gb.get(k), str)
        ]
        for dev, gid in (gb.get("media_storage_ids") or {}).items():
            named.append((f"{base}.media_storage_ids.{dev}", gid, dev))
        for dev, server in (gb.get("media_servers") or {}).items():
            if isinstance(server, dict) and isinstance(server.get("id"), str):
                named.append((f"{base}.media_servers.{dev}.id", server["id"], dev))
        for fld, gid, dev in named:
            if isinstance(domain, str) and not gid.startswith(domain):
                problems.append(ctx.at(fld, f"{gid} is outside the SIP domain {domain}"))
            owner = by_id.get(gid)
            if owner is None:
                problems.append(ctx.at(fld, f"{gid} is the GB id of no device"))
            elif dev is not None and owner.name != dev:
                problems.append(ctx.at(fld, f"{gid} is the GB id of {owner.name}, not {dev}"))
            elif dev is None and owner.role != vocab.SERVER_ROLE:
                problems.append(
                    ctx.at(fld, f"{gid} is the GB id of {owner.name}, not a {vocab.SERVER_ROLE}")
                )
            if dev is not None and dev not in by_name:
                problems.append(ctx.at(fld, f"no device {dev}"))
    return problems


def check_ntp_contexts(ld: Loaded) -> list[str]:
    """`sharpeyes_ntp_servers` in a config context feeds chrony_servers: a list of {host, ...}."""
    problems: list[str] = []
    for ctx in ld.of("extras.config-contexts", m.ConfigContext):
        if "sharpeyes_ntp_servers" not in ctx.model.data:
            continue
        servers = ctx.model.data["sharpeyes_ntp_servers"]
        fld = "data.sharpeyes_ntp_servers"
        if not isinstance(servers, list):
            problems.append(ctx.at(fld, "must be a list of {host: ADDRESS}"))
            continue
        for i, server in enumerate(servers):
            host = server.get("host") if isinstance(server, dict) else None
            if not isinstance(host, str) or not host:
                problems.append(ctx.at(f"{fld}[{i}]", f"{server!r} is not {{host: ADDRESS}}"))
    return problems


# -- physics and standards (issue 8): cables, PoE classes, Table D.1 duties, RTP, retention ------


def _extra(model: Any, name: str) -> Any:
    """A field the typed model does not declare (it passes through as an extra)."""
    return (getattr(model, "model_extra", None) or {}).get(name)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


_UNIT_M = {"km": 1000.0, "m": 1.0, "cm": 0.01, "mi": 1609.344, "ft": 0.3048, "in": 0.0254}


def _coordinates(ld: Loaded) -> dict[tuple[str, str], tuple[float, float]]:
    """(kind, key) -> (latitude, longitude) of sites, point locations, devices and circuit
    terminations: a device or termination sits at its location's point, else at its site."""
    site_at: dict[str, tuple[float, float]] = {}
    for s in ld.of("dcim.sites", m.Site):
        lat, lon = _number(_extra(s.model, "latitude")), _number(_extra(s.model, "longitude"))
        if lat is not None and lon is not None:
            site_at[s.model.slug] = (lat, lon)
    loc_at: dict[str, tuple[float, float]] = {}
    for loc in ld.of("dcim.locations", m.Location):
        cf = loc.model.custom_fields
        lat, lon = _number(cf.get(vocab.CF_LATITUDE)), _number(cf.get(vocab.CF_LONGITUDE))
        if lat is not None and lon is not None:
            loc_at[loc.model.slug] = (lat, lon)
        elif loc.model.site in site_at:
            loc_at[loc.model.slug] = site_at[loc.model.site]
    out: dict[tuple[str, str], tuple[float, float]] = {}
    for d in ld.of("dcim.devices", m.Device):
        where = loc_at.get(d.model.location or "") or site_at.get(d.model.site)
        if where is not None:
            out[("device", d.model.name)] = where
    for t in ld.of("circuits.circuit-terminations", m.CircuitTermination):
        table = loc_at if t.model.termination_type == "dcim.location" else site_at
        where = table.get(t.model.termination)
        if where is not None:
            key = f"{t.model.circuit.provider}/{t.model.circuit.cid}/{t.model.term_side}"
            out[("circuit", key)] = where
    return out


def _port_types(ld: Loaded) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    """(device, interface) -> (interface type, PoE type): the interface's own, else its
    device type's template."""
    tmpl = {
        (t.model.device_type, t.model.name): (t.model.type, _extra(t.model, "poe_type"))
        for t in ld.of("dcim.interface-templates", m.InterfaceTemplate)
    }
    out: dict[tuple[str, str], tuple[str | None, str | None]] = {}
    dtype = {d.model.name: d.model.device_type for d in ld.of("dcim.devices", m.Device)}
    by_type: dict[str, list[str]] = defaultdict(list)
    for dtype_slug, name in tmpl:
        by_type[dtype_slug].append(name)
    for dev, dtype_slug in dtype.items():
        for name in by_type.get(dtype_slug, []):
            out[(dev, name)] = tmpl[(dtype_slug, name)]
    for i in ld.of("dcim.interfaces", m.Interface):
        old = out.get((i.model.device, i.model.name), (None, None))
        poe = _extra(i.model, "poe_type")
        out[(i.model.device, i.model.name)] = (i.model.type or old[0], poe or old[1])
    return out


def _end_key(t: m.Termination) -> tuple[str, str]:
    if t.circuit is not None:
        return ("circuit", f"{t.circuit.provider}/{t.circuit.cid}/{t.term_side}")
    return ("device", t.device or "")


def check_cable_physics(ld: Loaded) -> list[str]:
    """Media and length of every cable: copper only on copper ports and within 100 m (the
    ends' distance from their coordinates; a copper cable whose length cannot be computed is
    a problem), fibre only on optic (SFP) ports and within its optics' reach; a recorded
    length never shorter than the straight line between the ends."""
    problems: list[str] = []
    coords = _coordinates(ld)
    ports = _port_types(ld)
    for c in ld.of("dcim.cables", m.Cable):
        ctype = _extra(c.model, "type")
        medium = physics.cable_medium(ctype if isinstance(ctype, str) else None)
        if medium is None:
            continue
        ends = [*c.model.a_terminations, *c.model.b_terminations]
        for side, terms in (
            ("a_terminations", c.model.a_terminations),
            ("b_terminations", c.model.b_terminations),
        ):
            for t in terms:
                if t.device is None:
                    continue
                itype = ports.get((t.device, t.interface or ""), (None, None))[0]
                port = physics.port_medium(itype)
                if port is not None and port != medium:
                    problems.append(
                        c.at(side, f"{ctype} ({medium}) cable on {t} of type {itype} ({port})")
                    )
        places = [coords.get(_end_key(t)) for t in ends]
        straight = (
            max(
                physics.distance_m(p, q)
                for i, p in enumerate(places)
                for q in places[i + 1 :]
                if p is not None and q is not None
            )
            if len(ends) >= 2 and all(p is not None for p in places)
            else None
        )
        raw, unit = _number(_extra(c.model, "length")), _extra(c.model, "length_unit")
        recorded = raw * _UNIT_M[unit] if raw is not None and unit in _UNIT_M else None
        if raw is not None and recorded is None:
            problems.append(c.at("length_unit", f"{unit!r} is not a length unit"))
        if straight is not None and recorded is not None and recorded + 1 < straight:
            problems.append(
                c.at(
                    "length",
                    f"{recorded:.0f} m is shorter than the {straight:.0f} m between its ends",
                )
            )
        known = [v for v in (straight, recorded) if v is not None]
        if medium == "copper":
            if not known:
                problems.append(
                    c.at(
                        "length",
                        f"{ctype} cable: no length recorded and no coordinates for both ends; "
                        "copper must be shown to be within "
                        f"{physics.COPPER_MAX_M:.0f} m",
                    )
                )
            elif max(known) > physics.COPPER_MAX_M:
                problems.append(
                    c.at(
                        "length",
                        f"{ctype} copper run of {max(known):.0f} m exceeds "
                        f"{physics.COPPER_MAX_M:.0f} m (Ethernet/PoE); use fibre",
                    )
                )
        elif known and max(known) > physics.fibre_reach_m(str(ctype)):
            problems.append(
                c.at(
                    "length",
                    f"{ctype} fibre run of {max(known):.0f} m exceeds the optics' reach of "
                    f"{physics.fibre_reach_m(str(ctype)):.0f} m",
                )
            )
    return problems


def check_poe_ports(ld: Loaded) -> list[str]:
    """A powered camera draws no more than its PSE port's PoE class delivers."""
    problems: list[str] = []
    dtypes = {t.model.slug: t.model for t in ld.of("dcim.device-types", m.DeviceType)}
    devices = {d.model.name: d.model for d in ld.of("dcim.devices", m.Device)}
    ports = _port_types(ld)

    def draw(device: str | None) -> float | None:
        dev = devices.get(device or "")
        dt = dtypes.get(dev.device_type) if dev else None
        return _number(dt.custom_fields.get(vocab.CF_POE_DRAW_W)) if dt else None

    for c in ld.of("dcim.cables", m.Cable):
        ends = [t for t in (*c.model.a_terminations, *c.model.b_terminations) if t.device]
        if len(ends) != 2:
            continue
        for pd, pse in (ends, ends[::-1]):
            watts = draw(pd.device)
            poe_type = ports.get((pse.device or "", pse.interface or ""), (None, None))[1]
            if watts is None or poe_type is None or draw(pse.device) is not None:
                continue
            offered = physics.POE_PD_W.get(str(poe_type))
            if offered is not None and watts > offered:
                problems.append(
                    c.at(
                        "b_terminations",
                        f"{pd.device} draws {watts:g} W, {pse} ({poe_type}) delivers {offered:g} W",
                    )
                )
    return problems


def check_type_codes(ld: Loaded) -> list[str]:
    """GB/T 28181 codes per Table D.1 beyond the role: a video server's type code names its
    platform duty; a device's industry code is its site group's (sharpeyes.vocab)."""
    problems: list[str] = []
    fld = f"custom_fields.{vocab.CF_GB28181_ID}"
    groups = {s.model.slug: s.model.group for s in ld.of("dcim.sites", m.Site)}
    for d in ld.of("dcim.devices", m.Device):
        try:
            gid = gb28181.parse(d.model.custom_fields.get(vocab.CF_GB28181_ID))
        except gb28181.GbIdError:
            continue  # missing or malformed: check_gb_ids
        if d.model.role == vocab.SERVER_ROLE:
            duty = d.model.custom_fields.get(vocab.CF_PLATFORM_DUTY)
            codes: dict[str, str] = {k: v for k, v in vocab.SERVER_DUTY_TYPE_CODES.items()}
            want = codes.get(duty) if isinstance(duty, str) else None
            if want is None:
                known = ", ".join(vocab.SERVER_DUTIES)
                problems.append(
                    d.at(
                        f"custom_fields.{vocab.CF_PLATFORM_DUTY}",
                        f"{duty!r} is not a platform duty ({known})",
                    )
                )
            elif gid.type_code != want:
                problems.append(
                    d.at(
                        fld,
                        f"type code {gid.type_code} does not match duty {duty} "
                        f"(Table D.1: {want} {gb28181.TABLE_D1[want]})",
                    )
                )
        industry = vocab.GROUP_INDUSTRY.get(groups.get(d.model.site) or "")
        if industry is not None and gid.industry != industry:
            problems.append(
                d.at(
                    fld,
                    f"industry code {gid.industry} is not {industry} "
                    f"({gb28181.INDUSTRY_CODES[industry]}), the code of site group "
                    f"{groups.get(d.model.site)}",
                )
            )
    return problems


def check_rtp(ld: Loaded) -> list[str]:
    """Each media-distribution server's RTP range holds the streams of the cameras it takes
    (cameras x streams x ports per stream, plus headroom); every camera's site has one."""
    ctx = _platform_context(ld)
    if ctx is None:
        return []  # check_storage names the missing context
    gb = ctx.model.data.get("sharpeyes_gb28181")
    base = "data.sharpeyes_gb28181"
    if not isinstance(gb, dict):
        return [ctx.at(base, "missing: the platform's GB/T 28181 settings")]
    rtp, problems = physics.parse_policy(physics.RtpPolicy, gb.get("rtp"), f"{base}.rtp")
    rng = gb.get("rtp_port_range")
    if (
        not isinstance(rng, list | tuple)
        or len(rng) != 2
        or not all(isinstance(p, int) and not isinstance(p, bool) for p in rng)
        or not 1024 <= rng[0] <= rng[1] <= 65535
    ):
        why = f"{rng!r} is not a pair (first, last) of ports 1024-65535"
        problems.append((f"{base}.rtp_port_range", why))
        return [ctx.at(f, msg) for f, msg in problems]
    media = gb.get("media_servers")
    if not isinstance(media, dict) or not media:
        problems.append((f"{base}.media_servers", "no media server takes the cameras"))
        media = {}
    cams: Counter[str] = Counter(
        d.model.site
        for d in ld.of("dcim.devices", m.Device)
        if d.model.role in vocab.CAMERA_ROLE_SLUGS
    )
    duties = {
        d.model.name: d.model.custom_fields.get(vocab.CF_PLATFORM_DUTY)
        for d in ld.of("dcim.devices", m.Device)
    }
    taken: dict[str, str] = {}
    size = rng[1] - rng[0] + 1
    out = [ctx.at(f, msg) for f, msg in problems]
    for name, raw in media.items():
        server, bad = physics.parse_policy(physics.MediaServer, raw, f"{base}.media_servers.{name}")
        out += [ctx.at(f, msg) for f, msg in bad]
        if server is None:
            continue
        if duties.get(name) != vocab.DUTY_MEDIA_DISTRIBUTION:
            out.append(
                ctx.at(
                    f"{base}.media_servers.{name}",
                    f"{name} is not a video server of duty {vocab.DUTY_MEDIA_DISTRIBUTION}",
                )
            )
        for site in server.sites:
            if site in taken:
                out.append(
                    ctx.at(
                        f"{base}.media_servers.{name}.sites",
                        f"site {site} is also taken by {taken[site]}",
                    )
                )
            taken[site] = name
        n = sum(cams.get(s, 0) for s in server.sites)
        if rtp is not None and physics.rtp_ports_needed(n, rtp) > size:
            out.append(
                ctx.at(
                    f"{base}.rtp_port_range",
                    f"{size} ports ({rng[0]}-{rng[1]}) for {name}'s {n} cameras, which need "
                    f"{physics.rtp_ports_needed(n, rtp)} ({rtp.streams_per_camera} streams x "
                    f"{rtp.ports_per_stream} ports + {rtp.headroom:.0%})",
                )
            )
    for site in sorted(set(cams) - set(taken)):
        out.append(
            ctx.at(
                f"{base}.media_servers",
                f"no media server takes the {cams[site]} cameras of site {site}",
            )
        )
    return out


def check_retention(ld: Loaded) -> list[str]:
    """The retention policy keeps at least the minimum (public-security video: 30 days), and
    the servers hold it at the fill limit (see storage_figures)."""
    ctx = _platform_context(ld)
    if ctx is None:
        return []
    video, problems = physics.parse_policy(
        physics.VideoPolicy, ctx.model.data.get("sharpeyes_video"), "data.sharpeyes_video"
    )
    out = [ctx.at(f, msg) for f, msg in problems]
    if video is None:
        return out
    for cls, days in sorted(video.retention_days.items()):
        if days < video.min_retention_days:
            out.append(
                ctx.at(
                    f"data.sharpeyes_video.retention_days.{cls}",
                    f"{days} days, less than the minimum of {video.min_retention_days}",
                )
            )
    kinds = {r: k for k, r in vocab.CAMERA_ROLES.items()}
    missing = sorted(
        {
            kinds[d.model.role]
            for d in ld.of("dcim.devices", m.Device)
            if d.model.role in kinds and kinds[d.model.role] not in video.streams_mbps
        }
    )
    for kind in missing:
        out.append(ctx.at("data.sharpeyes_video.streams_mbps", f"no bitrate for {kind} cameras"))
    return out


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
    check_custom_field_values,
    check_camera_links,
    check_gb_sites,
    check_serials,
    check_platform_ids,
    check_ntp_contexts,
    check_cable_physics,
    check_poe_ports,
    check_type_codes,
    check_rtp,
    check_retention,
)


def check(ld: Loaded) -> list[str]:
    """The problems every check finds in loaded data (the loader's own problems excluded).

    None while a file could not be read at all: its objects would look missing everywhere,
    burying the one real problem (reported by the loader) under cascaded ones."""
    if ld.unreadable:
        log.warning("checks across files skipped: %s unreadable", ", ".join(ld.unreadable))
        return []
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
