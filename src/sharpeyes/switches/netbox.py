"""Read the access switches from NetBox (pynetbox): interfaces, cables to cameras, VLANs, the
management address, the device type's ports and the NTP config context; a few list calls for
the whole estate, whatever the filter."""

from __future__ import annotations

import os
from ipaddress import IPv4Interface
from typing import Any

import pynetbox  # type: ignore[import-untyped]

from sharpeyes.switches.model import Camera, Port, Settings, Switch, Vlan
from sharpeyes.vocab import (
    CAMERA_ROLE_SLUGS,
    CF_GB28181_ID,
    CF_PLATFORM_DUTY,
    CF_POINT_CODE,
    SERVER_ROLE,
    SWITCH_PLATFORMS,
    SWITCH_ROLE,
)

HASH_ENV = "SHARPEYES_SWITCH_PASSWORD_HASH"


def _slug(obj: Any) -> str:
    return str(obj.slug) if obj is not None else ""


def _loose(api: pynetbox.api) -> pynetbox.api:
    """The same client without strict filters, for `fields=` (pynetbox's OpenAPI check does not
    know it): NetBox renders a device's config context on every full list row (80 switches:
    8 s; with `fields`: 0.3 s)."""
    loose = pynetbox.api(
        api.base_url.removesuffix("/api"), token=api.token, threading=True, strict_filters=False
    )
    loose.http_session = api.http_session
    return loose


# Only what is read (NetBox's `fields=`): the full rows cost 5x more to serialise.
_SWITCH_FIELDS = "id,name,platform,device_type,site,role,tenant,primary_ip4"
_INTERFACE_FIELDS = "id,name,device,type,mode,untagged_vlan,tagged_vlans,description,link_peers"
_PEER_FIELDS = "id,name,role,location,custom_fields"

# Config-context assignment fields evaluated here; a context using another one (regions, tags,
# clusters, ...) makes us ask NetBox for the rendered context of each device instead.
_ASSIGNED = {
    "sites": "site",
    "roles": "role",
    "platforms": "platform",
    "tenants": "tenant",
    "device_types": "device_type",
}
_OTHER = (
    "regions",
    "site_groups",
    "locations",
    "tenant_groups",
    "tags",
    "cluster_types",
    "cluster_groups",
    "clusters",
)


def _contexts(api: pynetbox.api, devices: list[Any]) -> dict[int, dict[str, Any]]:
    """Each device's config context: the active contexts that apply, merged by (weight, name)
    as NetBox does (top-level keys; our keys are not nested)."""
    active = sorted(
        (c for c in api.extras.config_contexts.filter(is_active=True)),
        key=lambda c: (int(c.weight), str(c.name)),
    )
    if any(getattr(c, f, None) for c in active for f in _OTHER):
        return {d.id: dict(api.dcim.devices.get(d.id).config_context or {}) for d in devices}
    out: dict[int, dict[str, Any]] = {}
    for dev in devices:
        merged: dict[str, Any] = {}
        for ctx in active:
            if all(
                not getattr(ctx, field, None)
                or any(
                    getattr(dev, attr, None) is not None and item.id == getattr(dev, attr).id
                    for item in getattr(ctx, field)
                )
                for field, attr in _ASSIGNED.items()
            ):
                merged.update(dict(ctx.data or {}))
        out[dev.id] = merged
    return out


def _peers(itf: Any) -> list[tuple[int, str]]:
    """(device id, device name) of the interfaces cabled to this one (records or dicts)."""
    out = []
    for peer in itf.link_peers or []:
        dev = peer.get("device") if isinstance(peer, dict) else getattr(peer, "device", None)
        if dev is None:
            continue
        if isinstance(dev, dict):
            out.append((int(dev["id"]), str(dev["name"])))
        else:
            out.append((int(dev.id), str(dev.name)))
    return out


def settings_from_env(ntp: list[str], log_hosts: list[str]) -> Settings:
    return Settings(
        ntp_servers=ntp,
        log_hosts=log_hosts,
        snmp_hosts=log_hosts,
        aaa_user=os.environ.get("SHARPEYES_SWITCH_USER", "sharpeyes"),
        aaa_hash=os.environ.get(HASH_ENV, ""),
    )


