"""The data centre: racks, the video servers (duty, GB id, bond, addresses, disks), the core
switch routing every site link, the management switch of the BMCs, the Beidou/GPS clock, the
boundary platform and its link, and the config contexts the roles read."""

from __future__ import annotations

import ipaddress
import random
from typing import Any

from sharpeyes import vocab
from sharpeyes.ipam.alloc import allocate_many
from sharpeyes.sot import physics
from sharpeyes.sot.generate import catalogue as cat
from sharpeyes.sot.generate import links, sites
from sharpeyes.sot.generate.catalogue import ILL_NOTE, TAGS, TAGS_ILL, slugify
from sharpeyes.sot.generate.context import Context
from sharpeyes.sot.records import Flow, FlowList
from sharpeyes.sot.spec import DiskModel, SiteSpec

CORE = "qxdc-core01"
MGMT_SWITCH = "qxdc-mgmt01"
CLOCK = "qxdc-clk01"
BOUNDARY_GW = "qy-bnd-gw01"
# Core ports: two per server (bond members), then one per site link, the management switch's
# uplink and the boundary link.
_SITE_PORT0 = 20
_MGMT_UPLINK = 45
_BOUNDARY_PORT = 46


def _server_name(n: int) -> str:
    return f"qxdc-vc{n + 1:02d}"


def core_port(ctx: Context, index: int) -> str:
    return ctx.spec.catalog.core.ports.names()[index]


