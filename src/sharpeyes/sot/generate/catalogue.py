"""What the generated customisation (`netbox/custom`) holds besides the spec's device models:
tags, custom fields, roles, circuit types and the video platform's policy, as data.
"""

from __future__ import annotations

import re
from typing import Any, Final

from sharpeyes import vocab
from sharpeyes.sot.records import FlowList
from sharpeyes.sot.spec import SwitchModel

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
)

# slug, name, colour
DEVICE_ROLES: Final = (
    *((vocab.CAMERA_ROLES[k], f"Camera ({k})", "4caf50") for k in vocab.CAMERA_KINDS),
    (vocab.SWITCH_ROLE, "Front-end PoE switch", "3f51b5"),
    (vocab.SERVER_ROLE, "Video cloud server", "9c27b0"),
    (vocab.SPLICE_ROLE, "Splice screen", "607d8b"),
    (vocab.MATRIX_ROLE, "Video matrix", "795548"),
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

# Duty of video server n (0-based); the first two are the SIP servers (active, standby).
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
SIP_SERVERS: Final = 2

# Site group -> how a site of the group is described.
SITE_KINDS: Final = {
    vocab.GROUP_POLICE: "police station",
    vocab.GROUP_CHECKPOINTS: "checkpoint",
    vocab.GROUP_TRAFFIC: "traffic police squadron",
}

# Bandwidth: a camera's main stream, and the lease steps a link is rounded up to (last = cap).
CAMERA_BITRATE_MBPS: Final = 4
LINK_HEADROOM: Final = 1.25
SITE_LINK_STEPS_MBPS: Final = (100, 200, 300, 500, 1000)
FE_LINK_STEPS_MBPS: Final = (20, 50, 100, 200)

# The video platform's policy, read by the roles through the `video-platform` config context.
SIP_PORT: Final = 5060
RTP_PORT_RANGE: Final = (30000, 30500)
WEB_PORT: Final = 18080
RETENTION_DAYS: Final = {"video": 30, "checkpoint": 90}
STORAGE: Final = {
    "raid_level": 6,
    "raid_data_disks": 13,
    "raid_parity_disks": 2,
    "hot_spares": 0,
    "chunk_kb": 512,
    "filesystem": "xfs",
    "max_fill": 0.9,
}


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def uplink_type(model: SwitchModel) -> str:
    return "10gbase-x-sfpp" if model.uplink.pattern.startswith("X") else "1000base-x-sfp"


def bandwidth_kbps(cameras: float, steps: tuple[int, ...]) -> int:
    """Commit rate for `cameras` main streams plus headroom: the first step that fits, else
    the last (the cap)."""
    needed = cameras * CAMERA_BITRATE_MBPS * LINK_HEADROOM
    return next((s for s in steps if s >= needed), steps[-1]) * 1000
