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
CF_PLATFORM_DUTY: Final = "platform_duty"  # dcim.device (video server), one of SERVER_DUTIES

BOX_NEW: Final = "new_box"  # box replaced
BOX_LOCK_CORE: Final = "lock_core"  # box kept, new lock core
BOX_KITS: Final = (BOX_NEW, BOX_LOCK_CORE)

# -- site groups -----------------------------------------------------------------------------------
GroupSlug = Literal[
    "data-centre", "police-stations", "checkpoints", "traffic-squadrons", "boundary"
]
GROUP_DATA_CENTRE: Final = "data-centre"
GROUP_POLICE: Final = "police-stations"
GROUP_CHECKPOINTS: Final = "checkpoints"
GROUP_TRAFFIC: Final = "traffic-squadrons"
GROUP_BOUNDARY: Final = "boundary"  # the video private network's boundary (not a seed site)

# -- GB/T 28181 codes in use (Table D.1 and industry codes: sharpeyes.ids.gb28181) ---------------
# 121 lies in 119-130, "extended front-end main device types": not a camera code of the standard.
# Kept only so old data can be recognised; checkpoint cameras are network cameras (132).
TYPE_CHECKPOINT_CAMERA: Final = "121"
TYPE_IPC: Final = "132"  # network camera (IPC)
TYPE_SIP_SERVER: Final = "200"  # central signalling control server
TYPE_WEB_SERVER: Final = "201"  # web application server
TYPE_MEDIA_DISTRIBUTION: Final = "202"  # media distribution (forwarding) server
TYPE_DATABASE: Final = "206"  # database server
TYPE_MANAGEMENT: Final = "208"  # management server
TYPE_MEDIA_STORAGE: Final = "210"  # media storage server

INDUSTRY_SOCIAL: Final = "00"  # social public security, road (社会治安路面接入); incl. 治安卡口
INDUSTRY_TRAFFIC_ROAD: Final = "04"  # traffic, road (交通路面接入)
INDUSTRY_TRAFFIC_CHECKPOINT: Final = "05"  # traffic checkpoint (交通卡口接入): traffic police only

# Site group -> industry code of its devices' GB ids. The seed's checkpoints are public-security
# checkpoints (治安卡口), so 00, not the traffic checkpoint code 05; the traffic squadrons' cameras
# (illegal-parking enforcement, 违停监控) are traffic road cameras, 04.
GROUP_INDUSTRY: Final[dict[str, str]] = {
    GROUP_DATA_CENTRE: INDUSTRY_SOCIAL,
    GROUP_POLICE: INDUSTRY_SOCIAL,
    GROUP_CHECKPOINTS: INDUSTRY_SOCIAL,
    GROUP_TRAFFIC: INDUSTRY_TRAFFIC_ROAD,
}

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
    "checkpoint": TYPE_IPC,  # a checkpoint camera is a network camera (Table D.1 has no 卡口 code)
}

# -- device roles ----------------------------------------------------------------------------------
SWITCH_ROLE: Final = "access-switch"
SERVER_ROLE: Final = "video-server"
SPLICE_ROLE: Final = "splice-screen"
MATRIX_ROLE: Final = "video-matrix"
# Network devices the seed implies but does not buy (existing; see netbox/README.md).
AGGREGATION_ROLE: Final = "aggregation-switch"  # station gateway
CORE_ROLE: Final = "core-switch"  # data-centre core
MGMT_SWITCH_ROLE: Final = "management-switch"  # data-centre BMC / out-of-band access
CONVERTER_ROLE: Final = "media-converter"  # PoE fibre converter at a point without a switch
CLOCK_ROLE: Final = "time-server"  # Beidou/GPS NTP clock
BOUNDARY_ROLE: Final = "boundary-gateway"  # video private network boundary platform
NETWORK_ROLES: Final = frozenset(
    {SWITCH_ROLE, AGGREGATION_ROLE, CORE_ROLE, MGMT_SWITCH_ROLE}
)  # devices managed in the management VRF

# Video server duties on the platform -> Table D.1 type code of its GB id.
ServerDuty = Literal["sip", "media-distribution", "media-storage", "database", "management"]
SERVER_DUTIES: Final[tuple[ServerDuty, ...]] = get_args(ServerDuty)
DUTY_SIP: Final = "sip"
DUTY_MEDIA_DISTRIBUTION: Final = "media-distribution"
SERVER_DUTY_TYPE_CODES: Final[dict[ServerDuty, str]] = {
    "sip": TYPE_SIP_SERVER,
    "media-distribution": TYPE_MEDIA_DISTRIBUTION,
    "media-storage": TYPE_MEDIA_STORAGE,
    "database": TYPE_DATABASE,
    "management": TYPE_MANAGEMENT,
}

# Device role -> the GB/T 28181 type codes its id may carry (roles absent here need no id).
ROLE_TYPE_CODES: Final[dict[str, frozenset[str]]] = {
    **{CAMERA_ROLES[k]: frozenset({CAMERA_TYPE_CODES[k]}) for k in CAMERA_KINDS},
    SERVER_ROLE: frozenset(SERVER_DUTY_TYPE_CODES.values()),
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
BOUNDARY_LINK: Final = "boundary-link"  # data centre to the boundary platform (not a seed link)

# -- IPAM roles ------------------------------------------------------------------------------------
PREFIX_CAMERAS: Final = "cameras"
PREFIX_SWITCH_MGMT: Final = "switch-mgmt"
PREFIX_SERVERS: Final = "servers"
PREFIX_BMC: Final = "bmc"
PREFIX_UPLINKS: Final = "uplinks"

# -- cabling ---------------------------------------------------------------------------------------
CABLE_COPPER: Final = "cat6"
CABLE_FIBRE: Final = "smf"  # single-mode, outside plant and carrier hand-offs
CABLE_FIBRE_DC: Final = "mmf-om4"  # multi-mode patch in the data centre
COPPER_CABLE_TYPES: Final = frozenset(
    {"cat3", "cat5", "cat5e", "cat6", "cat6a", "cat7", "cat7a", "cat8"}
)
FIBRE_CABLE_TYPES: Final = frozenset(
    {"mmf", "mmf-om1", "mmf-om2", "mmf-om3", "mmf-om4", "mmf-om5", "smf", "smf-os1", "smf-os2"}
)
LENGTH_UNIT: Final = "m"

# -- platforms -------------------------------------------------------------------------------------
PLATFORM_VRP: Final = "huawei-vrp5"  # Huawei VRP 5 access switches
PLATFORM_COMWARE: Final = "h3c-comware7"  # H3C Comware 7 access switches
SWITCH_PLATFORMS: Final = frozenset({PLATFORM_VRP, PLATFORM_COMWARE})
PLATFORM_VRP8: Final = "huawei-vrp8"  # Huawei VRPv8 (CloudEngine core)
