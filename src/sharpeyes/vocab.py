"""The project's vocabulary, in one place: slugs, tags, custom-field names, the district code
and the GB/T 28181 codes the estate uses. Every module that names one of these imports it from
here. A leaf module: it imports nothing from sharpeyes.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

# -- the district ----------------------------------------------------------------------------------
DISTRICT_CODE: Final = "441803"  # 清新区, Qingyuan: administrative division of every GB id
# Qingxin district's bounding box, WGS84 degrees: APPROXIMATE (read off a map of 清新区 and
# rounded outwards to 0.1°); a point outside is refused, so widen it if a real point falls out.
DISTRICT_BBOX_LAT: Final = (23.5, 24.3)
DISTRICT_BBOX_LON: Final = (112.6, 113.2)
# Copper Ethernet and PoE reach (IEEE 802.3 channel: 100 m); farther needs fibre.
COPPER_MAX_M: Final = 100.0

# -- tags ------------------------------------------------------------------------------------------
MANAGED_TAG: Final = "sharpeyes-managed"  # owned by the repo; the sync may delete it
ILLUSTRATIVE_TAG: Final = "illustrative"  # invented for the bootstrap (the seed gives quantities)

# -- custom fields ---------------------------------------------------------------------------------
CF_GB28181_ID: Final = "gb28181_id"  # dcim.device
CF_ADMIN_CODE: Final = "admin_code"  # dcim.region
CF_POINT_CODE: Final = "point_code"  # dcim.location
CF_LATITUDE: Final = "latitude"  # dcim.location
CF_LONGITUDE: Final = "longitude"  # dcim.location
CF_BOX_KIT: Final = "box_kit"  # dcim.location, one of BOX_KITS
CF_HAS_SIGN: Final = "has_sign"  # dcim.location
CF_POE_BUDGET_W: Final = "poe_budget_w"  # dcim.devicetype (switch)
CF_POE_DRAW_W: Final = "poe_draw_w"  # dcim.devicetype (powered device)
CF_CAPACITY_GB: Final = "capacity_gb"  # dcim.inventoryitem (disk)

BOX_NEW: Final = "new_box"  # box replaced
BOX_LOCK_CORE: Final = "lock_core"  # box kept, new lock core
BOX_KITS: Final = (BOX_NEW, BOX_LOCK_CORE)

# -- site groups -----------------------------------------------------------------------------------
GroupSlug = Literal["data-centre", "police-stations", "checkpoints", "traffic-squadrons"]
GROUP_DATA_CENTRE: Final = "data-centre"
GROUP_POLICE: Final = "police-stations"
GROUP_CHECKPOINTS: Final = "checkpoints"
GROUP_TRAFFIC: Final = "traffic-squadrons"

# -- GB/T 28181 codes in use -----------------------------------------------------------------------
TYPE_CHECKPOINT_CAMERA: Final = "121"  # video checkpoint camera (卡口)
TYPE_IPC: Final = "132"  # network camera
TYPE_SIP_SERVER: Final = "200"  # central signalling server
TYPE_MEDIA_STORAGE: Final = "210"  # media (forwarding/storage) server

INDUSTRY_SOCIAL: Final = "00"  # public security, social resources
INDUSTRY_TRAFFIC_ROAD: Final = "04"
INDUSTRY_TRAFFIC_CHECKPOINT: Final = "05"

# -- cameras ---------------------------------------------------------------------------------------
CameraKind = Literal["bullet", "dome", "face", "checkpoint"]
CAMERA_KINDS: Final[tuple[CameraKind, ...]] = get_args(CameraKind)
CAMERA_ROLES: Final[dict[CameraKind, str]] = {
    "bullet": "camera-bullet",
    "dome": "camera-dome",
    "face": "camera-face",
    "checkpoint": "camera-checkpoint",
}
CAMERA_ROLE_SLUGS: Final = frozenset(CAMERA_ROLES.values())
CAMERA_TYPE_CODES: Final[dict[CameraKind, str]] = {
    "bullet": TYPE_IPC,
    "dome": TYPE_IPC,
    "face": TYPE_IPC,
    "checkpoint": TYPE_CHECKPOINT_CAMERA,
}

# -- device roles ----------------------------------------------------------------------------------
SWITCH_ROLE: Final = "access-switch"
SERVER_ROLE: Final = "video-server"
SPLICE_ROLE: Final = "splice-screen"
MATRIX_ROLE: Final = "video-matrix"

# Device role -> the GB/T 28181 type codes its id may carry (roles absent here need no id).
ROLE_TYPE_CODES: Final[dict[str, frozenset[str]]] = {
    **{CAMERA_ROLES[k]: frozenset({CAMERA_TYPE_CODES[k]}) for k in CAMERA_KINDS},
    SERVER_ROLE: frozenset({TYPE_SIP_SERVER, TYPE_MEDIA_STORAGE}),
}

# -- inventory-item roles --------------------------------------------------------------------------
DATA_DISK_ROLE: Final = "disk-data"
SYSTEM_DISK_ROLE: Final = "disk-system"
VIDEO_BOARD_ROLE: Final = "board-video-transmission"
MAIN_CONTROL_BOARD_ROLE: Final = "board-main-control"
CONTROL_BOARD_ROLE: Final = "board-control"

# -- circuit types ---------------------------------------------------------------------------------
SITE_LINK: Final = "site-link"  # station to data centre
FRONT_END_LINK: Final = "front-end-link"  # point to station

# -- IPAM roles ------------------------------------------------------------------------------------
PREFIX_CAMERAS: Final = "cameras"
PREFIX_SWITCH_MGMT: Final = "switch-mgmt"
PREFIX_SERVERS: Final = "servers"
PREFIX_BMC: Final = "bmc"
PREFIX_UPLINKS: Final = "uplinks"

# -- platforms -------------------------------------------------------------------------------------
PLATFORM_VRP: Final = "huawei-vrp5"  # Huawei VRP 5 access switches
PLATFORM_COMWARE: Final = "h3c-comware7"  # H3C Comware 7 access switches
SWITCH_PLATFORMS: Final = frozenset({PLATFORM_VRP, PLATFORM_COMWARE})
