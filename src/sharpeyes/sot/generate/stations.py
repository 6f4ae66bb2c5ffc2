"""A station (police station, checkpoint, traffic squadron): its VLANs and prefixes, front-end
points laid out around hubs, access switches, cameras wired to switch ports or straight to a
link, leased links and the display wall; then box kits and signs spread over all points."""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass

from sharpeyes import vocab
from sharpeyes.errors import InputError
from sharpeyes.ipam.alloc import allocate_many
from sharpeyes.sot.generate import catalogue as cat
from sharpeyes.sot.generate import links, sites
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
    _locations(ctx, site, points, rng)
    kinds: list[CameraKind] = [kind for kind, n in site.cameras.items() for _ in range(n)]
    rng.shuffle(kinds)
    links.site_link(ctx, site, sum(site.cameras.values()))
    # Switches first (hub order), then cameras in point order.
    sw_model = ctx.spec.catalog.switches[site.switch]
    switches: dict[int, str] = {}  # hub point index -> switch name
    mgmt_ips = allocate_many(mgmt_net, [], site.switches)
    for n, pt in enumerate(p for p in points if p.kind == "hub"):
        switches[pt.index] = f"{site.slug}-sw{n + 1:02d}"
        _switch(ctx, site, sw_model, name=switches[pt.index], pt=pt, addr=mgmt_ips[n])
    cam_ips = allocate_many(cam_net, [], len(kinds))
    on_switch = _cameras(ctx, site, points, kinds=kinds, switches=switches, addresses=cam_ips)
    for idx, sw in switches.items():
        uplink = Flow(device=sw, interface=sw_model.uplink.names()[0])
        links.front_end_link(
            ctx, site, points[idx].slug, end=uplink, cameras=on_switch[idx], cable_type="smf"
        )
    if site.splice_screens:
        _display_system(ctx, site)


def _prefixes(
    ctx: Context, k: int, site: SiteSpec
) -> tuple[ipaddress.IPv4Network, ipaddress.IPv4Network]:
    """Camera and switch-management VLAN prefixes, and the site link's reserved transit /30."""
    vl = ctx.spec.addressing.vlans
    cam_net = sites.vlan_prefix(ctx, site.slug, k, 0, 24, role=vocab.PREFIX_CAMERAS, vid=vl.cameras)
    mgmt_net = sites.vlan_prefix(
        ctx, site.slug, k, 4, 24, role=vocab.PREFIX_SWITCH_MGMT, vid=vl.switch_mgmt
    )
    ctx.estate(
        "ipam.prefixes",
        {
            "prefix": str(ctx.block(k, 7, 30)),
            "vrf": ctx.vrf,
            "scope_type": "dcim.site",
            "scope": site.slug,
            "status": "reserved",
            "role": vocab.PREFIX_UPLINKS,
            "tenant": ctx.spec.tenant.slug,
            "description": f"transit of site link QX-SL-{site.code}",
            "tags": TAGS,
        },
    )
    return cam_net, mgmt_net


def _locations(ctx: Context, site: SiteSpec, points: list[Point], rng: random.Random) -> None:
    """One location per point, placed at random around the station's town."""
    town = ctx.spec.town(site.town)
    for pt in points:
        ctx.estate(
            "dcim.locations",
            {
                "name": pt.slug.upper(),
                "slug": pt.slug,
                "site": site.slug,
                "tenant": ctx.spec.tenant.slug,
                "custom_fields": {
                    vocab.CF_POINT_CODE: pt.slug.upper(),
                    vocab.CF_LATITUDE: round(town.latitude + rng.uniform(-0.04, 0.04), 6),
                    vocab.CF_LONGITUDE: round(town.longitude + rng.uniform(-0.04, 0.04), 6),
                },
                "description": f"front-end point; {ILL_NOTE}",
                "tags": TAGS_ILL,
            },
        )


def _cameras(
    ctx: Context,
    site: SiteSpec,
    points: list[Point],
    *,
    kinds: list[CameraKind],
    switches: dict[int, str],
    addresses: list[ipaddress.IPv4Interface],
) -> dict[int, float]:
    """Cameras in point order, each on the next free port of its hub's switch, or (direct
    points) on its own front-end link. Returns the cameras per switch (by hub index)."""
    spec = ctx.spec
    industry = spec.group(site.group).industry
    sw_model = spec.catalog.switches[site.switch]
    ports = sw_model.access.names()
    vlan = Flow(group=sites.vlan_group(site.slug), vid=spec.addressing.vlans.cameras)
    next_port = {idx: 0 for idx in switches}
    on_switch = {idx: 0.0 for idx in switches}
    cams = iter(zip(kinds, addresses, strict=True))
    cam_no = 0
    for pt in points:
        for _ in range(pt.cameras):
            cam_no += 1
            kind, addr = next(cams)
            name = f"{site.slug}-cam{cam_no:04d}"
            cam = spec.catalog.cameras[kind]
            gid = ctx.gb_id(base_unit=site.base_unit, industry=industry, type_code=cam.type_code)
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
            camera_port = Flow(device=name, interface="eth0")
            if pt.kind == "direct":
                links.front_end_link(
                    ctx, site, pt.slug, end=camera_port, cameras=1, cable_type="cat6"
                )
                continue
            sw = switches[pt.hub]
            if next_port[pt.hub] >= len(ports):
                raise InputError(
                    f"spec: site {site.slug}: switch {sw} has more cameras "
                    f"than its {len(ports)} access ports"
                )
            port = ports[next_port[pt.hub]]
            next_port[pt.hub] += 1
            on_switch[pt.hub] += 1
            ctx.estate(
                "dcim.interfaces",
                {
                    "device": sw,
                    "name": port,
                    "type": "1000base-t",
                    "mode": "access",
                    "untagged_vlan": vlan,
                    "description": name,
                    "tags": TAGS,
                },
            )
            ctx.cable(camera_port, Flow(device=sw, interface=port), "cat6")
    return on_switch


def _switch(
    ctx: Context,
    site: SiteSpec,
    model: SwitchModel,
    *,
    name: str,
    pt: Point,
    addr: ipaddress.IPv4Interface,
) -> None:
    """An access switch at hub point `pt`: uplink trunk and management interface."""
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
            "description": "management",
            "tags": TAGS,
        },
    )
    ctx.ip(addr, name, mgmt_if)


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
