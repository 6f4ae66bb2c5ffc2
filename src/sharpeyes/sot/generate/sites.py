"""Organisation and site scaffolding: regions, site groups, tenant, VRF and aggregate; per site
the site object, its VLAN group, address block and VLAN prefixes."""

from __future__ import annotations

import ipaddress
import random

from sharpeyes import vocab
from sharpeyes.sot.generate.catalogue import ILL_NOTE, TAGS, TAGS_ILL
from sharpeyes.sot.generate.context import Context
from sharpeyes.sot.records import Flow


def organisation(ctx: Context) -> None:
    spec = ctx.spec
    prov, city, dist = spec.province, spec.city, spec.district
    ctx.estate(
        "dcim.regions",
        {
            "name": prov.name,
            "slug": prov.slug,
            "custom_fields": {vocab.CF_ADMIN_CODE: prov.admin_code},
            "tags": TAGS,
        },
    )
    ctx.estate(
        "dcim.regions",
        {
            "name": city.name,
            "slug": city.slug,
            "parent": prov.slug,
            "custom_fields": {vocab.CF_ADMIN_CODE: city.admin_code},
            "tags": TAGS,
        },
    )
    ctx.estate(
        "dcim.regions",
        {
            "name": dist.name,
            "slug": dist.slug,
            "parent": city.slug,
            "description": f"admin code {dist.admin_code}",
            "custom_fields": {vocab.CF_ADMIN_CODE: dist.admin_code},
            "tags": TAGS,
        },
    )
    for town in spec.towns:
        ctx.estate(
            "dcim.regions",
            {"name": town.name, "slug": town.slug, "parent": dist.slug, "tags": TAGS},
        )
    for group in spec.groups:
        ctx.estate("dcim.site-groups", {"name": group.name, "slug": group.slug, "tags": TAGS})
    ctx.estate(
        "tenancy.tenants", {"name": spec.tenant.name, "slug": spec.tenant.slug, "tags": TAGS}
    )
    ctx.estate(
        "ipam.vrfs",
        {
            "name": ctx.vrf,
            "enforce_unique": True,
            "tenant": spec.tenant.slug,
            "description": "Video private network (视频专网)",
            "tags": TAGS,
        },
    )
    ctx.estate(
        "ipam.vrfs",
        {
            "name": ctx.mgmt_vrf,
            "enforce_unique": True,
            "tenant": spec.tenant.slug,
            "description": "Management: server BMCs and network devices",
            "tags": TAGS,
        },
    )
    ctx.estate(
        "ipam.aggregates",
        {
            "prefix": str(ctx.aggregate),
            "rir": "rfc1918",
            "tenant": spec.tenant.slug,
            "description": f"Video private network; plan {ILL_NOTE}",
            "tags": TAGS,
        },
    )


def site(
    ctx: Context, slug: str, name: str, *, group: str, town_slug: str, k: int, description: str
) -> None:
    """Site number k (data centre 0): the site near its town, VLAN group and address block."""
    town = ctx.spec.town(town_slug)
    rng = random.Random(f"{ctx.spec.seed}-site-{slug}")
    ctx.estate(
        "dcim.sites",
        {
            "name": name,
            "slug": slug,
            "region": town_slug,
            "group": group,
            "tenant": ctx.spec.tenant.slug,
            "latitude": round(town.latitude + rng.uniform(-0.01, 0.01), 6),
            "longitude": round(town.longitude + rng.uniform(-0.01, 0.01), 6),
            "description": description,
            "tags": TAGS_ILL,
        },
    )
    ctx.estate(
        "ipam.vlan-groups",
        {
            "name": f"{slug} VLANs",
            "slug": vlan_group(slug),
            "scope_type": "dcim.site",
            "scope": slug,
            "tags": TAGS,
        },
    )
    ctx.estate(
        "ipam.prefixes",
        {
            "prefix": str(ctx.block(k, 0, ctx.spec.addressing.site_block_prefixlen)),
            "vrf": ctx.vrf,
            "scope_type": "dcim.site",
            "scope": slug,
            "status": "container",
            "tenant": ctx.spec.tenant.slug,
            "description": f"{slug} block",
            "tags": TAGS,
        },
    )


def vlan_group(site_slug: str) -> str:
    return f"{site_slug}-vlans"


def vlan_prefix(
    ctx: Context,
    site_slug: str,
    k: int,
    third: int,
    prefixlen: int,
    *,
    role: str,
    vid: int,
    vrf: str | None = None,
) -> ipaddress.IPv4Network:
    """A VLAN named after its prefix role, and its prefix in site k's block."""
    vg = vlan_group(site_slug)
    ctx.estate(
        "ipam.vlans",
        {"group": vg, "vid": vid, "name": role, "tenant": ctx.spec.tenant.slug, "tags": TAGS},
    )
    net = ctx.block(k, third, prefixlen)
    ctx.estate(
        "ipam.prefixes",
        {
            "prefix": str(net),
            "vrf": vrf or ctx.vrf,
            "scope_type": "dcim.site",
            "scope": site_slug,
            "role": role,
            "vlan": Flow(group=vg, vid=vid),
            "tenant": ctx.spec.tenant.slug,
            "tags": TAGS,
        },
    )
    return net


def transit(
    ctx: Context, net: ipaddress.IPv4Network, *, vrf: str, description: str
) -> tuple[ipaddress.IPv4Interface, ipaddress.IPv4Interface]:
    """A routed point-to-point /30 (global in its VRF: both ends' sites use it) and its two
    host addresses (core end, far end)."""
    ctx.estate(
        "ipam.prefixes",
        {
            "prefix": str(net),
            "vrf": vrf,
            "role": vocab.PREFIX_UPLINKS,
            "tenant": ctx.spec.tenant.slug,
            "description": description,
            "tags": TAGS,
        },
    )
    a, b = list(net.hosts())[:2]
    return (
        ipaddress.IPv4Interface(f"{a}/{net.prefixlen}"),
        ipaddress.IPv4Interface(f"{b}/{net.prefixlen}"),
    )
