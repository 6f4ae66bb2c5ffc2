"""Expand the compact spec (`netbox/spec/qingxin.yml`) into the dataset (`netbox/custom`,
`netbox/estate`), deterministically: same spec, same bytes.

Run: `sharpeyes sot generate [--check]` or `python -m sharpeyes.sot.generate [--check]`.
The spec is the bootstrap; after that the data may also be edited in NetBox and exported, in
which case the spec goes stale and `--check` reports drift (see netbox/README.md).
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import random
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sharpeyes import vocab
from sharpeyes.errors import EXIT_CHANGES, InputError, SharpeyesError
from sharpeyes.ids import gb28181
from sharpeyes.ipam.alloc import allocate_many
from sharpeyes.paths import netbox_data_dir
from sharpeyes.sot.dataset import dumps
from sharpeyes.sot.records import SECTIONS, Flow, FlowList, natural_key
from sharpeyes.sot.spec import SiteSpec, Spec, SwitchModel, load_spec

log = logging.getLogger(__name__)

MANAGED = "sharpeyes-managed"
ILLUSTRATIVE = "illustrative"
TAGS = FlowList([MANAGED])
TAGS_ILL = FlowList([MANAGED, ILLUSTRATIVE])
ILL_NOTE = "illustrative: the seed gives quantities only"

CAMERA_ROLES = {
    "bullet": "camera-bullet",
    "dome": "camera-dome",
    "face": "camera-face",
    "checkpoint": "camera-checkpoint",
}
SWITCH_ROLE = "access-switch"
SERVER_ROLE = "video-server"
SPLICE_ROLE = "splice-screen"
MATRIX_ROLE = "video-matrix"
CAMERA_BITRATE_MBPS = 4
SITE_LINK_STEPS_MBPS = (100, 200, 300, 500, 1000)
FE_LINK_STEPS_MBPS = (20, 50, 100, 200)


class DatasetDriftError(SharpeyesError):
    """The committed dataset differs from a fresh generation of the spec."""

    exit_code = EXIT_CHANGES


def uplink_type(model: SwitchModel) -> str:
    return "10gbase-x-sfpp" if model.uplink.pattern.startswith("X") else "1000base-x-sfp"


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _bandwidth_kbps(mbps_needed: float, steps: tuple[int, ...]) -> int:
    return next((s for s in steps if s >= mbps_needed), steps[-1]) * 1000


@dataclass
class Point:
    index: int  # 0-based within the site
    slug: str
    kind: str  # hub | direct | satellite
    hub: int  # index of the hub point serving it (itself for hubs); -1 for direct
    cameras: int = 0


@dataclass
class Dataset:
    files: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, section: str, endpoint: str, obj: dict[str, Any]) -> None:
        self.files.setdefault(f"{section}/{endpoint}.yml", []).append(obj)


def _layout(site: SiteSpec, rng: random.Random) -> list[Point]:
    """Hub points (own switch + link), direct points (own link, one camera), satellites."""
    p, s, d = site.points, site.switches, site.direct_points
    hubs = [(i * p) // s for i in range(s)]
    others = [i for i in range(p) if i not in set(hubs)]
    direct = {others[((2 * j + 1) * len(others)) // (2 * d)] for j in range(d)} if d else set()
    points: list[Point] = []
    for i in range(p):
        slug = f"{site.slug}-p{i + 1:03d}"
        if i in hubs:
            points.append(Point(i, slug, "hub", i))
        elif i in direct:
            points.append(Point(i, slug, "direct", -1, cameras=1))
        else:
            points.append(Point(i, slug, "satellite", max(h for h in hubs if h < i)))
    served = [pt for pt in points if pt.kind != "direct"]
    on_switches = sum(site.cameras.values()) - d
    base, extra = divmod(on_switches, len(served))
    lucky = set(rng.sample(range(len(served)), extra))
    for n, pt in enumerate(served):
        pt.cameras = base + (1 if n in lucky else 0)
    return points


class _Builder:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.out = Dataset()
        self.gb_ids: set[str] = set()
        self.vrf = spec.addressing.vrf
        self.aggregate = ipaddress.IPv4Network(spec.addressing.aggregate)

    # -- helpers -------------------------------------------------------------------------
    def custom(self, endpoint: str, obj: dict[str, Any]) -> None:
        self.out.add("custom", endpoint, obj)

    def estate(self, endpoint: str, obj: dict[str, Any]) -> None:
        self.out.add("estate", endpoint, obj)

    def block(self, k: int, third: int, prefixlen: int) -> ipaddress.IPv4Network:
        """Subnet of site number k's block: 10.44.(8k + third).0/prefixlen."""
        size = 2 ** (24 - self.spec.addressing.site_block_prefixlen)
        base = int(self.aggregate.network_address) + ((k * size + third) << 8)
        return ipaddress.IPv4Network(f"{ipaddress.IPv4Address(base)}/{prefixlen}")

    def ip(self, address: ipaddress.IPv4Interface, device: str, ifname: str) -> None:
        self.estate(
            "ipam.ip-addresses",
            {
                "address": str(address),
                "vrf": self.vrf,
                "assigned_object": Flow(device=device, name=ifname),
                "dns_name": device,
                "tags": TAGS,
            },
        )

    def gb_id(self, *, base_unit: str, industry: str, type_code: str) -> str:
        value = gb28181.allocate(
            self.gb_ids,
            division=self.spec.district.admin_code,
            base_unit=base_unit,
            industry=industry,
            type_code=type_code,
        )
        self.gb_ids.add(value)
        return value

    # -- customisation ---------------------------------------------------------------------
    def build_custom(self) -> None:
        spec = self.spec
        self.custom(
            "extras.tags",
            {
                "name": MANAGED,
                "slug": MANAGED,
                "color": "2196f3",
                "description": "Owned by the sharpeyes repo; the sync may "
                "delete it when it leaves the dataset",
            },
        )
        self.custom(
            "extras.tags",
            {
                "name": ILLUSTRATIVE,
                "slug": ILLUSTRATIVE,
                "color": "ff9800",
                "description": "Name/placement invented for the bootstrap "
                "dataset (the seed gives quantities only)",
            },
        )
        fields: list[tuple[str, str, list[str], str, dict[str, Any]]] = [
            (
                "gb28181_id",
                "text",
                ["dcim.device"],
                "GB/T 28181 device id (20 digits)",
                {"validation_regex": r"^\d{20}$"},
            ),
            (
                "admin_code",
                "text",
                ["dcim.region"],
                "Administrative division code",
                {"validation_regex": r"^\d{6}$"},
            ),
            ("point_code", "text", ["dcim.location"], "Front-end point code", {}),
            ("latitude", "decimal", ["dcim.location"], "Point latitude (WGS84)", {}),
            ("longitude", "decimal", ["dcim.location"], "Point longitude (WGS84)", {}),
            (
                "box_kit",
                "text",
                ["dcim.location"],
                "Box kit",
                {
                    "validation_regex": "^(new_box|lock_core)$",
                    "description": "new_box: box replaced; lock_core: box kept, new lock core",
                },
            ),
            ("has_sign", "boolean", ["dcim.location"], "A front-end sign is installed", {}),
            ("poe_budget_w", "integer", ["dcim.devicetype"], "PoE budget of a switch (W)", {}),
            ("poe_draw_w", "integer", ["dcim.devicetype"], "PoE draw of a powered device (W)", {}),
            ("capacity_gb", "integer", ["dcim.inventoryitem"], "Disk capacity (GB, decimal)", {}),
        ]
        for name, ftype, types, label, extra in fields:
            self.custom(
                "extras.custom-fields",
                {
                    "name": name,
                    "label": label,
                    "type": ftype,
                    "object_types": FlowList(types),
                    "required": False,
                    **extra,
                },
            )
        cat = spec.catalog
        makers = {c.manufacturer for c in cat.cameras.values()}
        makers |= {s.manufacturer for s in cat.switches.values()}
        makers |= {
            cat.server.manufacturer,
            cat.data_disk.manufacturer,
            cat.system_disk.manufacturer,
            cat.splice_screen.manufacturer,
            cat.matrix.manufacturer,
        }
        for m in sorted(makers):
            self.custom(
                "dcim.manufacturers",
                {"name": m.upper() if len(m) <= 3 else m.title(), "slug": m, "tags": TAGS},
            )
        roles = [
            *((r, f"Camera ({k})", "4caf50") for k, r in CAMERA_ROLES.items()),
            (SWITCH_ROLE, "Front-end PoE switch", "3f51b5"),
            (SERVER_ROLE, "Video cloud server", "9c27b0"),
            (SPLICE_ROLE, "Splice screen", "607d8b"),
            (MATRIX_ROLE, "Video matrix", "795548"),
        ]
        for slug, name, color in roles:
            self.custom(
                "dcim.device-roles",
                {"name": name, "slug": slug, "color": color, "vm_role": False, "tags": TAGS},
            )
        platforms = {s.platform: s.manufacturer for s in cat.switches.values()}
        for slug, maker in sorted(platforms.items()):
            self.custom(
                "dcim.platforms", {"name": slug, "slug": slug, "manufacturer": maker, "tags": TAGS}
            )
        self.custom(
            "dcim.platforms",
            {"name": cat.server.platform, "slug": cat.server.platform, "tags": TAGS},
        )
        for kind, cam in cat.cameras.items():
            slug = slugify(cam.model)
            self.custom(
                "dcim.device-types",
                {
                    "manufacturer": cam.manufacturer,
                    "model": cam.model,
                    "slug": slug,
                    "u_height": 0,
                    "is_full_depth": False,
                    "custom_fields": {"poe_draw_w": cam.poe_draw_w},
                    "comments": f"{kind} camera; model {ILL_NOTE}",
                    "tags": TAGS,
                },
            )
            self.custom(
                "dcim.interface-templates",
                {
                    "device_type": slug,
                    "name": "eth0",
                    "type": "1000base-t",
                    "poe_mode": "pd",
                    "poe_type": "type2-ieee802.3at",
                },
            )
        for sw in cat.switches.values():
            slug = slugify(sw.model)
            self.custom(
                "dcim.device-types",
                {
                    "manufacturer": sw.manufacturer,
                    "model": sw.model,
                    "slug": slug,
                    "u_height": 1,
                    "is_full_depth": False,
                    "custom_fields": {"poe_budget_w": sw.poe_budget_w},
                    "comments": f"Industrial PoE+ access switch; model {ILL_NOTE}",
                    "tags": TAGS,
                },
            )
            for name in sw.access.names():
                self.custom(
                    "dcim.interface-templates",
                    {
                        "device_type": slug,
                        "name": name,
                        "type": "1000base-t",
                        "poe_mode": "pse",
                        "poe_type": "type2-ieee802.3at",
                    },
                )
            up_type = uplink_type(sw)
            for name in sw.uplink.names():
                self.custom(
                    "dcim.interface-templates",
                    {
                        "device_type": slug,
                        "name": name,
                        "type": up_type,
                    },
                )
        srv = cat.server
        srv_slug = slugify(srv.model)
        self.custom(
            "dcim.device-types",
            {
                "manufacturer": srv.manufacturer,
                "model": srv.model,
                "slug": srv_slug,
                "u_height": srv.u_height,
                "is_full_depth": True,
                "comments": f"4U 24-bay 3.5-inch video storage server; model {ILL_NOTE}",
                "tags": TAGS,
            },
        )
        for name, itype, mgmt in [
            ("bmc", "1000base-t", True),
            ("eno1", "1000base-t", False),
            ("eno2", "1000base-t", False),
            ("ens1f0", "10gbase-x-sfpp", False),
            ("ens1f1", "10gbase-x-sfpp", False),
        ]:
            tmpl: dict[str, Any] = {"device_type": srv_slug, "name": name, "type": itype}
            if mgmt:
                tmpl["mgmt_only"] = True
            self.custom("dcim.interface-templates", tmpl)
        for plain, height in ((cat.splice_screen, 0), (cat.matrix, 2)):
            self.custom(
                "dcim.device-types",
                {
                    "manufacturer": plain.manufacturer,
                    "model": plain.model,
                    "slug": slugify(plain.model),
                    "u_height": height,
                    "is_full_depth": False,
                    "comments": f"Station display system; model {ILL_NOTE}",
                    "tags": TAGS,
                },
            )
        for slug, name in [
            ("disk-data", "Data disk"),
            ("disk-system", "System disk"),
            ("board-video-transmission", "Video transmission board"),
            ("board-main-control", "Main control board"),
            ("board-control", "Control board"),
        ]:
            self.custom(
                "dcim.inventory-item-roles",
                {"name": name, "slug": slug, "color": "9e9e9e", "tags": TAGS},
            )
        for prov in (spec.providers.site_links, spec.providers.front_end_links):
            self.custom(
                "circuits.providers",
                {"name": prov.name, "slug": prov.slug, "description": ILL_NOTE, "tags": TAGS},
            )
        for slug, name in [
            ("site-link", "Site link (station to data centre)"),
            ("front-end-link", "Front-end link (point to station)"),
        ]:
            self.custom("circuits.circuit-types", {"name": name, "slug": slug, "tags": TAGS})
        self.custom(
            "ipam.rirs", {"name": "RFC 1918", "slug": "rfc1918", "is_private": True, "tags": TAGS}
        )
        for slug, name in [
            ("cameras", "Cameras"),
            ("switch-mgmt", "Switch management"),
            ("servers", "Servers"),
            ("bmc", "Server BMC"),
            ("uplinks", "Uplinks (site link transit)"),
        ]:
            self.custom("ipam.roles", {"name": name, "slug": slug, "tags": TAGS})

    # -- estate ----------------------------------------------------------------------------
    def build_estate(self) -> None:
        spec = self.spec
        prov, city, dist = spec.province, spec.city, spec.district
        self.estate(
            "dcim.regions",
            {
                "name": prov.name,
                "slug": prov.slug,
                "custom_fields": {"admin_code": prov.admin_code},
                "tags": TAGS,
            },
        )
        self.estate(
            "dcim.regions",
            {
                "name": city.name,
                "slug": city.slug,
                "parent": prov.slug,
                "custom_fields": {"admin_code": city.admin_code},
                "tags": TAGS,
            },
        )
        self.estate(
            "dcim.regions",
            {
                "name": dist.name,
                "slug": dist.slug,
                "parent": city.slug,
                "description": f"admin code {dist.admin_code}",
                "custom_fields": {"admin_code": dist.admin_code},
                "tags": TAGS,
            },
        )
        for town in spec.towns:
            self.estate(
                "dcim.regions",
                {"name": town.name, "slug": town.slug, "parent": dist.slug, "tags": TAGS},
            )
        for group in spec.groups:
            self.estate("dcim.site-groups", {"name": group.name, "slug": group.slug, "tags": TAGS})
        self.estate(
            "tenancy.tenants", {"name": spec.tenant.name, "slug": spec.tenant.slug, "tags": TAGS}
        )
        self.estate(
            "ipam.vrfs",
            {
                "name": self.vrf,
                "enforce_unique": True,
                "tenant": spec.tenant.slug,
                "description": "Video private network (视频专网)",
                "tags": TAGS,
            },
        )
        self.estate(
            "ipam.aggregates",
            {
                "prefix": str(self.aggregate),
                "rir": "rfc1918",
                "tenant": spec.tenant.slug,
                "description": f"Video private network; plan {ILL_NOTE}",
                "tags": TAGS,
            },
        )
        self.build_data_centre()
        for k, site in enumerate(spec.sites, start=1):
            self.build_site(k, site)
        self.box_kits_and_signs()

    def box_kits_and_signs(self) -> None:
        """Spread the seed's 203 new boxes and 368 signs over the points (seeded)."""
        totals = self.spec.totals
        locations = sorted(self.out.files["estate/dcim.locations.yml"], key=lambda o: o["slug"])
        rng = random.Random(f"{self.spec.seed}-points")
        if max(totals.new_boxes, totals.signs) > len(locations):
            raise InputError("spec: totals exceed the number of points")
        new_box = set(rng.sample(range(len(locations)), totals.new_boxes))
        signs = set(rng.sample(range(len(locations)), totals.signs))
        for n, loc in enumerate(locations):
            loc["custom_fields"]["box_kit"] = "new_box" if n in new_box else "lock_core"
            loc["custom_fields"]["has_sign"] = n in signs

    def site_obj(
        self, slug: str, name: str, *, group: str, town_slug: str, k: int, description: str
    ) -> None:
        town = self.spec.town(town_slug)
        rng = random.Random(f"{self.spec.seed}-site-{slug}")
        self.estate(
            "dcim.sites",
            {
                "name": name,
                "slug": slug,
                "region": town_slug,
                "group": group,
                "tenant": self.spec.tenant.slug,
                "latitude": round(town.latitude + rng.uniform(-0.01, 0.01), 6),
                "longitude": round(town.longitude + rng.uniform(-0.01, 0.01), 6),
                "description": description,
                "tags": TAGS_ILL,
            },
        )
        vg = f"{slug}-vlans"
        self.estate(
            "ipam.vlan-groups",
            {
                "name": f"{slug} VLANs",
                "slug": vg,
                "scope_type": "dcim.site",
                "scope": slug,
                "tags": TAGS,
            },
        )
        self.estate(
            "ipam.prefixes",
            {
                "prefix": str(self.block(k, 0, self.spec.addressing.site_block_prefixlen)),
                "vrf": self.vrf,
                "scope_type": "dcim.site",
                "scope": slug,
                "status": "container",
                "tenant": self.spec.tenant.slug,
                "description": f"{slug} block",
                "tags": TAGS,
            },
        )

    def vlan_prefix(
        self, site: str, k: int, third: int, prefixlen: int, *, role: str, vid: int, vlan_name: str
    ) -> ipaddress.IPv4Network:
        vg = f"{site}-vlans"
        self.estate(
            "ipam.vlans",
            {
                "group": vg,
                "vid": vid,
                "name": vlan_name,
                "tenant": self.spec.tenant.slug,
                "tags": TAGS,
            },
        )
        net = self.block(k, third, prefixlen)
        self.estate(
            "ipam.prefixes",
            {
                "prefix": str(net),
                "vrf": self.vrf,
                "scope_type": "dcim.site",
                "scope": site,
                "role": role,
                "vlan": Flow(group=vg, vid=vid),
                "tenant": self.spec.tenant.slug,
                "tags": TAGS,
            },
        )
        return net

    def build_data_centre(self) -> None:
        spec, dc = self.spec, self.spec.data_centre
        cat = spec.catalog
        self.site_obj(
            dc.slug,
            dc.name,
            group="data-centre",
            town_slug=dc.town,
            k=0,
            description="Branch data centre (清新分局机房); all site links end here",
        )
        vl = spec.addressing.vlans
        servers_net = self.vlan_prefix(
            dc.slug, 0, 1, 24, role="servers", vid=vl.servers, vlan_name="servers"
        )
        bmc_net = self.vlan_prefix(dc.slug, 0, 3, 24, role="bmc", vid=vl.bmc, vlan_name="bmc")
        racks = [f"{dc.slug}-r{r + 1:02d}" for r in range(dc.racks)]
        for rack in racks:
            self.estate(
                "dcim.racks",
                {
                    "name": rack,
                    "site": dc.slug,
                    "tenant": spec.tenant.slug,
                    "u_height": 42,
                    "width": 19,
                    "tags": TAGS,
                },
            )
        srv_ips = allocate_many(servers_net, [], dc.servers)
        bmc_ips = allocate_many(bmc_net, [], dc.servers)
        per_rack = -(-dc.servers // dc.racks)
        rng = random.Random(f"{spec.seed}-disks")
        serials: set[str] = set()
        for n in range(dc.servers):
            name = f"qxdc-vc{n + 1:02d}"
            type_code = vocab.TYPE_SIP_SERVER if n < 2 else vocab.TYPE_MEDIA_STORAGE
            gid = self.gb_id(base_unit="00", industry=vocab.INDUSTRY_SOCIAL, type_code=type_code)
            self.estate(
                "dcim.devices",
                {
                    "name": name,
                    "role": SERVER_ROLE,
                    "device_type": slugify(cat.server.model),
                    "site": dc.slug,
                    "rack": racks[n // per_rack],
                    "position": 1 + (n % per_rack) * cat.server.u_height,
                    "face": "front",
                    "platform": cat.server.platform,
                    "tenant": spec.tenant.slug,
                    "primary_ip4": str(srv_ips[n]),
                    "custom_fields": {"gb28181_id": gid},
                    "description": SERVER_DUTIES[n],
                    "tags": TAGS,
                },
            )
            self.estate(
                "dcim.interfaces",
                {
                    "device": name,
                    "name": "bond0",
                    "type": "lag",
                    "description": "video network, LACP",
                    "tags": TAGS,
                },
            )
            for member in ("ens1f0", "ens1f1"):
                self.estate(
                    "dcim.interfaces",
                    {
                        "device": name,
                        "name": member,
                        "type": "10gbase-x-sfpp",
                        "lag": Flow(device=name, name="bond0"),
                        "tags": TAGS,
                    },
                )
            self.ip(srv_ips[n], name, "bond0")
            self.ip(bmc_ips[n], name, "bmc")
            for d in range(dc.system_disks):
                self.disk(
                    name,
                    f"system-disk-{d + 1}",
                    "disk-system",
                    cat.system_disk,
                    rng=rng,
                    serials=serials,
                )
            for d in range(dc.data_disks):
                self.disk(
                    name,
                    f"data-disk-{d + 1:02d}",
                    "disk-data",
                    cat.data_disk,
                    rng=rng,
                    serials=serials,
                )

    def disk(
        self,
        device: str,
        name: str,
        role: str,
        model: Any,
        *,
        rng: random.Random,
        serials: set[str],
    ) -> None:
        while True:
            serial = f"ZR{rng.randrange(36**6):06X}"[:8]
            if serial not in serials:
                serials.add(serial)
                break
        self.estate(
            "dcim.inventory-items",
            {
                "device": device,
                "name": name,
                "role": role,
                "manufacturer": model.manufacturer,
                "part_id": model.part_id,
                "serial": serial,
                "custom_fields": {"capacity_gb": model.capacity_gb},
                "description": "serial illustrative",
                "tags": TAGS,
            },
        )

    def build_site(self, k: int, site: SiteSpec) -> None:
        spec = self.spec
        group = spec.group(site.group)
        kind_label = {
            "police-stations": "police station",
            "checkpoints": "checkpoint",
            "traffic-squadrons": "traffic police squadron",
        }[site.group]
        self.site_obj(
            site.slug,
            site.name,
            group=site.group,
            town_slug=site.town,
            k=k,
            description=f"{kind_label}; name and town {ILL_NOTE}",
        )
        vl = spec.addressing.vlans
        cam_net = self.vlan_prefix(
            site.slug, k, 0, 24, role="cameras", vid=vl.cameras, vlan_name="cameras"
        )
        mgmt_net = self.vlan_prefix(
            site.slug, k, 4, 24, role="switch-mgmt", vid=vl.switch_mgmt, vlan_name="switch-mgmt"
        )
        self.estate(
            "ipam.prefixes",
            {
                "prefix": str(self.block(k, 7, 30)),
                "vrf": self.vrf,
                "scope_type": "dcim.site",
                "scope": site.slug,
                "status": "reserved",
                "role": "uplinks",
                "tenant": spec.tenant.slug,
                "description": f"transit of site link QX-SL-{site.code}",
                "tags": TAGS,
            },
        )
        rng = random.Random(f"{spec.seed}-{site.slug}")
        points = _layout(site, rng)
        town = spec.town(site.town)
        for pt in points:
            self.estate(
                "dcim.locations",
                {
                    "name": pt.slug.upper(),
                    "slug": pt.slug,
                    "site": site.slug,
                    "tenant": spec.tenant.slug,
                    "custom_fields": {
                        "point_code": pt.slug.upper(),
                        "latitude": round(town.latitude + rng.uniform(-0.04, 0.04), 6),
                        "longitude": round(town.longitude + rng.uniform(-0.04, 0.04), 6),
                    },
                    "description": f"front-end point; {ILL_NOTE}",
                    "tags": TAGS_ILL,
                },
            )
        kinds = [kind for kind, n in site.cameras.items() for _ in range(n)]
        rng.shuffle(kinds)
        sw_model = spec.catalog.switches[site.switch]
        self.site_links(site, sum(site.cameras.values()))
        # Switches first (hub order), then cameras in point order.
        switches: dict[int, str] = {}
        mgmt_ips = allocate_many(mgmt_net, [], site.switches)
        for n, pt in enumerate(p for p in points if p.kind == "hub"):
            switches[pt.index] = f"{site.slug}-sw{n + 1:02d}"
            self.switch(site, sw_model, switches[pt.index], pt, mgmt_ips[n])
        cam_ips = iter(allocate_many(cam_net, [], len(kinds)))
        next_port = {idx: 0 for idx in switches}
        on_switch = {idx: 0.0 for idx in switches}
        cam_no = 0
        for pt in points:
            for _ in range(pt.cameras):
                cam_no += 1
                kind = kinds[cam_no - 1]
                name = f"{site.slug}-cam{cam_no:04d}"
                cam = spec.catalog.cameras[kind]
                gid = self.gb_id(
                    base_unit=site.base_unit, industry=group.industry, type_code=cam.type_code
                )
                addr = next(cam_ips)
                self.estate(
                    "dcim.devices",
                    {
                        "name": name,
                        "role": CAMERA_ROLES[kind],
                        "device_type": slugify(cam.model),
                        "site": site.slug,
                        "location": pt.slug,
                        "tenant": spec.tenant.slug,
                        "primary_ip4": str(addr),
                        "custom_fields": {"gb28181_id": gid},
                        "tags": TAGS,
                    },
                )
                self.ip(addr, name, "eth0")
                if pt.kind == "direct":
                    self.front_end_link(site, pt, Flow(device=name, interface="eth0"), 1, "cat6")
                    continue
                sw = switches[pt.hub]
                ports = sw_model.access.names()
                if next_port[pt.hub] >= len(ports):
                    raise InputError(
                        f"spec: site {site.slug}: switch {sw} has more cameras "
                        f"than its {len(ports)} access ports"
                    )
                port = ports[next_port[pt.hub]]
                next_port[pt.hub] += 1
                on_switch[pt.hub] += 1
                self.estate(
                    "dcim.interfaces",
                    {
                        "device": sw,
                        "name": port,
                        "type": "1000base-t",
                        "mode": "access",
                        "untagged_vlan": Flow(group=f"{site.slug}-vlans", vid=vl.cameras),
                        "description": name,
                        "tags": TAGS,
                    },
                )
                self.cable(
                    Flow(device=name, interface="eth0"), Flow(device=sw, interface=port), "cat6"
                )
        for idx, sw in switches.items():
            pt = points[idx]
            uplink = sw_model.uplink.names()[0]
            self.front_end_link(site, pt, Flow(device=sw, interface=uplink), on_switch[idx], "smf")
        if site.splice_screens:
            self.display_system(site)

    def switch(
        self,
        site: SiteSpec,
        model: SwitchModel,
        name: str,
        pt: Point,
        addr: ipaddress.IPv4Interface,
    ) -> None:
        spec = self.spec
        vl = spec.addressing.vlans
        mgmt_if = model.mgmt.format(vid=vl.switch_mgmt)
        self.estate(
            "dcim.devices",
            {
                "name": name,
                "role": SWITCH_ROLE,
                "device_type": slugify(model.model),
                "site": site.slug,
                "location": pt.slug,
                "platform": model.platform,
                "tenant": spec.tenant.slug,
                "primary_ip4": str(addr),
                "tags": TAGS,
            },
        )
        vg = f"{site.slug}-vlans"
        self.estate(
            "dcim.interfaces",
            {
                "device": name,
                "name": model.uplink.names()[0],
                "type": uplink_type(model),
                "mode": "tagged",
                "tagged_vlans": FlowList(
                    [Flow(group=vg, vid=vl.cameras), Flow(group=vg, vid=vl.switch_mgmt)]
                ),
                "description": f"uplink QX-FE-{pt.slug.removeprefix('qx-').upper()}",
                "tags": TAGS,
            },
        )
        self.estate(
            "dcim.interfaces",
            {
                "device": name,
                "name": mgmt_if,
                "type": "virtual",
                "mode": "access",
                "untagged_vlan": Flow(group=vg, vid=vl.switch_mgmt),
                "description": "management",
                "tags": TAGS,
            },
        )
        self.ip(addr, name, mgmt_if)

    def circuit(self, provider: str, cid: str, ctype: str, kbps: int, description: str) -> None:
        term = self.spec.term
        self.estate(
            "circuits.circuits",
            {
                "cid": cid,
                "provider": provider,
                "type": ctype,
                "tenant": self.spec.tenant.slug,
                "commit_rate": kbps,
                "install_date": term.install_date,
                "termination_date": term.termination_date,
                "description": description,
                "tags": TAGS,
            },
        )

    def termination(self, provider: str, cid: str, side: str, ttype: str, target: str) -> None:
        self.estate(
            "circuits.circuit-terminations",
            {
                "circuit": Flow(provider=provider, cid=cid),
                "term_side": side,
                "termination_type": ttype,
                "termination": target,
                "tags": TAGS,
            },
        )

    def site_links(self, site: SiteSpec, cameras: int) -> None:
        prov = self.spec.providers.site_links.slug
        cid = f"QX-SL-{site.code}"
        kbps = _bandwidth_kbps(cameras * CAMERA_BITRATE_MBPS * 1.25, SITE_LINK_STEPS_MBPS)
        self.circuit(prov, cid, "site-link", kbps, f"{site.slug} to the data centre, 3-year lease")
        self.termination(prov, cid, "A", "dcim.site", site.slug)
        self.termination(prov, cid, "Z", "dcim.site", self.spec.data_centre.slug)

    def front_end_link(
        self, site: SiteSpec, pt: Point, end: Flow, cameras: float, cable_type: str
    ) -> None:
        prov = self.spec.providers.front_end_links.slug
        cid = f"QX-FE-{pt.slug.removeprefix('qx-').upper()}"
        kbps = _bandwidth_kbps(cameras * CAMERA_BITRATE_MBPS * 1.25, FE_LINK_STEPS_MBPS)
        self.circuit(
            prov, cid, "front-end-link", kbps, f"point {pt.slug} to {site.slug}, 3-year lease"
        )
        self.termination(prov, cid, "A", "dcim.location", pt.slug)
        self.termination(prov, cid, "Z", "dcim.site", site.slug)
        self.cable(end, Flow(circuit=Flow(provider=prov, cid=cid), term_side="A"), cable_type)

    def cable(self, a: Flow, b: Flow, ctype: str) -> None:
        self.estate(
            "dcim.cables",
            {"a_terminations": [a], "b_terminations": [b], "type": ctype, "tags": TAGS},
        )

    def display_system(self, site: SiteSpec) -> None:
        cat, spec = self.spec.catalog, self.spec
        for n in range(site.splice_screens):
            self.estate(
                "dcim.devices",
                {
                    "name": f"{site.slug}-lcd{n + 1:02d}",
                    "role": SPLICE_ROLE,
                    "device_type": slugify(cat.splice_screen.model),
                    "site": site.slug,
                    "tenant": spec.tenant.slug,
                    "description": "display wall splice screen (maintenance scope)",
                    "tags": TAGS,
                },
            )
        matrix = f"{site.slug}-mx01"
        self.estate(
            "dcim.devices",
            {
                "name": matrix,
                "role": MATRIX_ROLE,
                "device_type": slugify(cat.matrix.model),
                "site": site.slug,
                "tenant": spec.tenant.slug,
                "description": "display wall matrix (maintenance scope)",
                "tags": TAGS,
            },
        )
        boards = [
            (f"video-board-{n + 1}", "board-video-transmission") for n in range(site.video_boards)
        ]
        boards += [("main-control-board", "board-main-control"), ("control-board", "board-control")]
        for name, role in boards:
            self.estate(
                "dcim.inventory-items",
                {
                    "device": matrix,
                    "name": name,
                    "role": role,
                    "manufacturer": cat.matrix.manufacturer,
                    "tags": TAGS,
                },
            )

    def config_context(self) -> None:
        servers = sorted(
            (o for o in self.out.files["estate/dcim.devices.yml"] if o["role"] == SERVER_ROLE),
            key=lambda o: o["name"],
        )
        ids = {o["name"]: o["custom_fields"]["gb28181_id"] for o in servers}
        sip = [i for i in ids.values() if i[10:13] == vocab.TYPE_SIP_SERVER]
        media = {n: i for n, i in ids.items() if i[10:13] == vocab.TYPE_MEDIA_STORAGE}
        self.estate(
            "extras.config-contexts",
            {
                "name": "video-platform",
                "weight": 1000,
                "is_active": True,
                "description": "GB/T 28181 platform, retention and storage policy (read by roles)",
                "roles": FlowList([SERVER_ROLE]),
                "data": {
                    "sharpeyes_gb28181": {
                        "sip_domain": sip[0][:10],
                        "sip_server_id": sip[0],
                        "sip_server_standby_id": sip[1],
                        "sip_port": 5060,
                        "rtp_port_range": FlowList([30000, 30500]),
                        "media_storage_ids": media,
                        "web_port": 18080,
                    },
                    "sharpeyes_video": {
                        "main_stream_mbps": CAMERA_BITRATE_MBPS,
                        "retention_days": {"video": 30, "checkpoint": 90},
                    },
                    "sharpeyes_storage": {
                        "raid_level": 6,
                        "raid_data_disks": 13,
                        "raid_parity_disks": 2,
                        "hot_spares": 0,
                        "chunk_kb": 512,
                        "filesystem": "xfs",
                        "max_fill": 0.9,
                    },
                },
            },
        )


SERVER_DUTIES = [
    "SIP signalling (active) + storage node",
    "SIP signalling (standby) + storage node",
    "media forwarding + storage node",
    "media forwarding + storage node",
    "media forwarding + storage node",
    "video analytics / GA/T 1400 view library + storage node",
    "video analytics / GA/T 1400 view library + storage node",
    "database (PostgreSQL primary, Redis) + storage node",
    "database (PostgreSQL replica, Redis) + storage node",
    "business management platform (web 18080) + storage node",
]


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


def generate(spec: Spec) -> dict[str, str]:
    """Relative path (`estate/dcim.sites.yml`) -> file text."""
    b = _Builder(spec)
    b.build_custom()
    b.build_estate()
    b.config_context()
    out: dict[str, str] = {}
    for rel, objects in sorted(b.out.files.items()):
        endpoint = rel.split("/", 1)[1].removesuffix(".yml")
        ordered = sorted(objects, key=lambda o, e=endpoint: _sort_key(e, o))  # type: ignore[misc]
        out[rel] = dumps(endpoint, ordered)
    return out


def default_spec(data_dir: Path) -> Path:
    return data_dir / "spec" / "qingxin.yml"


def write(data_dir: Path, files: dict[str, str]) -> list[str]:
    """Write the files; return the relative paths that changed. Stale generated files stay."""
    changed = []
    for rel, text in files.items():
        path = data_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(rel)
    return changed


def drift(data_dir: Path, files: dict[str, str]) -> list[str]:
    """One line per file that differs from a fresh generation (missing, changed, extra)."""
    problems: list[str] = []
    shown = data_dir.name
    for rel, text in files.items():
        path = data_dir / rel
        if not path.is_file():
            problems.append(f"{shown}/{rel}: missing (the generator produces it)")
            continue
        current = path.read_text(encoding="utf-8")
        if current != text:
            line = _first_difference(current, text)
            problems.append(
                f"{shown}/{rel}: differs from the spec's generation (first at line {line})"
            )
    for section in SECTIONS:
        for path in sorted((data_dir / section).glob("*.yml")):
            rel = f"{section}/{path.name}"
            if rel not in files:
                problems.append(f"{shown}/{rel}: not produced by the generator")
    return problems


def _first_difference(a: str, b: str) -> int:
    for n, (x, y) in enumerate(zip(a.splitlines(), b.splitlines(), strict=False), start=1):
        if x != y:
            return n
    return min(len(a.splitlines()), len(b.splitlines())) + 1


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


def iter_sizes(data_dir: Path, files: dict[str, str]) -> Iterator[tuple[str, int]]:
    for rel in files:
        yield rel, (data_dir / rel).stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sharpeyes.sot.generate")
    parser.add_argument("--data", type=Path, default=None, help="dataset directory (netbox/)")
    parser.add_argument("--spec", type=Path, default=None, help="spec file")
    parser.add_argument("--check", action="store_true", help="fail if the data differs")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        files, changed, secs = run(args.data, args.spec, check=args.check)
    except SharpeyesError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    verb = "up to date" if args.check else f"wrote {len(changed)} changed file(s)"
    print(f"ok: {len(files)} files {verb} in {secs:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
