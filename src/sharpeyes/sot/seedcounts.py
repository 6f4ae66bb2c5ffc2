"""The seed plan's quantities (seed/000_*.txt), in one place. The dataset must match them."""

from __future__ import annotations

from typing import Final

SITES: Final = 26  # data centre + 17 + 3 + 5
POLICE_STATIONS: Final = 17
CHECKPOINTS: Final = 3
TRAFFIC_SQUADRONS: Final = 5
POINTS: Final = 479
NEW_BOXES: Final = 203
LOCK_CORES: Final = 276
SIGNS: Final = 368
CAMERAS: Final = 1134
SWITCHES: Final = 80
SERVERS: Final = 10
DATA_DISKS: Final = 150
DATA_DISK_GB: Final = 18_000
SITE_LINKS: Final = 25
FRONT_END_LINKS: Final = 211
CIRCUITS: Final = SITE_LINKS + FRONT_END_LINKS
SPLICE_SCREENS: Final = 99
MATRICES: Final = 17
VIDEO_BOARDS: Final = 29
MAIN_CONTROL_BOARDS: Final = 17
CONTROL_BOARDS: Final = 17

# Slugs the counts are taken by.
GROUP_DATA_CENTRE: Final = "data-centre"
GROUP_POLICE: Final = "police-stations"
GROUP_CHECKPOINTS: Final = "checkpoints"
GROUP_TRAFFIC: Final = "traffic-squadrons"
CAMERA_ROLE_TYPES: Final = {  # device role -> GB/T 28181 type code
    "camera-bullet": "132",
    "camera-dome": "132",
    "camera-face": "132",
    "camera-checkpoint": "121",
}
SERVER_ROLE: Final = "video-server"
SERVER_TYPES: Final = frozenset({"200", "210"})
SWITCH_ROLE: Final = "access-switch"
SPLICE_ROLE: Final = "splice-screen"
MATRIX_ROLE: Final = "video-matrix"
DATA_DISK_ROLE: Final = "disk-data"
BOARD_ROLES: Final = {
    "board-video-transmission": VIDEO_BOARDS,
    "board-main-control": MAIN_CONTROL_BOARDS,
    "board-control": CONTROL_BOARDS,
}
CIRCUIT_TYPES: Final = {"site-link": SITE_LINKS, "front-end-link": FRONT_END_LINKS}
CAMERA_PREFIX_ROLE: Final = "cameras"