def load(
    api: pynetbox.api,
    *,
    site: str | None = None,
    role: str | None = None,
    names: list[str] | None = None,
    platform: str | None = None,
) -> list[Switch]:
    """The selected switches (role access-switch unless given, platforms we render)."""
    filters: dict[str, Any] = {"role": role or SWITCH_ROLE}
    if site:
        filters["site"] = site
    if names:
        filters["name"] = names
    if platform:
        filters["platform"] = platform
    loose = _loose(api)
    devices = [
        d
        for d in loose.dcim.devices.filter(**filters, fields=_SWITCH_FIELDS)
        if _slug(d.platform) in SWITCH_PLATFORMS
    ]
    if not devices:
        return []
    ids = [d.id for d in devices]
    interfaces: dict[int, list[Any]] = {}
    for itf in loose.dcim.interfaces.filter(device_id=ids, fields=_INTERFACE_FIELDS):
        interfaces.setdefault(itf.device.id, []).append(itf)
    type_ids = sorted({d.device_type.id for d in devices})
    templates: dict[int, list[str]] = {}
    for tpl in api.dcim.interface_templates.filter(device_type_id=type_ids):
        if tpl.type and tpl.type.value != "virtual":
            templates.setdefault(tpl.device_type.id, []).append(str(tpl.name))
    peer_ids = sorted(
        {dev_id for itfs in interfaces.values() for i in itfs for dev_id, _ in _peers(i)}
    )
    cameras: dict[int, Any] = {}
    if peer_ids:
        for dev in loose.dcim.devices.filter(id=peer_ids, fields=_PEER_FIELDS):
            if _slug(dev.role) in CAMERA_ROLE_SLUGS:
                cameras[dev.id] = dev
    loc_ids = sorted({c.location.id for c in cameras.values() if c.location})
    points = {
        loc.id: str(loc.custom_fields.get(CF_POINT_CODE) or loc.name)
        for loc in (api.dcim.locations.filter(id=loc_ids) if loc_ids else [])
    }
    log_hosts = sorted(
        str(d.primary_ip4).split("/")[0]
        for d in loose.dcim.devices.filter(role=SERVER_ROLE, omit="config_context")
        if d.custom_fields.get(CF_PLATFORM_DUTY) == "management" and d.primary_ip4
    )[:1]
    contexts = _contexts(api, devices)
    out = []
    for dev in sorted(devices, key=lambda d: str(d.name)):
        ctx = contexts[dev.id]
        ntp = [str(s["host"]) for s in ctx.get("sharpeyes_ntp_servers", [])]
        out.append(
            _switch(
                dev,
                itfs=interfaces.get(dev.id, []),
                templates=templates,
                cameras=cameras,
                points=points,
                settings=settings_from_env(ntp, log_hosts),
            )
        )
    return out


def _switch(
    dev: Any,
    *,
    itfs: list[Any],
    templates: dict[int, list[str]],
    cameras: dict[int, Any],
    points: dict[int, str],
    settings: Settings,
) -> Switch:
    vlans: dict[int, str] = {}
    ports: dict[str, Port] = {}
    mgmt_vid = 0
    for itf in itfs:
        mode = itf.mode.value if itf.mode else None
        untagged = itf.untagged_vlan
        tagged = list(itf.tagged_vlans or [])
        for v in ([untagged] if untagged else []) + tagged:
            vlans[int(v.vid)] = str(v.name)
        if itf.type and itf.type.value == "virtual":
            if dev.primary_ip4 and untagged and itf.name.endswith(str(untagged.vid)):
                mgmt_vid = int(untagged.vid)
            continue
        port = Port(name=str(itf.name), description=str(itf.description or ""))
        if mode == "access" and untagged:
            port.mode = "access"
            port.access_vid = int(untagged.vid)
        elif mode in ("tagged", "tagged-all"):
            port.mode = "trunk"
            port.trunk_vids = tuple(sorted(int(v.vid) for v in tagged))
        for peer_id, peer_name in _peers(itf):
            port.peer = peer_name
            cam = cameras.get(peer_id)
            if cam is not None:
                port.cameras.append(
                    Camera(
                        name=str(cam.name),
                        point_code=points.get(cam.location.id, "") if cam.location else "",
                        gb28181_id=str(cam.custom_fields.get(CF_GB28181_ID) or ""),
                    )
                )
        if port.mode != "unused" or port.cameras:
            ports[port.name] = port
    return Switch(
        name=str(dev.name),
        platform=_slug(dev.platform),
        model=str(dev.device_type.model),
        model_ports=templates.get(dev.device_type.id, []),
        mgmt_vid=mgmt_vid,
        mgmt_ip=IPv4Interface(str(dev.primary_ip4)),
        vlans=[Vlan(vid, name) for vid, name in sorted(vlans.items())],
        ports=ports,
        settings=settings,
        site=_slug(dev.site),
        role=_slug(dev.role),
        netbox_id=int(dev.id),
    )
