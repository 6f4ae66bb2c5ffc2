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
    return read_many(api, [name])[0]


def read_many(api: pynetbox.api, names: list[str]) -> list[ServerData]:
    """NetBox's records of the servers `names`, in that order, in four API reads whatever their
    number (a playbook reads its play's servers once); InputError names any NetBox lacks."""
    servers = list(api.dcim.devices.filter(role=SERVER_ROLE))
    by_name = {str(d.name): d for d in servers}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise InputError(
            f"server {', '.join(unknown)}: no video server of that name in NetBox (dcim.devices)"
        )
    hosts = sorted(
        (
            {"address": str(IPv4Interface(str(d.primary_ip4)).ip), "names": [str(d.name)]}
            for d in servers
            if d.primary_ip4
        ),
        key=lambda h: h["names"][0],
    )
    prefixes: dict[str, list[str]] = {}
    for prefix in api.ipam.prefixes.filter(role=[PREFIX_SERVERS, PREFIX_CAMERAS]):
        prefixes.setdefault(str(prefix.role.slug), []).append(str(prefix.prefix))
    prefixes = {k: sorted(v, key=ip_network) for k, v in prefixes.items()}
    ids = [by_name[name].id for name in names]
    itfs_of: dict[int, list[Any]] = {}
    for itf in api.dcim.interfaces.filter(device_id=ids):
        itfs_of.setdefault(int(itf.device.id), []).append(itf)
    by_itf: dict[int, list[str]] = {}
    for ip in api.ipam.ip_addresses.filter(device_id=ids):
        if ip.assigned_object_id is not None:
            by_itf.setdefault(int(ip.assigned_object_id), []).append(str(ip.address))
    return [
        _server(name, itfs_of.get(by_name[name].id, []), by_itf, hosts, prefixes) for name in names
    ]


def _server(
    name: str,
    itfs: list[Any],
    by_itf: dict[int, list[str]],
    hosts: list[dict[str, Any]],
    prefixes: dict[str, list[str]],
) -> ServerData:
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
    return ServerData(
        name=name,
        bonds=bonds,
        vlans=vlans,
        interfaces=plain,
        hosts=hosts,
        prefixes=prefixes,
    )
