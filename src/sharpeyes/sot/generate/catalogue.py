"""What the generated customisation (`netbox/custom`) holds besides the spec's device models:
tags, custom fields, roles, circuit types and the video platform's policy, as data.
"""

from __future__ import annotations

import re
from typing import Any, Final

from sharpeyes import vocab
from sharpeyes.sot.records import FlowList
from sharpeyes.sot.spec import PortRange, SwitchModel

TAGS: Final = FlowList([vocab.MANAGED_TAG])
TAGS_ILL: Final = FlowList([vocab.MANAGED_TAG, vocab.ILLUSTRATIVE_TAG])
ILL_NOTE: Final = "illustrative: the seed gives quantities only"

# name, colour, description
TAG_DEFS: Final = (
    (
        vocab.MANAGED_TAG,
        "2196f3",
        "Owned by the sharpeyes repo; the sync may delete it when it leaves the dataset",
    ),
    (
        vocab.ILLUSTRATIVE_TAG,
        "ff9800",
        "Name/placement invented for the bootstrap dataset (the seed gives quantities only)",
    ),
)

# name, type, object types, label, extra attributes
CUSTOM_FIELDS: Final[tuple[tuple[str, str, tuple[str, ...], str, dict[str, Any]], ...]] = (
    (
        vocab.CF_GB28181_ID,
        "text",
        ("dcim.device",),
        "GB/T 28181 device id (20 digits)",
        {"validation_regex": r"^\d{20}$"},
    ),
    (
        vocab.CF_ADMIN_CODE,
        "text",
        ("dcim.region",),
        "Administrative division code",
        {"validation_regex": r"^\d{6}$"},
    ),
    (vocab.CF_POINT_CODE, "text", ("dcim.location",), "Front-end point code", {}),
    (vocab.CF_LATITUDE, "decimal", ("dcim.location",), "Point latitude (WGS84)", {}),
    (vocab.CF_LONGITUDE, "decimal", ("dcim.location",), "Point longitude (WGS84)", {}),
    (
        vocab.CF_BOX_KIT,
        "text",
        ("dcim.location",),
        "Box kit",
        {
            "validation_regex": f"^({'|'.join(vocab.BOX_KITS)})$",
            "description": f"{vocab.BOX_NEW}: box replaced; {vocab.BOX_LOCK_CORE}: box kept, "
            "new lock core",
        },
    ),
    (vocab.CF_HAS_SIGN, "boolean", ("dcim.location",), "A front-end sign is installed", {}),
    (vocab.CF_POE_BUDGET_W, "integer", ("dcim.devicetype",), "PoE budget of a switch (W)", {}),
    (
        vocab.CF_POE_DRAW_W,
        "integer",
        ("dcim.devicetype",),
        "PoE draw of a powered device (W)",
        {},
    ),
    (vocab.CF_CAPACITY_GB, "integer", ("dcim.inventoryitem",), "Disk capacity (GB, decimal)", {}),
    (
        vocab.CF_PLATFORM_DUTY,
        "text",
        ("dcim.device",),
        "Video platform duty (GB/T 28181 type)",
        {"validation_regex": f"^({'|'.join(vocab.SERVER_DUTIES)})$"},
    ),
)

# slug, name, colour
DEVICE_ROLES: Final = (
    *((vocab.CAMERA_ROLES[k], f"Camera ({k})", "4caf50") for k in vocab.CAMERA_KINDS),
    (vocab.SWITCH_ROLE, "Front-end PoE switch", "3f51b5"),
    (vocab.SERVER_ROLE, "Video cloud server", "9c27b0"),
    (vocab.SPLICE_ROLE, "Splice screen", "607d8b"),
    (vocab.MATRIX_ROLE, "Video matrix", "795548"),
    (vocab.AGGREGATION_ROLE, "Station aggregation switch", "303f9f"),
    (vocab.CORE_ROLE, "Data-centre core switch", "1a237e"),
    (vocab.MGMT_SWITCH_ROLE, "Management switch", "5c6bc0"),
    (vocab.CONVERTER_ROLE, "PoE fibre converter", "8bc34a"),
    (vocab.CLOCK_ROLE, "Beidou/GPS time server", "ffc107"),
    (vocab.BOUNDARY_ROLE, "Video network boundary gateway", "f44336"),
)

