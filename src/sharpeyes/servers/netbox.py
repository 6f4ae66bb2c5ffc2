"""Read one video server's role inputs from NetBox (pynetbox): its bond and members, VLAN and
plain interfaces with their addresses, the estate's prefixes by role for the firewall, and the
servers' names and addresses for /etc/hosts. The playbook reaches this through the lookup
`sharpeyes.estate.netbox_server` (collections/), so NetBox stays the only place these are typed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from ipaddress import IPv4Interface, ip_network
from typing import Any

import pynetbox  # type: ignore[import-untyped]

from sharpeyes.errors import InputError
from sharpeyes.vocab import PREFIX_CAMERAS, PREFIX_SERVERS, SERVER_ROLE

LACP = "802.3ad"


@dataclass
class Bond:
    name: str
    members: list[str]
    addresses: list[str] = field(default_factory=list)
    mode: str = LACP
    mtu: int | None = None


@dataclass
class Vlan:
    name: str
    id: int
    parent: str
    addresses: list[str] = field(default_factory=list)


@dataclass
class Plain:
    name: str
    addresses: list[str] = field(default_factory=list)
    mtu: int | None = None


@dataclass
class ServerData:
    name: str
    bonds: list[Bond]
    vlans: list[Vlan]
    interfaces: list[Plain]
    hosts: list[dict[str, Any]]  # every video server: {address, names} (/etc/hosts entries)
    prefixes: dict[str, list[str]]  # prefix role -> prefixes (servers, cameras, ...)

    def as_vars(self) -> dict[str, Any]:
        """The shape the roles take (network_bonds, ..., firewall inputs, base hosts)."""
        data = asdict(self)
        return {
            "bonds": data["bonds"],
            "vlans": data["vlans"],
            "interfaces": data["interfaces"],
            "hosts": data["hosts"],
            "management_prefixes": self.prefixes.get(PREFIX_SERVERS, []),
            "platform_prefixes": self.prefixes.get(PREFIX_SERVERS, []),
            "camera_prefixes": self.prefixes.get(PREFIX_CAMERAS, []),
        }


def _value(choice: Any) -> str:
    return str(choice.value) if choice is not None and hasattr(choice, "value") else ""


def read(api: pynetbox.api, name: str) -> ServerData:
    """NetBox's record of server `name`; InputError when NetBox has no such video server."""
    device = api.dcim.devices.get(name=name, role=SERVER_ROLE)
    if device is None:
        raise InputError(f"server {name}: no video server of that name in NetBox (dcim.devices)")
    itfs = list(api.dcim.interfaces.filter(device_id=device.id))
    by_itf: dict[int, list[str]] = {}
    for ip in api.ipam.ip_addresses.filter(device_id=device.id):
        if ip.assigned_object_id is not None:
            by_itf.setdefault(int(ip.assigned_object_id), []).append(str(ip.address))
    bonds, vlans, plain = [], [], []
    for itf in itfs:
        addresses = sorted(by_itf.get(itf.id, []))
        kind = _value(itf.type)
        if itf.mgmt_only:  # the BMC: out of band, not the operating system's
            continue
        if kind == "lag":
            members = sorted(str(i.name) for i in itfs if i.lag and i.lag.id == itf.id)
            bonds.append(Bond(str(itf.name), members, addresses, mtu=itf.mtu))
        elif kind == "virtual" and itf.parent and itf.untagged_vlan:
            vlans.append(
                Vlan(str(itf.name), int(itf.untagged_vlan.vid), str(itf.parent.name), addresses)
            )
        elif addresses and not itf.lag:
            plain.append(Plain(str(itf.name), addresses, mtu=itf.mtu))
    hosts = sorted(
        (
            {"address": str(IPv4Interface(str(d.primary_ip4)).ip), "names": [str(d.name)]}
            for d in api.dcim.devices.filter(role=SERVER_ROLE)
            if d.primary_ip4
        ),
        key=lambda h: h["names"][0],
    )
    prefixes: dict[str, list[str]] = {}
    for prefix in api.ipam.prefixes.filter(role=[PREFIX_SERVERS, PREFIX_CAMERAS]):
        prefixes.setdefault(str(prefix.role.slug), []).append(str(prefix.prefix))
    return ServerData(
        name=name,
        bonds=bonds,
        vlans=vlans,
        interfaces=plain,
        hosts=hosts,
        prefixes={k: sorted(v, key=ip_network) for k, v in prefixes.items()},
    )
