"""The customisation (`netbox/custom`): tags, custom fields, manufacturers, roles, platforms,
device types with their interface templates, and the organisational vocabulary."""

from __future__ import annotations

from typing import Any

from sharpeyes import vocab
from sharpeyes.sot.generate import catalogue as cat
from sharpeyes.sot.generate.catalogue import ILL_NOTE, TAGS, slugify
from sharpeyes.sot.generate.context import Context
from sharpeyes.sot.records import FlowList
from sharpeyes.sot.spec import SwitchModel


def build(ctx: Context) -> None:
    _tags_and_fields(ctx)
    _manufacturers_roles_platforms(ctx)
    _device_types(ctx)
    _organisation(ctx)


def _tags_and_fields(ctx: Context) -> None:
    for name, colour, description in cat.TAG_DEFS:
        ctx.custom(
            "extras.tags",
            {"name": name, "slug": name, "color": colour, "description": description},
        )
    for name, ftype, types, label, extra in cat.CUSTOM_FIELDS:
        ctx.custom(
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


def _manufacturers_roles_platforms(ctx: Context) -> None:
    models = ctx.spec.catalog
    makers = {c.manufacturer for c in models.cameras.values()}
    makers |= {s.manufacturer for s in models.switches.values()}
    makers |= {
        m.manufacturer
        for m in (
            models.converter,
            models.aggregation,
            models.core,
            models.mgmt_switch,
            models.clock,
            models.boundary,
        )
    }
    makers |= {
        models.server.manufacturer,
        models.data_disk.manufacturer,
        models.system_disk.manufacturer,
        models.splice_screen.manufacturer,
        models.matrix.manufacturer,
    }
    for m in sorted(makers):
        ctx.custom(
            "dcim.manufacturers",
            {"name": m.upper() if len(m) <= 3 else m.title(), "slug": m, "tags": TAGS},
        )
    for slug, name, colour in cat.DEVICE_ROLES:
        ctx.custom(
            "dcim.device-roles",
            {"name": name, "slug": slug, "color": colour, "vm_role": False, "tags": TAGS},
        )
    platforms = {s.platform: s.manufacturer for s in models.switches.values()}
    for net in (models.aggregation, models.core, models.mgmt_switch):
        platforms[net.platform] = net.manufacturer
    for slug, maker in sorted(platforms.items()):
        ctx.custom(
            "dcim.platforms", {"name": slug, "slug": slug, "manufacturer": maker, "tags": TAGS}
        )
    server = models.server.platform
    ctx.custom("dcim.platforms", {"name": server, "slug": server, "tags": TAGS})


def _device_types(ctx: Context) -> None:
    models = ctx.spec.catalog
    for kind, cam in models.cameras.items():
        slug = slugify(cam.model)
        ctx.custom(
            "dcim.device-types",
            {
                "manufacturer": cam.manufacturer,
                "model": cam.model,
                "slug": slug,
                "u_height": 0,
                "is_full_depth": False,
                "custom_fields": {vocab.CF_POE_DRAW_W: cam.poe_draw_w},
                "comments": f"{kind} camera; model {ILL_NOTE}",
                "tags": TAGS,
            },
        )
        ctx.custom(
            "dcim.interface-templates",
            {
                "device_type": slug,
                "name": "eth0",
                "type": "1000base-t",
                "poe_mode": "pd",
                "poe_type": "type2-ieee802.3at",
            },
        )
    for sw in models.switches.values():
        _switch_type(ctx, sw, "Industrial PoE+ access switch")
    _switch_type(ctx, models.aggregation, "Station aggregation switch (existing, implied)")
    _switch_type(ctx, models.mgmt_switch, "Data-centre management switch (existing, implied)")
    core = models.core
    _plain_type(ctx, core.manufacturer, core.model, core.u_height, "Data-centre core (implied)")
    _ports(ctx, slugify(core.model), core.ports.names(), cat.port_type(core.ports))
    conv = models.converter
    _plain_type(
        ctx,
        conv.manufacturer,
        conv.model,
        0,
        "PoE fibre converter 1 SFP + 4 PoE (existing, implied)",
        poe_budget_w=conv.poe_budget_w,
    )
    _ports(ctx, slugify(conv.model), conv.fibre.names(), cat.port_type(conv.fibre))
    _ports(ctx, slugify(conv.model), conv.copper.names(), cat.port_type(conv.copper), pse=True)
    for ported, what in ((models.clock, "Beidou/GPS NTP clock"), (models.boundary, "Boundary")):
        _plain_type(ctx, ported.manufacturer, ported.model, ported.u_height, what)
        _ports(ctx, slugify(ported.model), ported.ports.names(), cat.port_type(ported.ports))
    srv = models.server
    srv_slug = slugify(srv.model)
    ctx.custom(
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
    for name, itype, mgmt in cat.SERVER_INTERFACES:
        tmpl: dict[str, Any] = {"device_type": srv_slug, "name": name, "type": itype}
        if mgmt:
            tmpl["mgmt_only"] = True
        ctx.custom("dcim.interface-templates", tmpl)
    for plain, height in ((models.splice_screen, 0), (models.matrix, 2)):
        ctx.custom(
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


def _switch_type(ctx: Context, sw: SwitchModel, what: str) -> None:
    slug = slugify(sw.model)
    _plain_type(ctx, sw.manufacturer, sw.model, 1, what, poe_budget_w=sw.poe_budget_w or None)
    _ports(ctx, slug, sw.access.names(), "1000base-t", pse=bool(sw.poe_budget_w))
    _ports(ctx, slug, sw.uplink.names(), cat.uplink_type(sw))


def _plain_type(
    ctx: Context,
    manufacturer: str,
    model: str,
    u_height: int,
    what: str,
    *,
    poe_budget_w: int | None = None,
) -> None:
    obj: dict[str, Any] = {
        "manufacturer": manufacturer,
        "model": model,
        "slug": slugify(model),
        "u_height": u_height,
        "is_full_depth": False,
    }
    if poe_budget_w is not None:
        obj["custom_fields"] = {vocab.CF_POE_BUDGET_W: poe_budget_w}
    ctx.custom("dcim.device-types", {**obj, "comments": f"{what}; model {ILL_NOTE}", "tags": TAGS})


def _ports(ctx: Context, slug: str, names: list[str], itype: str, *, pse: bool = False) -> None:
    for name in names:
        tmpl: dict[str, Any] = {"device_type": slug, "name": name, "type": itype}
        if pse:
            tmpl |= {"poe_mode": "pse", "poe_type": "type2-ieee802.3at"}
        ctx.custom("dcim.interface-templates", tmpl)


def _organisation(ctx: Context) -> None:
    for slug, name in cat.INVENTORY_ITEM_ROLES:
        ctx.custom(
            "dcim.inventory-item-roles",
            {"name": name, "slug": slug, "color": cat.INVENTORY_ITEM_ROLE_COLOUR, "tags": TAGS},
        )
    providers = ctx.spec.providers
    for prov in (providers.site_links, providers.front_end_links):
        ctx.custom(
            "circuits.providers",
            {"name": prov.name, "slug": prov.slug, "description": ILL_NOTE, "tags": TAGS},
        )
    for slug, name in cat.CIRCUIT_TYPES:
        ctx.custom("circuits.circuit-types", {"name": name, "slug": slug, "tags": TAGS})
    ctx.custom(
        "ipam.rirs", {"name": "RFC 1918", "slug": "rfc1918", "is_private": True, "tags": TAGS}
    )
    for slug, name in cat.IPAM_ROLES:
        ctx.custom("ipam.roles", {"name": name, "slug": slug, "tags": TAGS})
