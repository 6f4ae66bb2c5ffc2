"""NetBox's own limits on field values, as data: what NetBox would refuse at `sot apply`,
refused by `sot validate` instead (naming file, object and field).

Source: NetBox 4.7.3 (the version the lab runs), read off its Django models with
`Model._meta.get_field(name)` in the lab's NetBox venv (dcim, ipam, circuits, extras, tenancy):
`max_length` of every CharField without choices, `max_digits`/`decimal_places` of every
DecimalField, and the MinValue/MaxValue validators of latitude and longitude
(dcim/models/sites.py, dcim/models/devices.py). Only fields of `sharpeyes.sot.schema` appear.
Re-read them when the lab's NetBox version changes.
"""

from __future__ import annotations

from typing import Final

NETBOX_VERSION: Final = "4.7.3"

# endpoint -> field -> most characters NetBox stores (CharField max_length)
MAX_LENGTH: Final[dict[str, dict[str, int]]] = {
    "extras.tags": {"color": 6, "description": 200, "name": 100, "slug": 100},
    "extras.custom-field-choice-sets": {"description": 200, "name": 100},
    "extras.custom-fields": {
        "description": 200,
        "group_name": 50,
        "label": 50,
        "name": 50,
        "validation_regex": 500,
    },
    "tenancy.tenant-groups": {"description": 200, "name": 100, "slug": 100},
    "tenancy.tenants": {"description": 200, "name": 100, "slug": 100},
    "dcim.regions": {"description": 200, "name": 100, "slug": 100},
    "dcim.site-groups": {"description": 200, "name": 100, "slug": 100},
    "dcim.sites": {
        "description": 200,
        "facility": 50,
        "name": 100,
        "physical_address": 200,
        "shipping_address": 200,
        "slug": 100,
    },
    "dcim.locations": {"description": 200, "facility": 50, "name": 100, "slug": 100},
    "dcim.rack-roles": {"color": 6, "description": 200, "name": 100, "slug": 100},
    "dcim.racks": {
        "asset_tag": 50,
        "description": 200,
        "facility_id": 50,
        "name": 100,
        "serial": 50,
    },
    "dcim.manufacturers": {"description": 200, "name": 100, "slug": 100},
    "dcim.device-roles": {"color": 6, "description": 200, "name": 100, "slug": 100},
    "dcim.platforms": {"description": 200, "name": 100, "slug": 100},
    "dcim.inventory-item-roles": {"color": 6, "description": 200, "name": 100, "slug": 100},
    "dcim.device-types": {"description": 200, "model": 100, "part_number": 50, "slug": 100},
    "dcim.module-types": {"description": 200, "model": 100, "part_number": 50},
    "dcim.interface-templates": {"description": 200, "label": 64, "name": 64},
    "dcim.console-port-templates": {"description": 200, "label": 64, "name": 64},
    "dcim.power-port-templates": {"description": 200, "label": 64, "name": 64},
    "dcim.module-bay-templates": {"description": 200, "label": 64, "name": 64, "position": 30},
    "circuits.providers": {"description": 200, "name": 100, "slug": 100},
    "circuits.circuit-types": {"color": 6, "description": 200, "name": 100, "slug": 100},
    "circuits.provider-networks": {"description": 200, "name": 100, "service_id": 100},
    "ipam.rirs": {"description": 200, "name": 100, "slug": 100},
    "ipam.roles": {"description": 200, "name": 100, "slug": 100},
    "ipam.vrfs": {"description": 200, "name": 100, "rd": 21},
    "ipam.aggregates": {"description": 200},
    "ipam.vlan-groups": {"description": 200, "name": 100, "slug": 100},
    "ipam.vlans": {"description": 200, "name": 64},
    "ipam.prefixes": {"description": 200},
    "dcim.devices": {"asset_tag": 50, "description": 200, "name": 64, "serial": 50},
    "dcim.module-bays": {"description": 200, "label": 64, "name": 64, "position": 30},
    "dcim.modules": {"asset_tag": 50, "description": 200, "serial": 50},
    "dcim.interfaces": {"description": 200, "label": 64, "name": 64},
    "dcim.console-ports": {"description": 200, "label": 64, "name": 64},
    "dcim.power-ports": {"description": 200, "label": 64, "name": 64},
    "dcim.inventory-items": {
        "asset_tag": 50,
        "description": 200,
        "label": 64,
        "name": 64,
        "part_id": 50,
        "serial": 50,
    },
    "circuits.circuits": {"cid": 100, "description": 200},
    "circuits.circuit-terminations": {"description": 200, "pp_info": 100, "xconnect_id": 50},
    "ipam.ip-addresses": {"description": 200, "dns_name": 255},
    "dcim.cables": {"color": 6, "description": 200, "label": 100},
    "extras.config-contexts": {"description": 200, "name": 100},
}

# endpoint -> field -> (max_digits, decimal_places) of the DecimalField
DECIMALS: Final[dict[str, dict[str, tuple[int, int]]]] = {
    "extras.custom-fields": {"validation_maximum": (16, 4), "validation_minimum": (16, 4)},
    "dcim.sites": {"latitude": (8, 6), "longitude": (9, 6)},
    "dcim.device-types": {"u_height": (4, 1), "weight": (8, 2)},
    "dcim.module-types": {"weight": (8, 2)},
    "dcim.devices": {"latitude": (8, 6), "longitude": (9, 6), "position": (4, 1)},
    "circuits.circuits": {"distance": (8, 2)},
    "dcim.cables": {"length": (8, 2)},
}

# (endpoint, field) -> (minimum, maximum) of NetBox's value validators
RANGES: Final[dict[tuple[str, str], tuple[float, float]]] = {
    ("dcim.sites", "latitude"): (-90.0, 90.0),
    ("dcim.sites", "longitude"): (-180.0, 180.0),
    ("dcim.devices", "latitude"): (-90.0, 90.0),
    ("dcim.devices", "longitude"): (-180.0, 180.0),
}
