"""Typed models of the dataset objects the validator reasons about (the input boundary).

Only the fields the checks need are declared; other fields pass through (the sync schema
decides which field names are allowed). Numbers the checks compute with are strict (`four`,
`18TB`, `400W` are field errors, as NetBox's integer custom fields refuse them too), and so are
the custom fields and config-context data they read: a value that fails here never reaches a
check. Length limits and other NetBox field rules: `sharpeyes.sot.limits`, applied by
`dataset.validate_object`; custom-field values against their definitions: `sot validate`.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, Literal, TypedDict

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetPydanticSchema,
    StrictBool,
    StrictInt,
    StrictStr,
    model_validator,
    with_config,
)
from pydantic_core import CoreSchema

from sharpeyes.ids import gb28181

# -- strict value types ----------------------------------------------------------------------------

Count = Annotated[StrictInt, Field(ge=0)]
Positive = Annotated[StrictInt, Field(ge=1)]
Port = Annotated[StrictInt, Field(ge=1, le=65535)]
# a number (int or float, never a string or a bool), finite
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Latitude = Annotated[Number, Field(ge=-90, le=90)]
Longitude = Annotated[Number, Field(ge=-180, le=180)]


def _gb_id(value: str) -> str:
    try:
        gb28181.parse(value)
    except gb28181.GbIdError as exc:
        raise ValueError(exc.message) from None
    return value


GbIdText = Annotated[StrictStr, AfterValidator(_gb_id)]


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a regular expression: {exc}") from None
    return value


def _port_range(value: list[int]) -> list[int]:
    if value[0] > value[1]:
        raise ValueError(f"first port {value[0]} is above the last {value[1]}")
    return value


# [first, last] (a list, as in the YAML: values keep their JSON types)
PortRange = Annotated[list[Port], Field(min_length=2, max_length=2), AfterValidator(_port_range)]


def checked_as(shape: type) -> GetPydanticSchema:
    """Validate a `dict[str, Any]` field as the TypedDict `shape` (errors name each key, e.g.
    `custom_fields.poe_budget_w`), while code reading it keeps the plain dict type."""

    def schema(_source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return handler(shape)

    return GetPydanticSchema(schema)


_OPEN = ConfigDict(extra="allow")  # keys not declared pass (checked elsewhere, if at all)


# -- custom fields the checks compute with (names: sharpeyes.vocab) -------------------------------


@with_config(_OPEN)
class DeviceCustom(TypedDict, total=False):
    gb28181_id: StrictStr | None


@with_config(_OPEN)
class DeviceTypeCustom(TypedDict, total=False):
    poe_budget_w: Count | None
    poe_draw_w: Count | None


@with_config(_OPEN)
class InventoryItemCustom(TypedDict, total=False):
    capacity_gb: Count | None


@with_config(_OPEN)
class LocationCustom(TypedDict, total=False):
    point_code: StrictStr | None
    latitude: Latitude | None
    longitude: Longitude | None
    has_sign: StrictBool | None


# -- config-context data the checks read (the video platform's context) ---------------------------


@with_config(_OPEN)
class RtpContext(TypedDict, total=False):
    streams_per_camera: Positive
    ports_per_stream: Positive
    headroom: Annotated[Number, Field(ge=0)]


@with_config(_OPEN)
class MediaServer(TypedDict, total=False):
    id: GbIdText
    sites: list[StrictStr]


@with_config(_OPEN)
class GbContext(TypedDict, total=False):
    sip_domain: Annotated[StrictStr, Field(pattern=r"^\d{10}$")]
    sip_server_id: GbIdText
    sip_server_standby_id: GbIdText
    sip_port: Port
    rtp_port_range: PortRange
    rtp: RtpContext
    media_servers: dict[str, MediaServer]
    media_storage_ids: dict[str, GbIdText]
    web_port: Port


@with_config(_OPEN)
class RetentionDays(TypedDict, total=False):
    video: Positive
    checkpoint: Positive


@with_config(_OPEN)
class Pictures(TypedDict, total=False):
    per_day: Count
    kb: Annotated[Number, Field(gt=0)]


@with_config(_OPEN)
class VideoContext(TypedDict, total=False):
    main_stream_mbps: Annotated[Number, Field(gt=0)]
    streams_mbps: dict[str, dict[str, Annotated[Number, Field(gt=0)]]]  # kind -> stream -> Mbit/s
    pictures: dict[str, Pictures]  # kind -> pictures a camera stores
    retention_days: RetentionDays
    min_retention_days: Positive


@with_config(_OPEN)
class StorageContext(TypedDict, total=False):
    raid_level: Count
    raid_data_disks: Positive
    raid_parity_disks: Count
    hot_spares: Count
    chunk_kb: Positive
    filesystem: StrictStr
    max_fill: Annotated[Number, Field(gt=0, le=1)]


@with_config(_OPEN)
class ContextData(TypedDict, total=False):
    sharpeyes_gb28181: GbContext
    sharpeyes_video: VideoContext
    sharpeyes_storage: StorageContext


# -- objects ---------------------------------------------------------------------------------------


class _Obj(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    tags: list[StrictStr] = Field(default_factory=list)
    custom_fields: dict[str, Any] = Field(default_factory=dict)


class _Ref(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IfRef(_Ref):
    device: str
    name: str


class VlanRef(_Ref):
    group: str
    vid: StrictInt = Field(ge=1, le=4094)


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
    custom_fields: Annotated[dict[str, Any], checked_as(LocationCustom)] = Field(
        default_factory=dict
    )


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
    custom_fields: Annotated[dict[str, Any], checked_as(DeviceTypeCustom)] = Field(
        default_factory=dict
    )


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
    custom_fields: Annotated[dict[str, Any], checked_as(DeviceCustom)] = Field(default_factory=dict)


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
    custom_fields: Annotated[dict[str, Any], checked_as(InventoryItemCustom)] = Field(
        default_factory=dict
    )


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


# NetBox 4.7.3 CableLengthUnitChoices (dcim/choices.py)
CABLE_LENGTH_UNITS = ("km", "m", "cm", "mi", "ft", "in")


class Cable(_Obj):
    a_terminations: list[Termination] = Field(min_length=1)
    b_terminations: list[Termination] = Field(min_length=1)

    @model_validator(mode="after")
    def _length_unit(self) -> Cable:
        # an extra (checks read it as such); its number is `sharpeyes.sot.limits`'
        unit = (self.model_extra or {}).get("length_unit")
        if unit is not None and unit not in CABLE_LENGTH_UNITS:
            raise ValueError(f"length_unit: {unit!r} is not one of {', '.join(CABLE_LENGTH_UNITS)}")
        return self


class Circuit(_Obj):
    provider: str
    cid: str
    type: str
    commit_rate: Count | None = None


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
    vid: StrictInt = Field(ge=1, le=4094)
    name: str


class IpAddress(_Obj):
    address: ipaddress.IPv4Interface
    vrf: str | None = None
    assigned_object: IfRef | None = None


class ConfigContext(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    name: str
    roles: list[str] = Field(default_factory=list)
    data: Annotated[dict[str, Any], checked_as(ContextData)]


class CustomField(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    name: str
    type: str = "text"
    object_types: list[str]
    required: StrictBool = False
    validation_regex: Annotated[StrictStr, AfterValidator(_regex)] = ""
    validation_minimum: Number | None = None
    validation_maximum: Number | None = None


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
