"""The objects a checked point list becomes, in the dataset's conventions, and their rendering.

Per camera: a device (role `camera-<kind>`, the device type the estate uses for that kind, name
`<site>-camNNNN` continuing the site's sequence, custom field `gb28181_id`, primary IPv4), an IP
address on its port (`dns_name` = device name), a cat6 cable to the switch port, and an update of
that switch port (access mode, camera VLAN, description = camera). Per new point: a location
(slug = lower-case point code, custom fields point_code/longitude/latitude[/box_kit]). Everything
carries the tag `sharpeyes-managed`, as the repo dataset does.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sharpeyes import vocab
from sharpeyes.points.geo import metres
from sharpeyes.points.model import CheckResult, NewPoint, PlannedCamera

CABLE_TYPE = "cat6"
POINT_DESCRIPTION = "front-end point (point-list import)"


def _location(p: NewPoint) -> dict[str, Any]:
    cf: dict[str, Any] = {
        vocab.CF_POINT_CODE: p.code,
        vocab.CF_LATITUDE: p.lat,
        vocab.CF_LONGITUDE: p.lon,
    }
    if p.box_kit:
        cf[vocab.CF_BOX_KIT] = p.box_kit
    out: dict[str, Any] = {"slug": p.slug, "name": p.name, "site": p.site}
    if p.tenant:
        out["tenant"] = p.tenant
    out |= {"description": POINT_DESCRIPTION, "tags": [vocab.MANAGED_TAG], "custom_fields": cf}
    return out


def _device(c: PlannedCamera) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": c.name,
        "device_type": c.device_type,
        "role": c.kind.role,
        "site": c.site,
        "location": c.location,
    }
    if c.tenant:
        out["tenant"] = c.tenant
    out |= {
        "primary_ip4": str(c.ip),
        "tags": [vocab.MANAGED_TAG],
        "custom_fields": {vocab.CF_GB28181_ID: c.gb_id},
    }
    return out


def _switch_port(c: PlannedCamera) -> dict[str, Any]:
    out: dict[str, Any] = {"device": c.switch, "name": c.port, "description": c.name}
    out["mode"] = "access"
    if c.vlan:
        out["untagged_vlan"] = dict(c.vlan)
    out["tags"] = [vocab.MANAGED_TAG]
    return out


def _ip(c: PlannedCamera) -> dict[str, Any]:
    return {
        "address": str(c.ip),
        "vrf": c.vrf,
        "assigned_object": {"device": c.name, "name": c.interface},
        "dns_name": c.name,
        "tags": [vocab.MANAGED_TAG],
    }


def _cable(c: PlannedCamera) -> dict[str, Any]:
    return {
        "a_terminations": [{"device": c.name, "interface": c.interface}],
        "b_terminations": [{"device": c.switch, "interface": c.port}],
        "type": CABLE_TYPE,
        "tags": [vocab.MANAGED_TAG],
    }


def objects(result: CheckResult) -> dict[str, list[dict[str, Any]]]:
    """Repo-form objects per endpoint, in file order."""
    cams = result.cameras
    return {
        "dcim.locations": [_location(p) for p in result.points],
        "dcim.devices": [_device(c) for c in cams],
        "dcim.interfaces": [_switch_port(c) for c in cams],
        "ipam.ip-addresses": [_ip(c) for c in cams],
        "dcim.cables": [_cable(c) for c in cams],
    }


def counts(result: CheckResult) -> dict[str, int]:
    n = len(result.cameras)
    return {
        "locations": len(result.points),
        "devices": n,
        "ip-addresses": n,
        "cables": n,
        "switch-port updates": n,
    }


def _width(text: str) -> int:
    """Terminal columns: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def render(result: CheckResult, *, encoding: str, against: str) -> str:
    """The human plan: new points, one line per camera (`*` = allocated), the ports chosen."""
    lines = [
        f"{result.file} ({encoding}): {len(result.cameras)} camera(s), "
        f"{len(result.points)} new point(s); checked against the {against}",
    ]
    if result.points:
        lines.append("new points (dcim.locations):")
        for p in result.points:
            kit = f"  box {p.box_kit}" if p.box_kit else ""
            lines.append(
                f"  + {p.slug}  {p.name}  site {p.site}  {p.lon:.6f}, {p.lat:.6f}{kit}"
                f"  (row {p.first_row})"
            )
    lines.append("cameras (dcim.devices, their IP address, a cable to the switch port):")
    wide = max([13, *(_width(c.point_code) for c in result.cameras)])
    lines.append(
        f"  {'row':>4}  {'name':<16} {'kind':<10} {_pad('point', wide)} {'gb_id':<22} "
        f"{'ip':<17} switch port (distance)"
    )
    for c in result.cameras:
        gid = c.gb_id + (" *" if c.gb_allocated else "")
        ip = str(c.ip) + (" *" if c.ip_allocated else "")
        dist = f"  ({metres(c.distance_m)})" if c.distance_m is not None else ""
        lines.append(
            f"  {c.row:>4}  {c.name:<16} {c.kind.value:<10} {_pad(c.point_code, wide)} {gid:<22} "
            f"{ip:<17} {c.switch} {c.port}{' *' if c.port_allocated else ''}{dist}"
        )
    lines.append("  (* allocated)")
    chosen = [c for c in result.cameras if c.port_allocated]
    if chosen:
        lines.append("switch ports allocated (why):")
        lines += [f"  row {c.row:>4}  {c.switch} {c.port}: {c.why}" for c in chosen]
    lines.append("objects: " + ", ".join(f"{v} {k}" for k, v in counts(result).items()))
    return "\n".join(lines)


def as_json(result: CheckResult) -> dict[str, Any]:
    return {
        "file": result.file,
        "ok": result.ok,
        "errors": result.rendered(errors=True),
        "warnings": result.rendered(errors=False),
        "counts": counts(result) if result.ok else {},
        "cameras": [
            {
                "row": c.row,
                "name": c.name,
                "kind": c.kind.value,
                "point": c.point_code,
                "new_point": c.new_point,
                "site": c.site,
                "gb_id": c.gb_id,
                "gb_allocated": c.gb_allocated,
                "ip": str(c.ip),
                "ip_allocated": c.ip_allocated,
                "switch": c.switch,
                "port": c.port,
                "port_allocated": c.port_allocated,
                "distance_m": None if c.distance_m is None else round(c.distance_m, 1),
                "why": c.why,
            }
            for c in result.cameras
        ],
        "objects": objects(result) if result.ok else {},
    }