def build(ctx: Context) -> None:
    spec, dc = ctx.spec, ctx.spec.data_centre
    sites.site(
        ctx,
        dc.slug,
        dc.name,
        group=vocab.GROUP_DATA_CENTRE,
        town_slug=dc.town,
        k=0,
        description="Branch data centre (清新分局机房); all site links end here",
    )
    vl = spec.addressing.vlans
    servers_net = sites.vlan_prefix(
        ctx, dc.slug, 0, 1, 24, role=vocab.PREFIX_SERVERS, vid=vl.servers
    )
    bmc_net = sites.vlan_prefix(
        ctx, dc.slug, 0, 3, 24, role=vocab.PREFIX_BMC, vid=vl.bmc, vrf=ctx.mgmt_vrf
    )
    racks = [f"{dc.slug}-r{r + 1:02d}" for r in range(dc.racks)]
    for rack in racks:
        ctx.estate(
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
    _servers(ctx, racks, srv_ips, bmc_ips)
    _core(ctx, racks[0], servers_net, bmc_net)
    # (addresses, not interfaces: ipam.alloc would not see an interface as in use)
    taken_srv, taken_bmc = [i.ip for i in srv_ips], [i.ip for i in bmc_ips]
    clock_ips = allocate_many(servers_net, taken_srv, 1) + allocate_many(bmc_net, taken_bmc, 1)
    mgmt_ip = allocate_many(bmc_net, [*taken_bmc, clock_ips[1].ip], 1)[0]
    _mgmt_switch(ctx, racks[0], mgmt_ip)
    _clock(ctx, racks[-1], clock_ips[0], clock_ips[1])
    _boundary(ctx)


def _servers(
    ctx: Context,
    racks: list[str],
    srv_ips: list[ipaddress.IPv4Interface],
    bmc_ips: list[ipaddress.IPv4Interface],
) -> None:
    spec, dc = ctx.spec, ctx.spec.data_centre
    per_rack = -(-dc.servers // dc.racks)
    rng = random.Random(f"{spec.seed}-disks")
    serials: set[str] = set()
    server = spec.catalog.server
    for n in range(dc.servers):
        name = _server_name(n)
        duty = spec.platform.server_duties[n]
        gid = ctx.gb_id(
            base_unit="00",
            industry=vocab.GROUP_INDUSTRY[vocab.GROUP_DATA_CENTRE],
            type_code=vocab.SERVER_DUTY_TYPE_CODES[duty],
        )
        ctx.estate(
            "dcim.devices",
            {
                "name": name,
                "role": vocab.SERVER_ROLE,
                "device_type": slugify(server.model),
                "site": dc.slug,
                "rack": racks[n // per_rack],
                "position": 1 + (n % per_rack) * server.u_height,
                "face": "front",
                "platform": server.platform,
                "tenant": spec.tenant.slug,
                "primary_ip4": str(srv_ips[n]),
                "custom_fields": {vocab.CF_GB28181_ID: gid, vocab.CF_PLATFORM_DUTY: duty},
                "description": cat.SERVER_DUTIES[n],
                "tags": TAGS,
            },
        )
        ctx.estate(
            "dcim.interfaces",
            {
                "device": name,
                "name": cat.SERVER_BOND,
                "type": "lag",
                "description": "video network, LACP",
                "tags": TAGS,
            },
        )
        for m, member in enumerate(cat.SERVER_BOND_MEMBERS):
            ctx.estate(
                "dcim.interfaces",
                {
                    "device": name,
                    "name": member,
                    "type": "10gbase-x-sfpp",
                    "lag": Flow(device=name, name=cat.SERVER_BOND),
                    "tags": TAGS,
                },
            )
            ctx.cable(
                Flow(device=name, interface=member),
                Flow(device=CORE, interface=core_port(ctx, 2 * n + m)),
                vocab.CABLE_FIBRE_DC,
            )
        ctx.ip(srv_ips[n], name, cat.SERVER_BOND)
        ctx.ip(bmc_ips[n], name, "bmc", vrf=ctx.mgmt_vrf)
        ctx.cable(
            Flow(device=name, interface="bmc"),
            Flow(device=MGMT_SWITCH, interface=spec.catalog.mgmt_switch.access.names()[n]),
            vocab.CABLE_COPPER,
        )
        for d in range(dc.system_disks):
            _disk(
                ctx,
                name,
                f"system-disk-{d + 1}",
                role=vocab.SYSTEM_DISK_ROLE,
                model=spec.catalog.system_disk,
                rng=rng,
                serials=serials,
            )
        for d in range(dc.data_disks):
            _disk(
                ctx,
                name,
                f"data-disk-{d + 1:02d}",
                role=vocab.DATA_DISK_ROLE,
                model=spec.catalog.data_disk,
                rng=rng,
                serials=serials,
            )


def _device(
    ctx: Context,
    name: str,
    role: str,
    model: str,
    *,
    site: str,
    primary: ipaddress.IPv4Interface | None,
    description: str,
    platform: str | None = None,
    rack: str | None = None,
    position: int | None = None,
) -> None:
    obj: dict[str, Any] = {
        "name": name,
        "role": role,
        "device_type": slugify(model),
        "site": site,
    }
    if rack is not None:
        obj |= {"rack": rack, "position": position, "face": "front"}
    if platform is not None:
        obj["platform"] = platform
    obj["tenant"] = ctx.spec.tenant.slug
    if primary is not None:
        obj["primary_ip4"] = str(primary)
    ctx.estate("dcim.devices", {**obj, "description": description, "tags": TAGS_ILL})


def _iface(ctx: Context, device: str, name: str, itype: str, **extra: Any) -> None:
    ctx.estate("dcim.interfaces", {"device": device, "name": name, "type": itype, **extra})


def _vlan(ctx: Context, vid: int) -> Flow:
    return Flow(group=sites.vlan_group(ctx.spec.data_centre.slug), vid=vid)


def _core(
    ctx: Context, rack: str, servers_net: ipaddress.IPv4Network, bmc_net: ipaddress.IPv4Network
) -> None:
    """The core: an Eth-Trunk per server in the servers' VLAN and the VLAN gateways."""
    spec = ctx.spec
    core, vl = spec.catalog.core, spec.addressing.vlans
    gw_servers = ipaddress.IPv4Interface(f"{next(servers_net.hosts())}/{servers_net.prefixlen}")
    gw_bmc = ipaddress.IPv4Interface(f"{next(bmc_net.hosts())}/{bmc_net.prefixlen}")
    _device(
        ctx,
        CORE,
        vocab.CORE_ROLE,
        core.model,
        site=spec.data_centre.slug,
        primary=gw_bmc,
        description="data-centre core: site links, servers, boundary (implied by the seed)",
        platform=core.platform,
        rack=rack,
        position=40,
    )
    for n in range(spec.data_centre.servers):
        trunk = f"Eth-Trunk{n + 1}"
        _iface(
            ctx,
            CORE,
            trunk,
            "lag",
            mode="access",
            untagged_vlan=_vlan(ctx, vl.servers),
            description=f"{_server_name(n)} bond0",
            tags=TAGS,
        )
        for m in range(2):
            _iface(
                ctx,
                CORE,
                core_port(ctx, 2 * n + m),
                cat.port_type(core.ports),
                lag=Flow(device=CORE, name=trunk),
                description=f"{_server_name(n)} {cat.SERVER_BOND_MEMBERS[m]}",
                tags=TAGS,
            )
    for vid, gw, vrf, what in (
        (vl.servers, gw_servers, ctx.vrf, "servers gateway"),
        (vl.bmc, gw_bmc, ctx.mgmt_vrf, "BMC / management gateway"),
    ):
        ifname = core.vlan_if.format(vid=vid)
        _iface(
            ctx,
            CORE,
            ifname,
            "virtual",
            vrf=vrf,
            untagged_vlan=_vlan(ctx, vid),
            mode="access",
            description=what,
            tags=TAGS,
        )
        ctx.ip(gw, CORE, ifname, vrf=vrf)
    _iface(
        ctx,
        CORE,
        core_port(ctx, _MGMT_UPLINK),
        cat.port_type(core.ports),
        mode="tagged",
        tagged_vlans=FlowList([_vlan(ctx, vl.servers), _vlan(ctx, vl.bmc)]),
        description=f"{MGMT_SWITCH} uplink",
        tags=TAGS,
    )
    ctx.cable(
        Flow(device=CORE, interface=core_port(ctx, _MGMT_UPLINK)),
        Flow(device=MGMT_SWITCH, interface=spec.catalog.mgmt_switch.uplink.names()[0]),
        vocab.CABLE_FIBRE_DC,
    )


def _mgmt_switch(ctx: Context, rack: str, addr: ipaddress.IPv4Interface) -> None:
    spec = ctx.spec
    sw, vl = spec.catalog.mgmt_switch, spec.addressing.vlans
    _device(
        ctx,
        MGMT_SWITCH,
        vocab.MGMT_SWITCH_ROLE,
        sw.model,
        site=spec.data_centre.slug,
        primary=addr,
        description="BMC and clock access switch (implied by the seed's servers)",
        platform=sw.platform,
        rack=rack,
        position=39,
    )
    access = sw.access.names()
    ports = [(access[n], vl.bmc, f"{_server_name(n)} BMC") for n in range(spec.data_centre.servers)]
    n = spec.data_centre.servers
    ports += [(access[n], vl.servers, f"{CLOCK} eth0"), (access[n + 1], vl.bmc, f"{CLOCK} eth1")]
    for port, vid, what in ports:
        _iface(
            ctx,
            MGMT_SWITCH,
            port,
            "1000base-t",
            mode="access",
            untagged_vlan=_vlan(ctx, vid),
            description=what,
            tags=TAGS,
        )
    _iface(
        ctx,
        MGMT_SWITCH,
        sw.uplink.names()[0],
        cat.uplink_type(sw),
        mode="tagged",
        tagged_vlans=FlowList([_vlan(ctx, vl.servers), _vlan(ctx, vl.bmc)]),
        description=f"uplink {CORE}",
        tags=TAGS,
    )
    mgmt_if = sw.mgmt.format(vid=vl.bmc)
    _iface(
        ctx,
        MGMT_SWITCH,
        mgmt_if,
        "virtual",
        mode="access",
        untagged_vlan=_vlan(ctx, vl.bmc),
        vrf=ctx.mgmt_vrf,
        description="management",
        tags=TAGS,
    )
    ctx.ip(addr, MGMT_SWITCH, mgmt_if, vrf=ctx.mgmt_vrf)


def _clock(
    ctx: Context, rack: str, video: ipaddress.IPv4Interface, mgmt: ipaddress.IPv4Interface
) -> None:
    """The Beidou/GPS clock: NTP to the servers (eth0) and the network devices (eth1)."""
    spec = ctx.spec
    clock = spec.catalog.clock
    _device(
        ctx,
        CLOCK,
        vocab.CLOCK_ROLE,
        clock.model,
        site=spec.data_centre.slug,
        primary=video,
        description=f"Beidou/GPS NTP clock, the estate's time source; {ILL_NOTE}",
        rack=rack,
        position=40,
    )
    access = spec.catalog.mgmt_switch.access.names()
    n = spec.data_centre.servers
    for port, sw_port, addr, vrf in (
        ("eth0", access[n], video, ctx.vrf),
        ("eth1", access[n + 1], mgmt, ctx.mgmt_vrf),
    ):
        ctx.ip(addr, CLOCK, port, vrf=vrf)
        ctx.cable(
            Flow(device=CLOCK, interface=port),
            Flow(device=MGMT_SWITCH, interface=sw_port),
            vocab.CABLE_COPPER,
        )


def _boundary(ctx: Context) -> None:
    """The boundary platform's site (not a seed site), its gateway and the routed link."""
    spec, b = ctx.spec, ctx.spec.boundary
    ctx.estate(
        "dcim.sites",
        {
            "name": b.name,
            "slug": b.slug,
            "region": b.region,
            "group": vocab.GROUP_BOUNDARY,
            "tenant": spec.tenant.slug,
            "latitude": b.latitude,
            "longitude": b.longitude,
            "description": "video private network boundary towards the police information "
            f"network (公安信息网); not a seed site; {ILL_NOTE}",
            "tags": TAGS_ILL,
        },
    )
    model = spec.catalog.boundary
    _device(
        ctx,
        BOUNDARY_GW,
        vocab.BOUNDARY_ROLE,
        model.model,
        site=b.slug,
        primary=None,
        description="boundary platform gateway (the city bureau's); " + ILL_NOTE,
    )
    net = ctx.block(0, 7, 30)
    core_ip, gw_ip = sites.transit(ctx, net, vrf=ctx.vrf, description=f"transit of {b.cid}")
    a, z = links.boundary_link(ctx)
    port = core_port(ctx, _BOUNDARY_PORT)
    gw_port = model.ports.names()[0]
    _iface(
        ctx,
        CORE,
        port,
        cat.port_type(spec.catalog.core.ports),
        vrf=ctx.vrf,
        description=f"{b.cid} boundary platform",
        tags=TAGS,
    )
    _iface(ctx, BOUNDARY_GW, gw_port, cat.port_type(model.ports), vrf=ctx.vrf, tags=TAGS)
    ctx.ip(core_ip, CORE, port)
    ctx.ip(gw_ip, BOUNDARY_GW, gw_port)
    ctx.cable(Flow(device=CORE, interface=port), a, vocab.CABLE_FIBRE)
    ctx.cable(Flow(device=BOUNDARY_GW, interface=gw_port), z, vocab.CABLE_FIBRE)


def site_link_core_end(
    ctx: Context,
    k: int,
    site: SiteSpec,
    z: Flow,
    *,
    video: ipaddress.IPv4Interface,
    mgmt: ipaddress.IPv4Interface,
) -> None:
    """The core's end of station k's site link: a routed port (video VRF), its management
    sub-interface (management VRF) and the cable to the circuit's Z end."""
    spec = ctx.spec
    port = core_port(ctx, _SITE_PORT0 + k - 1)
    sub = f"{port}.{spec.addressing.vlans.switch_mgmt}"
    cid = links.site_link_cid(site)
    _iface(
        ctx,
        CORE,
        port,
        cat.port_type(spec.catalog.core.ports),
        vrf=ctx.vrf,
        description=f"{cid} {site.slug}",
        tags=TAGS,
    )
    _iface(
        ctx,
        CORE,
        sub,
        "virtual",
        parent=Flow(device=CORE, name=port),
        vrf=ctx.mgmt_vrf,
        description=f"{cid} {site.slug} management",
        tags=TAGS,
    )
    ctx.ip(video, CORE, port)
    ctx.ip(mgmt, CORE, sub, vrf=ctx.mgmt_vrf)
    ctx.cable(Flow(device=CORE, interface=port), z, vocab.CABLE_FIBRE)


def _disk(
    ctx: Context,
    device: str,
    name: str,
    *,
    role: str,
    model: DiskModel,
    rng: random.Random,
    serials: set[str],
) -> None:
    """A disk with an illustrative serial, unique among the data centre's disks."""
    while True:
        serial = f"ZR{rng.randrange(36**6):06X}"[:8]
        if serial not in serials:
            serials.add(serial)
            break
    ctx.estate(
        "dcim.inventory-items",
        {
            "device": device,
            "name": name,
            "role": role,
            "manufacturer": model.manufacturer,
            "part_id": model.part_id,
            "serial": serial,
            "custom_fields": {vocab.CF_CAPACITY_GB: model.capacity_gb},
            "description": "serial illustrative",
            "tags": TAGS,
        },
    )


def _media_assignment(ctx: Context, media: list[str]) -> dict[str, list[str]]:
    """Stations to media-distribution servers, balancing cameras (largest station first)."""
    cams: dict[str, int] = {}
    for o in ctx.out.of("estate", "dcim.devices"):
        if o["role"] in vocab.CAMERA_ROLE_SLUGS:
            cams[o["site"]] = cams.get(o["site"], 0) + 1
    load = dict.fromkeys(media, 0)
    out: dict[str, list[str]] = {m: [] for m in media}
    for site, n in sorted(cams.items(), key=lambda kv: (-kv[1], kv[0])):
        target = min(media, key=lambda m: (load[m], m))
        load[target] += n
        out[target].append(site)
    return {m: sorted(s) for m, s in out.items()}


def config_context(ctx: Context) -> None:
    """The video platform's settings (servers' ids and duties, RTP range sized from the
    cameras, stream and storage policy) and the NTP sources of servers and network devices."""
    spec, plat = ctx.spec, ctx.spec.platform
    servers = sorted(
        (o for o in ctx.out.of("estate", "dcim.devices") if o["role"] == vocab.SERVER_ROLE),
        key=lambda o: o["name"],
    )
    duty = {o["name"]: o["custom_fields"][vocab.CF_PLATFORM_DUTY] for o in servers}
    ids = {o["name"]: o["custom_fields"][vocab.CF_GB28181_ID] for o in servers}
    sip = [ids[n] for n in ids if duty[n] == vocab.DUTY_SIP]
    media = [n for n in ids if duty[n] == vocab.DUTY_MEDIA_DISTRIBUTION]
    assignment = _media_assignment(ctx, media)
    cams_by_site: dict[str, int] = {}
    for o in ctx.out.of("estate", "dcim.devices"):
        if o["role"] in vocab.CAMERA_ROLE_SLUGS:
            cams_by_site[o["site"]] = cams_by_site.get(o["site"], 0) + 1
    rtp = physics.RtpPolicy(
        streams_per_camera=plat.rtp.streams_per_camera,
        ports_per_stream=plat.rtp.ports_per_stream,
        headroom=plat.rtp.headroom,
    )
    needed = max(
        physics.rtp_ports_needed(sum(cams_by_site.get(s, 0) for s in sl), rtp)
        for sl in assignment.values()
    )
    size = -(-needed // plat.rtp.step) * plat.rtp.step
    models = spec.catalog.cameras
    ctx.estate(
        "extras.config-contexts",
        {
            "name": "video-platform",
            "weight": 1000,
            "is_active": True,
            "description": "GB/T 28181 platform, streams, retention and storage (read by roles)",
            "roles": FlowList([vocab.SERVER_ROLE]),
            "data": {
                "sharpeyes_gb28181": {
                    "sip_domain": sip[0][:10],
                    "sip_server_id": sip[0],
                    "sip_server_standby_id": sip[1] if len(sip) > 1 else sip[0],
                    "sip_port": cat.SIP_PORT,
                    "rtp_port_range": FlowList(
                        [plat.rtp.first_port, plat.rtp.first_port + size - 1]
                    ),
                    "rtp": dict(rtp.model_dump()),
                    "media_servers": {
                        m: {"id": ids[m], "sites": FlowList(assignment[m])} for m in media
                    },
                    "media_storage_ids": {
                        n: i for n, i in ids.items() if duty[n] == "media-storage"
                    },
                    "web_port": cat.WEB_PORT,
                },
                "sharpeyes_video": {
                    "streams_mbps": {
                        k: Flow(main=c.streams_mbps.main, sub=c.streams_mbps.sub)
                        for k, c in models.items()
                    },
                    "pictures": {
                        k: Flow(per_day=c.pictures.per_day, kb=c.pictures.kb)
                        for k, c in models.items()
                        if c.pictures is not None
                    },
                    "retention_days": dict(plat.retention_days),
                    "min_retention_days": plat.min_retention_days,
                },
                "sharpeyes_storage": dict(plat.storage),
            },
        },
    )
    addrs = {
        (o["assigned_object"]["name"], o["vrf"]): o["address"].split("/")[0]
        for o in ctx.out.of("estate", "ipam.ip-addresses")
        if o["assigned_object"]["device"] == CLOCK
    }
    for name, roles, port, vrf, what in (
        ("ntp-servers", [vocab.SERVER_ROLE], "eth0", ctx.vrf, "servers"),
        (
            "ntp-network",
            sorted(vocab.NETWORK_ROLES),
            "eth1",
            ctx.mgmt_vrf,
            "network devices (management VRF)",
        ),
    ):
        ctx.estate(
            "extras.config-contexts",
            {
                "name": name,
                "weight": 1000,
                "is_active": True,
                "description": f"NTP upstream of the {what}: the data centre's Beidou/GPS clock",
                "roles": FlowList(roles),
                # the shape chrony_servers takes: a list of {host, iburst}
                "data": {"sharpeyes_ntp_servers": [Flow(host=addrs[(port, vrf)], iburst=True)]},
            },
        )
