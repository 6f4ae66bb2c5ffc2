"""The endpoint registry: what the sync engine knows about each NetBox REST endpoint.

For every endpoint (`<app>.<endpoint>`, REST path names) it records, in dependency order:
- the natural key (slug, name or a composite of fields, some of them references);
- every managed field with its kind and default: a field absent from a repo object means
  "the default", so deleting a line in YAML clears the value in NetBox. `REQUIRED` fields have
  no default: they are compared only when the repo object states them and always exported;
- references (by natural key of the target endpoint), generic references (type + object),
  deferred fields (patched after everything else exists, e.g. device primary_ip4);
- for device components, the template endpoint whose values are the component's defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any, Final

GREY: Final = "9e9e9e"


class Kind(StrEnum):
    PLAIN = "plain"  # scalar, choice ({value, label} on read) or JSON value
    DECIMAL = "decimal"  # number compared after rounding to `places`
    SET = "set"  # unordered list of scalars (object_types)
    REF = "ref"  # one reference, written by the target's natural key
    REFS = "refs"  # list of references (tags, tagged_vlans, config-context scopes)
    GENERIC = "generic"  # <name>_type + <name>_id pair (termination, scope, assigned_object)
    CUSTOM = "custom_fields"  # mapping of custom-field name to value
    TERMS = "terms"  # cable a_terminations / b_terminations
    PRIMARY_IP = "primary_ip"  # device primary_ip4/oob_ip written as the address string


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Final[Any] = _Required()


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind = Kind.PLAIN
    default: Any = None
    target: str | None = None  # endpoint of REF/REFS/PRIMARY_IP
    places: int | None = None  # DECIMAL
    type_field: str | None = None  # GENERIC: REST name of the type field
    id_field: str | None = None  # GENERIC: REST name of the id field
    types: Mapping[str, str] = field(default_factory=dict)  # GENERIC: object type -> endpoint
    implied_type: str | None = None  # GENERIC: type used when the repo omits the type field
    deferred: bool = False  # written in the final PATCH step


@dataclass(frozen=True)
class Endpoint:
    name: str  # dcim.devices
    key: tuple[str, ...]  # field names forming the natural key
    fields: tuple[Field, ...]
    template: str | None = None  # component endpoint: its template endpoint
    self_refs: tuple[str, ...] = ()  # fields referencing the same endpoint (creation waves)

    @property
    def path(self) -> str:
        app, ep = self.name.split(".", 1)
        return f"{app}/{ep}"

    @cached_property
    def field_map(self) -> dict[str, Field]:  # built once: read per reference by the validator
        return {f.name: f for f in self.fields}

    def get(self, name: str) -> Field:
        return self.field_map[name]


# -- field helpers -------------------------------------------------------------------------------


def plain(name: str, default: Any = None) -> Field:
    return Field(name, Kind.PLAIN, default)


def req(name: str) -> Field:
    return Field(name, Kind.PLAIN, REQUIRED)


def ref(name: str, target: str, default: Any = None) -> Field:
    return Field(name, Kind.REF, default, target=target)


def refs(name: str, target: str) -> Field:
    return Field(name, Kind.REFS, [], target=target)


def dec(name: str, places: int, default: Any = None) -> Field:
    return Field(name, Kind.DECIMAL, default, places=places)


def _common(comments: bool = True) -> tuple[Field, ...]:
    out = [plain("description", "")]
    if comments:
        out.append(plain("comments", ""))
    out += [refs("tags", "extras.tags"), Field("custom_fields", Kind.CUSTOM, {})]
    return tuple(out)


def _org(name: str, *extra: Field, comments: bool = True) -> Endpoint:
    """Organisational model keyed by slug (name + slug + extras)."""
    return Endpoint(name, ("slug",), (req("slug"), req("name"), *extra, *_common(comments)))


_SCOPE_TYPES: Final = {
    "dcim.region": "dcim.regions",
    "dcim.sitegroup": "dcim.site-groups",
    "dcim.site": "dcim.sites",
    "dcim.location": "dcim.locations",
}
_TERM_TYPES: Final = {**_SCOPE_TYPES, "circuits.providernetwork": "circuits.provider-networks"}

# Cable termination forms: repo mapping key -> (object type, endpoint, key field of the target).
CABLE_TERMINATIONS: Final = {
    "interface": ("dcim.interface", "dcim.interfaces"),
    "console_port": ("dcim.consoleport", "dcim.console-ports"),
    "power_port": ("dcim.powerport", "dcim.power-ports"),
    "front_port": ("dcim.frontport", "dcim.front-ports"),
    "rear_port": ("dcim.rearport", "dcim.rear-ports"),
    "circuit": ("circuits.circuittermination", "circuits.circuit-terminations"),
}


def _component(name: str, template: str | None, *extra: Field) -> Endpoint:
    return Endpoint(
        name,
        ("device", "name"),
        (
            ref("device", "dcim.devices", REQUIRED),
            req("name"),
            plain("label", ""),
            *extra,
            plain("description", ""),
            refs("tags", "extras.tags"),
            Field("custom_fields", Kind.CUSTOM, {}),
        ),
        template=template,
    )


def _template(name: str, *extra: Field) -> Endpoint:
    return Endpoint(
        name,
        ("device_type", "name"),
        (
            ref("device_type", "dcim.device-types", REQUIRED),
            req("name"),
            plain("label", ""),
            *extra,
            plain("description", ""),
        ),
    )


_VLAN_REF = "ipam.vlans"

ENDPOINTS: Final[tuple[Endpoint, ...]] = (
    Endpoint(
        "extras.tags",
        ("slug",),
        (
            req("slug"),
            req("name"),
            plain("color", GREY),
            plain("description", ""),
            plain("weight", 1000),
            Field("object_types", Kind.SET, []),
        ),
    ),
    Endpoint(
        "extras.custom-field-choice-sets",
        ("name",),
        (
            req("name"),
            plain("base_choices", None),
            plain("extra_choices", None),
            plain("order_alphabetically", False),
            plain("description", ""),
        ),
    ),
    Endpoint(
        "extras.custom-fields",
        ("name",),
        (
            req("name"),
            Field("object_types", Kind.SET, REQUIRED),
            plain("type", "text"),
            plain("related_object_type", None),
            plain("label", ""),
            plain("group_name", ""),
            plain("description", ""),
            plain("required", False),
            plain("unique", False),
            plain("search_weight", 1000),
            plain("filter_logic", "loose"),
            plain("ui_visible", "always"),
            plain("ui_editable", "yes"),
            plain("is_cloneable", False),
            plain("default", None),
            plain("weight", 100),
            plain("validation_minimum", None),
            plain("validation_maximum", None),
            plain("validation_regex", ""),
            ref("choice_set", "extras.custom-field-choice-sets"),
            plain("comments", ""),
        ),
    ),
    Endpoint(
        "tenancy.tenant-groups",
        ("slug",),
        (req("slug"), req("name"), ref("parent", "tenancy.tenant-groups"), *_common()),
        self_refs=("parent",),
    ),
    _org("tenancy.tenants", ref("group", "tenancy.tenant-groups")),
    Endpoint(
        "dcim.regions",
        ("slug",),
        (req("slug"), req("name"), ref("parent", "dcim.regions"), *_common()),
        self_refs=("parent",),
    ),
    Endpoint(
        "dcim.site-groups",
        ("slug",),
        (req("slug"), req("name"), ref("parent", "dcim.site-groups"), *_common()),
        self_refs=("parent",),
    ),
    _org(
        "dcim.sites",
        plain("status", "active"),
        ref("region", "dcim.regions"),
        ref("group", "dcim.site-groups"),
        ref("tenant", "tenancy.tenants"),
        plain("facility", ""),
        plain("time_zone", None),
        plain("physical_address", ""),
        plain("shipping_address", ""),
        dec("latitude", 6),
        dec("longitude", 6),
    ),
    Endpoint(
        "dcim.locations",
        ("slug",),
        (
            req("slug"),
            req("name"),
            ref("site", "dcim.sites", REQUIRED),
            ref("parent", "dcim.locations"),
            plain("status", "active"),
            ref("tenant", "tenancy.tenants"),
            plain("facility", ""),
            *_common(),
        ),
        self_refs=("parent",),
    ),
    _org("dcim.rack-roles", plain("color", GREY)),
    Endpoint(
        "dcim.racks",
        ("name",),
        (
            req("name"),
            ref("site", "dcim.sites", REQUIRED),
            ref("location", "dcim.locations"),
            plain("status", "active"),
            ref("role", "dcim.rack-roles"),
            ref("tenant", "tenancy.tenants"),
            plain("facility_id", None),
            plain("serial", ""),
            plain("asset_tag", None),
            plain("form_factor", None),
            plain("width", 19),
            plain("u_height", 42),
            plain("starting_unit", 1),
            plain("desc_units", False),
            *_common(),
        ),
    ),
    _org("dcim.manufacturers"),
    Endpoint(
        "dcim.device-roles",
        ("slug",),
        (
            req("slug"),
            req("name"),
            plain("color", GREY),
            plain("vm_role", True),
            ref("parent", "dcim.device-roles"),
            *_common(),
        ),
        self_refs=("parent",),
    ),
    Endpoint(
        "dcim.platforms",
        ("slug",),
        (
            req("slug"),
            req("name"),
            ref("manufacturer", "dcim.manufacturers"),
            ref("parent", "dcim.platforms"),
            *_common(),
        ),
        self_refs=("parent",),
    ),
    _org("dcim.inventory-item-roles", plain("color", GREY)),
    Endpoint(
        "dcim.device-types",
        ("slug",),
        (
            req("slug"),
            ref("manufacturer", "dcim.manufacturers", REQUIRED),
            req("model"),
            ref("default_platform", "dcim.platforms"),
            plain("part_number", ""),
            dec("u_height", 1, 1.0),
            plain("exclude_from_utilization", False),
            plain("is_full_depth", True),
            plain("subdevice_role", None),
            plain("airflow", None),
            dec("weight", 2),
            plain("weight_unit", None),
            *_common(),
        ),
    ),
    Endpoint(
        "dcim.module-types",
        ("manufacturer", "model"),
        (
            ref("manufacturer", "dcim.manufacturers", REQUIRED),
            req("model"),
            plain("part_number", ""),
            plain("airflow", None),
            dec("weight", 2),
            plain("weight_unit", None),
            *_common(),
        ),
    ),
    _template(
        "dcim.interface-templates",
        req("type"),
        plain("enabled", True),
        plain("mgmt_only", False),
        plain("poe_mode", None),
        plain("poe_type", None),
    ),
    _template("dcim.console-port-templates", plain("type", None)),
    _template(
        "dcim.power-port-templates",
        plain("type", None),
        plain("maximum_draw", None),
        plain("allocated_draw", None),
    ),
    _template("dcim.module-bay-templates", plain("position", ""), plain("enabled", True)),
    _org("circuits.providers"),
    _org("circuits.circuit-types", plain("color", "")),
    Endpoint(
        "circuits.provider-networks",
        ("provider", "name"),
        (
            ref("provider", "circuits.providers", REQUIRED),
            req("name"),
            plain("service_id", ""),
            *_common(),
        ),
    ),
    _org("ipam.rirs", plain("is_private", False)),
    _org("ipam.roles", plain("weight", 1000)),
    Endpoint(
        "ipam.vrfs",
        ("name",),
        (
            req("name"),
            plain("rd", None),
            ref("tenant", "tenancy.tenants"),
            plain("enforce_unique", True),
            *_common(),
        ),
    ),
    Endpoint(
        "ipam.aggregates",
        ("prefix",),
        (
            req("prefix"),
            ref("rir", "ipam.rirs", REQUIRED),
            ref("tenant", "tenancy.tenants"),
            plain("date_added", None),
            *_common(),
        ),
    ),
    Endpoint(
        "ipam.vlan-groups",
        ("slug",),
        (
            req("slug"),
            req("name"),
            Field(
                "scope",
                Kind.GENERIC,
                None,
                type_field="scope_type",
                id_field="scope_id",
                types=_SCOPE_TYPES,
            ),
            plain("vid_ranges", [[1, 4094]]),
            ref("tenant", "tenancy.tenants"),
            *_common(),
        ),
    ),
    Endpoint(
        _VLAN_REF,
        ("group", "vid"),
        (
            ref("group", "ipam.vlan-groups"),
            req("vid"),
            req("name"),
            ref("site", "dcim.sites"),
            ref("tenant", "tenancy.tenants"),
            plain("status", "active"),
            ref("role", "ipam.roles"),
            *_common(),
        ),
    ),
    Endpoint(
        "ipam.prefixes",
        ("prefix", "vrf"),
        (
            req("prefix"),
            ref("vrf", "ipam.vrfs"),
            Field(
                "scope",
                Kind.GENERIC,
                None,
                type_field="scope_type",
                id_field="scope_id",
                types=_SCOPE_TYPES,
            ),
            ref("tenant", "tenancy.tenants"),
            ref("vlan", _VLAN_REF),
            plain("status", "active"),
            ref("role", "ipam.roles"),
            plain("is_pool", False),
            plain("mark_utilized", False),
            *_common(),
        ),
    ),
    Endpoint(
        "dcim.devices",
        ("name",),
        (
            req("name"),
            ref("device_type", "dcim.device-types", REQUIRED),
            ref("role", "dcim.device-roles", REQUIRED),
            ref("site", "dcim.sites", REQUIRED),
            ref("location", "dcim.locations"),
            ref("rack", "dcim.racks"),
            dec("position", 1),
            plain("face", None),
            ref("tenant", "tenancy.tenants"),
            ref("platform", "dcim.platforms"),
            plain("serial", ""),
            plain("asset_tag", None),
            plain("status", "active"),
            plain("airflow", None),
            dec("latitude", 6),
            dec("longitude", 6),
            plain("local_context_data", None),
            Field("primary_ip4", Kind.PRIMARY_IP, None, target="ipam.ip-addresses", deferred=True),
            Field("oob_ip", Kind.PRIMARY_IP, None, target="ipam.ip-addresses", deferred=True),
            *_common(),
        ),
    ),
    _component(
        "dcim.module-bays",
        "dcim.module-bay-templates",
        plain("position", ""),
        plain("enabled", True),
    ),
    Endpoint(
        "dcim.modules",
        ("device", "module_bay"),
        (
            ref("device", "dcim.devices", REQUIRED),
            ref("module_bay", "dcim.module-bays", REQUIRED),
            ref("module_type", "dcim.module-types", REQUIRED),
            plain("status", "active"),
            plain("serial", ""),
            plain("asset_tag", None),
            *_common(),
        ),
    ),
    Endpoint(
        "dcim.interfaces",
        ("device", "name"),
        (
            ref("device", "dcim.devices", REQUIRED),
            req("name"),
            plain("label", ""),
            req("type"),
            plain("enabled", True),
            ref("parent", "dcim.interfaces"),
            ref("bridge", "dcim.interfaces"),
            ref("lag", "dcim.interfaces"),
            plain("mtu", None),
            plain("speed", None),
            plain("duplex", None),
            plain("mgmt_only", False),
            plain("description", ""),
            plain("mode", None),
            ref("untagged_vlan", _VLAN_REF),
            refs("tagged_vlans", _VLAN_REF),
            plain("poe_mode", None),
            plain("poe_type", None),
            ref("vrf", "ipam.vrfs"),
            plain("mark_connected", False),
            refs("tags", "extras.tags"),
            Field("custom_fields", Kind.CUSTOM, {}),
        ),
        template="dcim.interface-templates",
        self_refs=("parent", "bridge", "lag"),
    ),
    _component(
        "dcim.console-ports",
        "dcim.console-port-templates",
        plain("type", None),
        plain("mark_connected", False),
    ),
    _component(
        "dcim.power-ports",
        "dcim.power-port-templates",
        plain("type", None),
        plain("maximum_draw", None),
        plain("allocated_draw", None),
        plain("mark_connected", False),
    ),
    Endpoint(
        "dcim.inventory-items",
        ("device", "name"),
        (
            ref("device", "dcim.devices", REQUIRED),
            req("name"),
            ref("parent", "dcim.inventory-items"),
            plain("label", ""),
            plain("status", "active"),
            ref("role", "dcim.inventory-item-roles"),
            ref("manufacturer", "dcim.manufacturers"),
            plain("part_id", ""),
            plain("serial", ""),
            plain("asset_tag", None),
            plain("discovered", False),
            plain("description", ""),
            refs("tags", "extras.tags"),
            Field("custom_fields", Kind.CUSTOM, {}),
        ),
        self_refs=("parent",),
    ),
    Endpoint(
        "circuits.circuits",
        ("provider", "cid"),
        (
            ref("provider", "circuits.providers", REQUIRED),
            req("cid"),
            ref("type", "circuits.circuit-types", REQUIRED),
            plain("status", "active"),
            ref("tenant", "tenancy.tenants"),
            plain("install_date", None),
            plain("termination_date", None),
            plain("commit_rate", None),
            dec("distance", 2),
            plain("distance_unit", None),
            *_common(),
        ),
    ),
    Endpoint(
        "circuits.circuit-terminations",
        ("circuit", "term_side"),
        (
            ref("circuit", "circuits.circuits", REQUIRED),
            req("term_side"),
            Field(
                "termination",
                Kind.GENERIC,
                None,
                type_field="termination_type",
                id_field="termination_id",
                types=_TERM_TYPES,
            ),
            plain("port_speed", None),
            plain("upstream_speed", None),
            plain("xconnect_id", ""),
            plain("pp_info", ""),
            plain("description", ""),
            plain("mark_connected", False),
            refs("tags", "extras.tags"),
            Field("custom_fields", Kind.CUSTOM, {}),
        ),
    ),
    Endpoint(
        "ipam.ip-addresses",
        ("address", "vrf"),
        (
            req("address"),
            ref("vrf", "ipam.vrfs"),
            ref("tenant", "tenancy.tenants"),
            plain("status", "active"),
            plain("role", None),
            Field(
                "assigned_object",
                Kind.GENERIC,
                None,
                type_field="assigned_object_type",
                id_field="assigned_object_id",
                types={"dcim.interface": "dcim.interfaces"},
                implied_type="dcim.interface",
            ),
            plain("dns_name", ""),
            *_common(),
        ),
    ),
    Endpoint(
        "dcim.cables",
        ("a_terminations", "b_terminations"),
        (
            Field("a_terminations", Kind.TERMS, REQUIRED),
            Field("b_terminations", Kind.TERMS, REQUIRED),
            plain("type", None),
            plain("status", "connected"),
            ref("tenant", "tenancy.tenants"),
            plain("label", ""),
            plain("color", ""),
            dec("length", 2),
            plain("length_unit", None),
            *_common(),
        ),
    ),
    Endpoint(
        "extras.config-contexts",
        ("name",),
        (
            req("name"),
            plain("weight", 1000),
            plain("description", ""),
            plain("is_active", True),
            refs("regions", "dcim.regions"),
            refs("site_groups", "dcim.site-groups"),
            refs("sites", "dcim.sites"),
            refs("locations", "dcim.locations"),
            refs("device_types", "dcim.device-types"),
            refs("roles", "dcim.device-roles"),
            refs("platforms", "dcim.platforms"),
            refs("tenant_groups", "tenancy.tenant-groups"),
            refs("tenants", "tenancy.tenants"),
            Field("tags", Kind.SET, []),  # a list of tag slugs in this serializer (scope filter)
            req("data"),
        ),
    ),
)

REGISTRY: Final[dict[str, Endpoint]] = {e.name: e for e in ENDPOINTS}
ORDER: Final[dict[str, int]] = {e.name: i for i, e in enumerate(ENDPOINTS)}


def endpoint(name: str) -> Endpoint:
    return REGISTRY[name]


def targets(ep: Endpoint) -> set[str]:
    """Endpoints whose objects `ep`'s fields reference (needed to resolve ids)."""
    out: set[str] = set()
    for f in ep.fields:
        if f.target:
            out.add(f.target)
        out.update(f.types.values())
        if f.kind is Kind.TERMS:
            out.update(t for _, t in CABLE_TERMINATIONS.values())
    if ep.template:
        out.add(ep.template)
    return out - {ep.name}


def closure(names: set[str]) -> list[str]:
    """`names` plus every endpoint they reference, transitively, in dependency order."""
    seen: set[str] = set()
    todo = [n for n in names if n in REGISTRY]
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        todo.extend(t for t in targets(REGISTRY[n]) if t in REGISTRY)
    return sorted(seen, key=ORDER.__getitem__)
