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
    devices = [
        d for d in api.dcim.devices.filter(**filters) if _slug(d.platform) in SWITCH_PLATFORMS
    ]
    if not devices:
        return []
    ids = [d.id for d in devices]
    interfaces: dict[int, list[Any]] = {}
    for itf in api.dcim.interfaces.filter(device_id=ids):
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
        for dev in api.dcim.devices.filter(id=peer_ids):
            if _slug(dev.role) in CAMERA_ROLE_SLUGS:
                cameras[dev.id] = dev
    loc_ids = sorted({c.location.id for c in cameras.values() if c.location})
    points = {
        loc.id: str(loc.custom_fields.get(CF_POINT_CODE) or loc.name)
        for loc in (api.dcim.locations.filter(id=loc_ids) if loc_ids else [])
    }
    log_hosts = sorted(
        str(d.primary_ip4).split("/")[0]
        for d in api.dcim.devices.filter(role=SERVER_ROLE)
        if d.custom_fields.get(CF_PLATFORM_DUTY) == "management" and d.primary_ip4
    )[:1]
    out = []
    for dev in sorted(devices, key=lambda d: str(d.name)):
        ctx = dev.config_context or {}
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
