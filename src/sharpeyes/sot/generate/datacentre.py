"""The data centre: racks, the video servers with their bond, addresses, GB ids and disks, and
the `video-platform` config context the server roles read."""

from __future__ import annotations

import random

from sharpeyes import vocab
from sharpeyes.ipam.alloc import allocate_many
from sharpeyes.sot.generate import catalogue as cat
from sharpeyes.sot.generate import sites
from sharpeyes.sot.generate.catalogue import TAGS, slugify
from sharpeyes.sot.generate.context import Context
from sharpeyes.sot.records import Flow, FlowList
from sharpeyes.sot.spec import DiskModel


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
    bmc_net = sites.vlan_prefix(ctx, dc.slug, 0, 3, 24, role=vocab.PREFIX_BMC, vid=vl.bmc)
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
    per_rack = -(-dc.servers // dc.racks)
    rng = random.Random(f"{spec.seed}-disks")
    serials: set[str] = set()
    server = spec.catalog.server
    for n in range(dc.servers):
        name = f"qxdc-vc{n + 1:02d}"
        sip = n < cat.SIP_SERVERS
        gid = ctx.gb_id(
            base_unit="00",
            industry=vocab.INDUSTRY_SOCIAL,
            type_code=vocab.TYPE_SIP_SERVER if sip else vocab.TYPE_MEDIA_STORAGE,
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
                "custom_fields": {vocab.CF_GB28181_ID: gid},
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
        for member in cat.SERVER_BOND_MEMBERS:
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
        ctx.ip(srv_ips[n], name, cat.SERVER_BOND)
        ctx.ip(bmc_ips[n], name, "bmc")
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


def config_context(ctx: Context) -> None:
    """The video platform's settings: SIP servers and media storage ids from the servers built."""
    servers = sorted(
        (o for o in ctx.out.of("estate", "dcim.devices") if o["role"] == vocab.SERVER_ROLE),
        key=lambda o: o["name"],
    )
    ids = {o["name"]: o["custom_fields"][vocab.CF_GB28181_ID] for o in servers}
    sip = [i for i in ids.values() if i[10:13] == vocab.TYPE_SIP_SERVER]
    media = {n: i for n, i in ids.items() if i[10:13] == vocab.TYPE_MEDIA_STORAGE}
    ctx.estate(
        "extras.config-contexts",
        {
            "name": "video-platform",
            "weight": 1000,
            "is_active": True,
            "description": "GB/T 28181 platform, retention and storage policy (read by roles)",
            "roles": FlowList([vocab.SERVER_ROLE]),
            "data": {
                "sharpeyes_gb28181": {
                    "sip_domain": sip[0][:10],
                    "sip_server_id": sip[0],
                    "sip_server_standby_id": sip[1],
                    "sip_port": cat.SIP_PORT,
                    "rtp_port_range": FlowList(cat.RTP_PORT_RANGE),
                    "media_storage_ids": media,
                    "web_port": cat.WEB_PORT,
                },
                "sharpeyes_video": {
                    "main_stream_mbps": cat.CAMERA_BITRATE_MBPS,
                    "retention_days": dict(cat.RETENTION_DAYS),
                },
                "sharpeyes_storage": dict(cat.STORAGE),
            },
        },
    )
