"""A station (police station, checkpoint, traffic squadron): its VLANs and prefixes, front-end
points laid out around hubs, the aggregation switch and its routed site link, access switches,
cameras on switch ports (hub points), on PoE fibre converters (satellite points) or straight on
their own link (direct points), leased links and the display wall; then box kits and signs
spread over all points."""

from __future__ import annotations

import ipaddress
import math
import random
from dataclasses import dataclass
from typing import Any

from sharpeyes import vocab
from sharpeyes.errors import InputError
from sharpeyes.ipam.alloc import allocate_many
from sharpeyes.sot import physics
from sharpeyes.sot.generate import catalogue as cat
from sharpeyes.sot.generate import datacentre, links, sites
from sharpeyes.sot.generate.catalogue import ILL_NOTE, TAGS, TAGS_ILL, slugify
from sharpeyes.sot.generate.context import Context
from sharpeyes.sot.records import Flow, FlowList
from sharpeyes.sot.spec import SiteSpec, SwitchModel
from sharpeyes.vocab import CameraKind


@dataclass
class Point:
    index: int  # 0-based within the site
    slug: str
    kind: str  # hub | direct | satellite
    hub: int  # index of the hub point serving it (itself for hubs); -1 for direct
    cameras: int = 0


def layout(site: SiteSpec, rng: random.Random) -> list[Point]:
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


def build(ctx: Context, k: int, site: SiteSpec) -> None:
    """Station number k (1-based; the data centre is 0)."""
    sites.site(
        ctx,
        site.slug,
        site.name,
        group=site.group,
        town_slug=site.town,
        k=k,
        description=f"{cat.SITE_KINDS[site.group]}; name and town {ILL_NOTE}",
    )
    cam_net, mgmt_net = _prefixes(ctx, k, site)
    # One random stream per station, drawn in this order: layout, coordinates, camera kinds.
    rng = random.Random(f"{ctx.spec.seed}-{site.slug}")
    points = layout(site, rng)
    coords = _locations(ctx, site, points, rng)
    kinds: list[CameraKind] = [kind for kind, n in site.cameras.items() for _ in range(n)]
    rng.shuffle(kinds)
    st = Station(ctx, site, points, coords)
    st.aggregation(k, cam_net, mgmt_net, kinds)
    sw_model = st.sw_model
    mgmt_ips = allocate_many(mgmt_net, [], site.switches)
    for n, pt in enumerate(p for p in points if p.kind == "hub"):
        st.switches[pt.index] = f"{site.slug}-sw{n + 1:02d}"
        _switch(ctx, site, sw_model, name=st.switches[pt.index], pt=pt, addr=mgmt_ips[n])
    cam_ips = allocate_many(cam_net, [], len(kinds))
    st.cameras(kinds=kinds, addresses=cam_ips)
    for idx, sw in st.switches.items():
        a = st.front_end(points[idx])
        ctx.cable(Flow(device=sw, interface=sw_model.uplink.names()[0]), a, vocab.CABLE_FIBRE)
    if site.splice_screens:
        _display_system(ctx, site)


def _prefixes(
    ctx: Context, k: int, site: SiteSpec
) -> tuple[ipaddress.IPv4Network, ipaddress.IPv4Network]:
    """Camera (video VRF) and switch-management (management VRF) VLAN prefixes."""
    vl = ctx.spec.addressing.vlans
    cam_net = sites.vlan_prefix(ctx, site.slug, k, 0, 24, role=vocab.PREFIX_CAMERAS, vid=vl.cameras)
    mgmt_net = sites.vlan_prefix(
        ctx,
        site.slug,
        k,
        4,
        24,
        role=vocab.PREFIX_SWITCH_MGMT,
        vid=vl.switch_mgmt,
        vrf=ctx.mgmt_vrf,
    )
    return cam_net, mgmt_net


