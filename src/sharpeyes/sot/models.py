"""Typed models of the dataset objects the validator reasons about (the input boundary).

Only the fields the checks need are declared; other fields pass through (the sync schema
decides which field names are allowed).
"""

from __future__ import annotations

import ipaddress
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Obj(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    tags: list[str] = Field(default_factory=list)
    custom_fields: dict[str, Any] = Field(default_factory=dict)


class _Ref(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IfRef(_Ref):
    device: str
    name: str


class VlanRef(_Ref):
    group: str
    vid: int = Field(ge=1, le=4094)


class CircuitRef(_Ref):
    provider: str
    cid: str


class Slugged(_Obj):
    slug: str
    name: str


class Region(Slugged):
    parent: str | None = None


class Site(Slugged):
    region: str | None = None
    group: str | None = None
    tenant: str | None = None


class Location(Slugged):
    site: str
    parent: str | None = None


class Rack(_Obj):
    name: str
    site: str
    location: str | None = None


class Platform(Slugged):
    manufacturer: str | None = None


class DeviceType(_Obj):
    manufacturer: str
    model: str
    slug: str


class InterfaceTemplate(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    device_type: str
    name: str
    type: str
    poe_mode: Literal["pd", "pse"] | None = None


class Device(_Obj):
    name: str
    role: str
    device_type: str
    site: str
    location: str | None = None
    rack: str | None = None
    platform: str | None = None
    tenant: str | None = None
    primary_ip4: ipaddress.IPv4Interface | None = None


class Interface(_Obj):
    device: str
    name: str
    type: str | None = None
    lag: IfRef | None = None
    untagged_vlan: VlanRef | None = None
    tagged_vlans: list[VlanRef] = Field(default_factory=list)


class InventoryItem(_Obj):
    device: str
    name: str
    role: str | None = None
    manufacturer: str | None = None
    serial: str = ""


class Termination(_Ref):
    device: str | None = None
    interface: str | None = None
    circuit: CircuitRef | None = None
    term_side: Literal["A", "Z"] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Termination:
        if (self.device is None) == (self.circuit is None):
            raise ValueError("give either {device, interface} or {circuit, term_side}")
        if self.device is not None and self.interface is None:
            raise ValueError("a device termination needs `interface`")
        if self.circuit is not None and self.term_side is None:
            raise ValueError("a circuit termination needs `term_side`")
        return self

    def key(self) -> tuple[str, ...]:
        if self.circuit is not None:
            return ("circuit", self.circuit.provider, self.circuit.cid, self.term_side or "")
        return ("interface", self.device or "", self.interface or "")

    def __str__(self) -> str:
        if self.circuit is not None:
            return f"{self.circuit.cid}/{self.term_side}"
        return f"{self.device}:{self.interface}"


class Cable(_Obj):
    a_terminations: list[Termination] = Field(min_length=1)
    b_terminations: list[Termination] = Field(min_length=1)


class Circuit(_Obj):
    provider: str
    cid: str
    type: str
    commit_rate: int | None = None


class CircuitTermination(_Obj):
    circuit: CircuitRef
    term_side: Literal["A", "Z"]
    termination_type: Literal["dcim.site", "dcim.location", "dcim.region", "dcim.sitegroup"]
    termination: str


class Vrf(_Obj):
    name: str


class Aggregate(_Obj):
    prefix: ipaddress.IPv4Network
    rir: str


class Prefix(_Obj):
    prefix: ipaddress.IPv4Network
    vrf: str | None = None
    scope_type: str | None = None
    scope: str | None = None
    role: str | None = None
    vlan: VlanRef | None = None
    status: str = "active"


class VlanGroup(Slugged):
    scope_type: str | None = None
    scope: str | None = None


class Vlan(_Obj):
    group: str
    vid: int = Field(ge=1, le=4094)
    name: str


class IpAddress(_Obj):
    address: ipaddress.IPv4Interface
    vrf: str | None = None
    assigned_object: IfRef | None = None


class ConfigContext(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    name: str
    roles: list[str] = Field(default_factory=list)
    data: dict[str, Any]


class CustomField(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    name: str
    type: str
    object_types: list[str]


class Tag(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    name: str
    slug: str


MODELS: dict[str, type[BaseModel]] = {
    "extras.tags": Tag,
    "extras.custom-fields": CustomField,
    "dcim.manufacturers": Slugged,
    "dcim.device-roles": Slugged,
    "dcim.platforms": Platform,
    "dcim.device-types": DeviceType,
    "dcim.interface-templates": InterfaceTemplate,
    "dcim.inventory-item-roles": Slugged,
    "circuits.providers": Slugged,
    "circuits.circuit-types": Slugged,
    "ipam.rirs": Slugged,
    "ipam.roles": Slugged,
    "dcim.regions": Region,
    "dcim.site-groups": Slugged,
    "tenancy.tenants": Slugged,
    "dcim.sites": Site,
    "dcim.locations": Location,
    "dcim.racks": Rack,
    "dcim.devices": Device,
    "dcim.interfaces": Interface,
    "dcim.inventory-items": InventoryItem,
    "dcim.cables": Cable,
    "circuits.circuits": Circuit,
    "circuits.circuit-terminations": CircuitTermination,
    "ipam.vrfs": Vrf,
    "ipam.aggregates": Aggregate,
    "ipam.prefixes": Prefix,
    "ipam.vlan-groups": VlanGroup,
    "ipam.vlans": Vlan,
    "ipam.ip-addresses": IpAddress,
    "extras.config-contexts": ConfigContext,
}
