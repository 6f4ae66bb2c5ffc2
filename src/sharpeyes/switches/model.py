"""What a switch's configuration is rendered from: typed data read from NetBox (or built in tests).

Validation (`check`) refuses what a device would refuse or what NetBox should never hold: a
camera on a port the switch model lacks, a VLAN id out of range, two cameras on one port. Each
problem names the switch, the port and the NetBox object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Interface
from typing import Literal

from sharpeyes.vocab import PLATFORM_COMWARE, PLATFORM_VRP

PortMode = Literal["access", "trunk", "unused"]
MIN_VID = 1
MAX_VID = 4094


@dataclass(frozen=True)
class Camera:
    name: str  # NetBox device name
    point_code: str  # the location's point code
    gb28181_id: str


@dataclass(frozen=True)
class Vlan:
    vid: int
    name: str


@dataclass
class Port:
    name: str
    mode: PortMode = "unused"
    description: str = ""
    access_vid: int | None = None
    trunk_vids: tuple[int, ...] = ()
    cameras: list[Camera] = field(default_factory=list)
    peer: str = ""  # NetBox name of the device cabled to it (camera, converter), "" if none

    @property
    def edge(self) -> bool:
        """An access port toward an end device (camera or PoE converter): edge protections."""
        return self.mode == "access"


@dataclass
class Settings:
    """Site-independent inputs: NTP (config context), syslog/SNMP targets, the AAA user."""

    ntp_servers: list[str] = field(default_factory=list)
    log_hosts: list[str] = field(default_factory=list)
    snmp_user: str = "sharpeyes"
    snmp_hosts: list[str] = field(default_factory=list)
    aaa_user: str = "sharpeyes"
    aaa_hash: str = ""  # the vendor's stored form; never the clear password


@dataclass
class Switch:
    name: str
    platform: str  # huawei-vrp5 / h3c-comware7
    model: str
    model_ports: list[str]  # the device type's physical ports (NetBox interface templates)
    mgmt_vid: int
    mgmt_ip: IPv4Interface
    vlans: list[Vlan]
    ports: dict[str, Port]
    settings: Settings
    site: str = ""
    role: str = ""
    netbox_id: int | None = None

    @property
    def vendor(self) -> str:
        return {PLATFORM_VRP: "vrp", PLATFORM_COMWARE: "comware"}.get(self.platform, "")


def check(sw: Switch) -> list[str]:
    """Problems that make the switch's configuration unrenderable (empty: fine)."""
    problems: list[str] = []
    where = f"switch {sw.name}"
    if not sw.vendor:
        problems.append(f"{where}: platform {sw.platform!r} is not a switch platform we render")
    known = set(sw.model_ports)
    for port in sw.ports.values():
        if port.name not in known:
            what = (
                f"camera {port.cameras[0].name} (dcim.devices)"
                if port.cameras
                else f"interface {port.name} (dcim.interfaces)"
            )
            problems.append(
                f"{where}, port {port.name}: {what} is cabled to a port the model "
                f"{sw.model} does not have"
            )
        if len(port.cameras) > 1:
            names = ", ".join(c.name for c in port.cameras)
            problems.append(
                f"{where}, port {port.name}: {len(port.cameras)} cameras on one port "
                f"(dcim.devices {names})"
            )
        vids = [port.access_vid] if port.access_vid is not None else []
        for vid in [*vids, *port.trunk_vids]:
            if not MIN_VID <= vid <= MAX_VID:
                problems.append(
                    f"{where}, port {port.name}: VLAN {vid} out of range {MIN_VID}-{MAX_VID} "
                    f"(dcim.interfaces {sw.name} {port.name})"
                )
        if port.mode == "access" and port.access_vid is None:
            problems.append(
                f"{where}, port {port.name}: access port without an untagged VLAN "
                f"(dcim.interfaces {sw.name} {port.name})"
            )
    for vlan in sw.vlans:
        if not MIN_VID <= vlan.vid <= MAX_VID:
            problems.append(
                f"{where}: VLAN {vlan.vid} ({vlan.name}) out of range {MIN_VID}-{MAX_VID} "
                "(ipam.vlans)"
            )
    if not MIN_VID < sw.mgmt_vid <= MAX_VID:
        problems.append(f"{where}: management VLAN {sw.mgmt_vid} out of range (ipam.vlans)")
    if not sw.settings.aaa_hash:
        problems.append(
            f"{where}: no password hash for the AAA user {sw.settings.aaa_user} "
            "(set SHARPEYES_SWITCH_PASSWORD_HASH)"
        )
    return problems