def _locations(
    ctx: Context, site: SiteSpec, points: list[Point], rng: random.Random
) -> dict[int, tuple[float, float]]:
    """One location per point: hubs and direct points at random around the station's town,
    satellites within `cabling.satellite_km` of their hub (their fibre's reach)."""
    town = ctx.spec.town(site.town)
    near, far = ctx.spec.cabling.satellite_km
    coords: dict[int, tuple[float, float]] = {}
    for pt in points:
        if pt.kind == "satellite":
            coords[pt.index] = physics.offset(
                coords[pt.hub], rng.uniform(near, far) * 1000, rng.uniform(0, 2 * math.pi)
            )
        else:
            coords[pt.index] = (
                round(town.latitude + rng.uniform(-0.04, 0.04), 6),
                round(town.longitude + rng.uniform(-0.04, 0.04), 6),
            )
        ctx.estate(
            "dcim.locations",
            {
                "name": pt.slug.upper(),
                "slug": pt.slug,
                "site": site.slug,
                "tenant": ctx.spec.tenant.slug,
                "custom_fields": {
                    vocab.CF_POINT_CODE: pt.slug.upper(),
                    vocab.CF_LATITUDE: coords[pt.index][0],
                    vocab.CF_LONGITUDE: coords[pt.index][1],
                },
                "description": f"front-end point ({pt.kind}); {ILL_NOTE}",
                "tags": TAGS_ILL,
            },
        )
    return coords


