"""The configuration state of one simulated switch, its factory default and its JSON form.

Structured where the `display` commands and the vendors' consistency checks need it (VLANs, port
link type, access VLAN, trunk VLANs, description, shutdown, Vlanif addresses); every other
accepted line is kept as typed, under a key (`extra`, `globals`, `blocks`) so that re-entering a
setting replaces it and `undo` removes it.
"""

from __future__ import annotations

import copy
import ipaddress
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Platform = Literal["huawei-vrp5", "h3c-comware7"]
PLATFORMS: tuple[Platform, ...] = ("huawei-vrp5", "h3c-comware7")


@dataclass
class Port:
    """A physical port of the device type (never created or deleted by commands)."""

    name: str
    link_type: str = "access"
    pvid: int = 1
    trunk: set[int] = field(default_factory=lambda: {1})
    description: str = ""
    shutdown: bool = False
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class VlanIf:
    """A Layer-3 VLAN interface (VRP `Vlanif10`, Comware `Vlan-interface10`)."""

    vid: int
    description: str = ""
    address: str = ""  # "10.0.0.1/24", empty when none
    shutdown: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    def ip_mask(self) -> tuple[str, str]:
        iface = ipaddress.IPv4Interface(self.address)
        return str(iface.ip), str(iface.netmask)


@dataclass
class Vlan:
    vid: int
    description: str = ""
    name: str = ""


@dataclass
class Config:
    sysname: str
    ports: dict[str, Port]
    vlans: dict[int, Vlan] = field(default_factory=lambda: {1: Vlan(1)})
    vlanifs: dict[int, VlanIf] = field(default_factory=dict)
    globals: dict[str, str] = field(default_factory=dict)
    blocks: dict[str, dict[str, str]] = field(default_factory=dict)

    def copy(self) -> Config:
        return copy.deepcopy(self)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for port in data["ports"].values():
            port["trunk"] = sorted(port["trunk"])
        data["vlans"] = {str(k): v for k, v in data["vlans"].items()}
        data["vlanifs"] = {str(k): v for k, v in data["vlanifs"].items()}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Config:
        ports = {name: Port(**{**p, "trunk": set(p["trunk"])}) for name, p in data["ports"].items()}
        return cls(
            sysname=data["sysname"],
            ports=ports,
            vlans={int(k): Vlan(**v) for k, v in data["vlans"].items()},
            vlanifs={int(k): VlanIf(**v) for k, v in data["vlanifs"].items()},
            globals=dict(data["globals"]),
            blocks={k: dict(v) for k, v in data["blocks"].items()},
        )


@dataclass
class SwitchSpec:
    """What the lab knows about one switch: NetBox name, platform, port names, SSH port."""

    name: str
    platform: Platform
    ports: list[str]
    port: int = 0
    model: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SwitchSpec:
        return cls(**data)
