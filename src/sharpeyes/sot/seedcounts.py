"""The seed plan's quantities (seed/000_*.txt), in one place. The dataset must match them.

The slugs they are counted by are in `sharpeyes.vocab`.
"""

from __future__ import annotations

from typing import Final

from sharpeyes import vocab

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

# Counts by slug.
BOARD_ROLES: Final = {
    vocab.VIDEO_BOARD_ROLE: VIDEO_BOARDS,
    vocab.MAIN_CONTROL_BOARD_ROLE: MAIN_CONTROL_BOARDS,
    vocab.CONTROL_BOARD_ROLE: CONTROL_BOARDS,
}
CIRCUIT_TYPES: Final = {vocab.SITE_LINK: SITE_LINKS, vocab.FRONT_END_LINK: FRONT_END_LINKS}