# slug, name (colour GREY)
INVENTORY_ITEM_ROLES: Final = (
    (vocab.DATA_DISK_ROLE, "Data disk"),
    (vocab.SYSTEM_DISK_ROLE, "System disk"),
    (vocab.VIDEO_BOARD_ROLE, "Video transmission board"),
    (vocab.MAIN_CONTROL_BOARD_ROLE, "Main control board"),
    (vocab.CONTROL_BOARD_ROLE, "Control board"),
)
INVENTORY_ITEM_ROLE_COLOUR: Final = "9e9e9e"

CIRCUIT_TYPES: Final = (
    (vocab.SITE_LINK, "Site link (station to data centre)"),
    (vocab.FRONT_END_LINK, "Front-end link (point to station)"),
    (vocab.BOUNDARY_LINK, "Boundary link (data centre to the boundary platform)"),
)

IPAM_ROLES: Final = (
    (vocab.PREFIX_CAMERAS, "Cameras"),
    (vocab.PREFIX_SWITCH_MGMT, "Switch management"),
    (vocab.PREFIX_SERVERS, "Servers"),
    (vocab.PREFIX_BMC, "Server BMC"),
    (vocab.PREFIX_UPLINKS, "Uplinks (site link transit)"),
)

# Video server ports: name, type, management only.
SERVER_INTERFACES: Final = (
    ("bmc", "1000base-t", True),
    ("eno1", "1000base-t", False),
    ("eno2", "1000base-t", False),
    ("ens1f0", "10gbase-x-sfpp", False),
    ("ens1f1", "10gbase-x-sfpp", False),
)
SERVER_BOND = "bond0"
SERVER_BOND_MEMBERS: Final = ("ens1f0", "ens1f1")

# Description of video server n (0-based); its duty (and GB type code) is the spec's
# `platform.server_duties[n]`.
SERVER_DUTIES: Final = (
    "SIP signalling (active) + storage node",
    "SIP signalling (standby) + storage node",
    "media forwarding + storage node",
    "media forwarding + storage node",
    "media forwarding + storage node",
    "video analytics / GA/T 1400 view library + storage node",
    "video analytics / GA/T 1400 view library + storage node",
    "database (PostgreSQL primary, Redis) + storage node",
    "database (PostgreSQL replica, Redis) + storage node",
    "business management platform (web 18080) + storage node",
)

# Site group -> how a site of the group is described.
SITE_KINDS: Final = {
    vocab.GROUP_POLICE: "police station",
    vocab.GROUP_CHECKPOINTS: "checkpoint",
    vocab.GROUP_TRAFFIC: "traffic police squadron",
}

# Bandwidth: the cameras' main streams plus headroom, rounded up to a lease step (last = cap).
LINK_HEADROOM: Final = 1.25
SITE_LINK_STEPS_MBPS: Final = (100, 200, 300, 500, 1000)
FE_LINK_STEPS_MBPS: Final = (20, 50, 100, 200)

# The video platform's ports, read by the roles through the `video-platform` config context
# (the RTP range is sized from the cameras: see datacentre.config_context).
SIP_PORT: Final = 5060
WEB_PORT: Final = 18080


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def port_type(ports: PortRange) -> str:
    """NetBox interface type of a port range: stated, or read from a Huawei/H3C name."""
    if ports.type:
        return ports.type
    if ports.pattern.startswith("X"):
        return "10gbase-x-sfpp"
    return "1000base-x-sfp"


def uplink_type(model: SwitchModel) -> str:
    return port_type(model.uplink)


def bandwidth_kbps(main_mbps: float, steps: tuple[int, ...]) -> int:
    """Commit rate for cameras sending `main_mbps` of main streams, plus headroom: the first
    step that fits, else the last (the cap)."""
    needed = main_mbps * LINK_HEADROOM
    return next((s for s in steps if s >= needed), steps[-1]) * 1000