class Station:
    """The cabling of one station: aggregation switch, hub switches' ports, converters."""

    def __init__(
        self,
        ctx: Context,
        site: SiteSpec,
        points: list[Point],
        coords: dict[int, tuple[float, float]],
    ) -> None:
        self.ctx, self.site, self.points, self.coords = ctx, site, points, coords
        self.sw_model = ctx.spec.catalog.switches[site.switch]
        self.switches: dict[int, str] = {}  # hub point index -> switch name
        self.agg = f"{site.slug}-agg01"
        self.vg = sites.vlan_group(site.slug)
        self.kinds_behind: dict[int, list[CameraKind]] = {}  # hub/direct index -> camera kinds
        self._agg_ports = iter(ctx.spec.catalog.aggregation.access.names())
        self._next_access: dict[int, int] = {}
        self._next_sfp: dict[int, int] = {}
        self._converters = 0

    # -- the station's gateway ----------------------------------------------------------------

    def aggregation(
        self,
        k: int,
        cam_net: ipaddress.IPv4Network,
        mgmt_net: ipaddress.IPv4Network,
        kinds: list[CameraKind],
    ) -> None:
        """The aggregation switch: VLAN gateways, the routed site link to the core."""
        ctx, site = self.ctx, self.site
        agg, vl = ctx.spec.catalog.aggregation, ctx.spec.addressing.vlans
        gw_cam = ipaddress.IPv4Interface(f"{next(cam_net.hosts())}/{cam_net.prefixlen}")
        gw_mgmt = ipaddress.IPv4Interface(f"{next(mgmt_net.hosts())}/{mgmt_net.prefixlen}")
        ctx.estate(
            "dcim.devices",
            {
                "name": self.agg,
                "role": vocab.AGGREGATION_ROLE,
                "device_type": slugify(agg.model),
                "site": site.slug,
                "platform": agg.platform,
                "tenant": ctx.spec.tenant.slug,
                "primary_ip4": str(gw_mgmt),
                "description": "station gateway: front-end links, site link (implied by the seed)",
                "tags": TAGS_ILL,
            },
        )
        for vid, gw, vrf, what in (
            (vl.cameras, gw_cam, ctx.vrf, "cameras gateway"),
            (vl.switch_mgmt, gw_mgmt, ctx.mgmt_vrf, "switch management gateway"),
        ):
            ifname = agg.mgmt.format(vid=vid)
            self._iface(
                self.agg,
                ifname,
                "virtual",
                mode="access",
                untagged_vlan=Flow(group=self.vg, vid=vid),
                vrf=vrf,
                description=what,
            )
            ctx.ip(gw, self.agg, ifname, vrf=vrf)
        # The site link: routed /30 per VRF, the management one on a dot1q sub-interface.
        video_net = ctx.block(k, 7, 30)
        mgmt_transit = ipaddress.IPv4Network(
            (int(video_net.network_address) + video_net.num_addresses, 30)
        )
        cid = links.site_link_cid(site)
        core_v, agg_v = sites.transit(ctx, video_net, vrf=ctx.vrf, description=f"transit of {cid}")
        core_m, agg_m = sites.transit(
            ctx, mgmt_transit, vrf=ctx.mgmt_vrf, description=f"management transit of {cid}"
        )
        port = agg.uplink.names()[0]
        sub = f"{port}.{vl.switch_mgmt}"
        self._iface(self.agg, port, cat.uplink_type(agg), vrf=ctx.vrf, description=cid)
        self._iface(
            self.agg,
            sub,
            "virtual",
            parent=Flow(device=self.agg, name=port),
            vrf=ctx.mgmt_vrf,
            description=f"{cid} management",
        )
        ctx.ip(agg_v, self.agg, port)
        ctx.ip(agg_m, self.agg, sub, vrf=ctx.mgmt_vrf)
        mbps = sum(ctx.spec.catalog.cameras[kd].streams_mbps.main for kd in kinds)
        a, z = links.site_link(ctx, site, mbps)
        ctx.cable(Flow(device=self.agg, interface=port), a, vocab.CABLE_FIBRE)
        datacentre.site_link_core_end(ctx, k, site, z, video=core_v, mgmt=core_m)

    def front_end(self, pt: Point) -> Flow:
        """The point's front-end link, its station end on the next aggregation port (carrier
        Ethernet hand-off, copper); returns the point's end (A) for the caller to cable."""
        ctx = self.ctx
        models = ctx.spec.catalog.cameras
        kinds = self.kinds_behind.get(pt.index, [])
        a, z = links.front_end_link(
            ctx, self.site, pt.slug, main_mbps=sum(models[kd].streams_mbps.main for kd in kinds)
        )
        try:
            port = next(self._agg_ports)
        except StopIteration:
            raise InputError(
                f"spec: site {self.site.slug}: more front-end links than the aggregation "
                "switch's access ports"
            ) from None
        vl = ctx.spec.addressing.vlans
        if pt.kind == "hub":
            mode: dict[str, Any] = {
                "mode": "tagged",
                "tagged_vlans": FlowList(
                    [Flow(group=self.vg, vid=vl.cameras), Flow(group=self.vg, vid=vl.switch_mgmt)]
                ),
            }
        else:
            mode = {"mode": "access", "untagged_vlan": Flow(group=self.vg, vid=vl.cameras)}
        self._iface(self.agg, port, "1000base-t", description=links.front_end_cid(pt.slug), **mode)
        ctx.cable(Flow(device=self.agg, interface=port), z, vocab.CABLE_COPPER)
        return a

    # -- cameras ------------------------------------------------------------------------------

    def cameras(self, *, kinds: list[CameraKind], addresses: list[ipaddress.IPv4Interface]) -> None:
        """Cameras in point order: at a hub on the next switch port; at a satellite on its
        PoE converter (fibre to the hub); at a direct point on its own front-end link."""
        ctx, site, spec = self.ctx, self.site, self.ctx.spec
        industry = vocab.GROUP_INDUSTRY[site.group]
        cams = iter(zip(kinds, addresses, strict=True))
        cam_no = 0
        conv = spec.catalog.converter
        for pt in self.points:
            conv_name = self._satellite(pt) if pt.kind == "satellite" else None
            if conv_name is not None and pt.cameras > conv.copper.count:
                raise InputError(
                    f"spec: site {site.slug}: point {pt.slug} has {pt.cameras} cameras, more "
                    f"than the converter's {conv.copper.count} PoE ports"
                )
            for c in range(pt.cameras):
                cam_no += 1
                kind, addr = next(cams)
                name = f"{site.slug}-cam{cam_no:04d}"
                cam = spec.catalog.cameras[kind]
                gid = ctx.gb_id(
                    base_unit=site.base_unit, industry=industry, type_code=cam.type_code
                )
                ctx.estate(
                    "dcim.devices",
                    {
                        "name": name,
                        "role": vocab.CAMERA_ROLES[kind],
                        "device_type": slugify(cam.model),
                        "site": site.slug,
                        "location": pt.slug,
                        "tenant": spec.tenant.slug,
                        "primary_ip4": str(addr),
                        "custom_fields": {vocab.CF_GB28181_ID: gid},
                        "tags": TAGS,
                    },
                )
                ctx.ip(addr, name, "eth0")
                port = Flow(device=name, interface="eth0")
                owner = pt.index if pt.kind == "direct" else pt.hub
                self.kinds_behind.setdefault(owner, []).append(kind)
                if pt.kind == "direct":
                    a = self.front_end(pt)
                    ctx.cable(port, a, vocab.CABLE_COPPER)
                elif conv_name is not None:
                    lan = Flow(device=conv_name, interface=conv.copper.names()[c])
                    ctx.cable(port, lan, vocab.CABLE_COPPER)
                else:
                    sw_port = self._switch_access(pt.hub, name)
                    ctx.cable(port, sw_port, vocab.CABLE_COPPER)

    def _switch_access(self, hub: int, description: str) -> Flow:
        """The next free copper access port of the hub's switch, in the cameras' VLAN."""
        sw, ports = self.switches[hub], self.sw_model.access.names()
        n = self._next_access.get(hub, 0)
        if n >= len(ports):
            raise InputError(
                f"spec: site {self.site.slug}: switch {sw} needs more than its "
                f"{len(ports)} access ports"
            )
        self._next_access[hub] = n + 1
        vl = self.ctx.spec.addressing.vlans
        self._iface(
            sw,
            ports[n],
            "1000base-t",
            mode="access",
            untagged_vlan=Flow(group=self.vg, vid=vl.cameras),
            description=description,
        )
        return Flow(device=sw, interface=ports[n])

    def _converter(self, pt: Point, description: str) -> str:
        self._converters += 1
        name = f"{self.site.slug}-mc{self._converters:03d}"
        model = self.ctx.spec.catalog.converter
        self.ctx.estate(
            "dcim.devices",
            {
                "name": name,
                "role": vocab.CONVERTER_ROLE,
                "device_type": slugify(model.model),
                "site": self.site.slug,
                "location": pt.slug,
                "tenant": self.ctx.spec.tenant.slug,
                "description": f"{description} (existing, implied by the seed)",
                "tags": TAGS_ILL,
            },
        )
        return name

    def _satellite(self, pt: Point) -> str:
        """The satellite's converter and its fibre to the hub: on a free SFP port of the hub
        switch (its first one is the uplink), else on a converter at the hub cabled to a copper
        access port. Returns the satellite's converter."""
        ctx, conv = self.ctx, self.ctx.spec.catalog.converter
        hub = self.points[pt.hub]
        name = self._converter(pt, f"PoE fibre converter to {self.switches[pt.hub]}")
        metres = physics.distance_m(self.coords[pt.index], self.coords[pt.hub])
        sfps = self.sw_model.uplink.names()
        n = self._next_sfp.get(pt.hub, 1)
        if n < len(sfps):
            self._next_sfp[pt.hub] = n + 1
            sw = self.switches[pt.hub]
            vl = ctx.spec.addressing.vlans
            self._iface(
                sw,
                sfps[n],
                cat.uplink_type(self.sw_model),
                mode="access",
                untagged_vlan=Flow(group=self.vg, vid=vl.cameras),
                description=f"{name} ({pt.slug})",
            )
            far = Flow(device=sw, interface=sfps[n])
        else:
            hub_conv = self._converter(hub, f"fibre converter for {pt.slug} at its hub")
            ctx.cable(
                Flow(device=hub_conv, interface=conv.copper.names()[0]),
                self._switch_access(pt.hub, f"{hub_conv} ({pt.slug})"),
                vocab.CABLE_COPPER,
            )
            far = Flow(device=hub_conv, interface=conv.fibre.names()[0])
        ctx.cable(
            Flow(device=name, interface=conv.fibre.names()[0]),
            far,
            vocab.CABLE_FIBRE,
            metres=metres,
        )
        return name

    def _iface(self, device: str, name: str, itype: str, **extra: Any) -> None:
        self.ctx.estate(
            "dcim.interfaces",
            {"device": device, "name": name, "type": itype, **extra, "tags": TAGS},
        )


def _switch(
    ctx: Context,
    site: SiteSpec,
    model: SwitchModel,
    *,
    name: str,
    pt: Point,
    addr: ipaddress.IPv4Interface,
) -> None:
    """An access switch at hub point `pt`: uplink trunk and management interface (management
    VRF)."""
    vl = ctx.spec.addressing.vlans
    mgmt_if = model.mgmt.format(vid=vl.switch_mgmt)
    ctx.estate(
        "dcim.devices",
        {
            "name": name,
            "role": vocab.SWITCH_ROLE,
            "device_type": slugify(model.model),
            "site": site.slug,
            "location": pt.slug,
            "platform": model.platform,
            "tenant": ctx.spec.tenant.slug,
            "primary_ip4": str(addr),
            "tags": TAGS,
        },
    )
    vg = sites.vlan_group(site.slug)
    ctx.estate(
        "dcim.interfaces",
        {
            "device": name,
            "name": model.uplink.names()[0],
            "type": cat.uplink_type(model),
            "mode": "tagged",
            "tagged_vlans": FlowList(
                [Flow(group=vg, vid=vl.cameras), Flow(group=vg, vid=vl.switch_mgmt)]
            ),
            "description": f"uplink {links.front_end_cid(pt.slug)}",
            "tags": TAGS,
        },
    )
    ctx.estate(
        "dcim.interfaces",
        {
            "device": name,
            "name": mgmt_if,
            "type": "virtual",
            "mode": "access",
            "untagged_vlan": Flow(group=vg, vid=vl.switch_mgmt),
            "vrf": ctx.mgmt_vrf,
            "description": "management",
            "tags": TAGS,
        },
    )
    ctx.ip(addr, name, mgmt_if, vrf=ctx.mgmt_vrf)


def _display_system(ctx: Context, site: SiteSpec) -> None:
    """The station's display wall: splice screens and a matrix with its boards."""
    models, tenant = ctx.spec.catalog, ctx.spec.tenant.slug
    for n in range(site.splice_screens):
        ctx.estate(
            "dcim.devices",
            {
                "name": f"{site.slug}-lcd{n + 1:02d}",
                "role": vocab.SPLICE_ROLE,
                "device_type": slugify(models.splice_screen.model),
                "site": site.slug,
                "tenant": tenant,
                "description": "display wall splice screen (maintenance scope)",
                "tags": TAGS,
            },
        )
    matrix = f"{site.slug}-mx01"
    ctx.estate(
        "dcim.devices",
        {
            "name": matrix,
            "role": vocab.MATRIX_ROLE,
            "device_type": slugify(models.matrix.model),
            "site": site.slug,
            "tenant": tenant,
            "description": "display wall matrix (maintenance scope)",
            "tags": TAGS,
        },
    )
    boards = [(f"video-board-{n + 1}", vocab.VIDEO_BOARD_ROLE) for n in range(site.video_boards)]
    boards += [
        ("main-control-board", vocab.MAIN_CONTROL_BOARD_ROLE),
        ("control-board", vocab.CONTROL_BOARD_ROLE),
    ]
    for name, role in boards:
        ctx.estate(
            "dcim.inventory-items",
            {
                "device": matrix,
                "name": name,
                "role": role,
                "manufacturer": models.matrix.manufacturer,
                "tags": TAGS,
            },
        )


def box_kits_and_signs(ctx: Context) -> None:
    """Spread the seed's new boxes and signs over all points (seeded)."""
    totals = ctx.spec.totals
    locations = sorted(ctx.out.of("estate", "dcim.locations"), key=lambda o: o["slug"])
    rng = random.Random(f"{ctx.spec.seed}-points")
    if max(totals.new_boxes, totals.signs) > len(locations):
        raise InputError("spec: totals exceed the number of points")
    new_box = set(rng.sample(range(len(locations)), totals.new_boxes))
    signs = set(rng.sample(range(len(locations)), totals.signs))
    for n, loc in enumerate(locations):
        kit = vocab.BOX_NEW if n in new_box else vocab.BOX_LOCK_CORE
        loc["custom_fields"][vocab.CF_BOX_KIT] = kit
        loc["custom_fields"][vocab.CF_HAS_SIGN] = n in signs
