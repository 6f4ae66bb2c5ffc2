"""The estate's physics and arithmetic, shared by the generator, `sot summary` and `sot validate`:
distances between coordinates, cable media and reach, PoE classes, the platform's stream and
storage policy (read from the `video-platform` config context) and the figures derived from it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sharpeyes import vocab

# IEEE 802.3 twisted-pair channel (and PoE): 100 m end to end.
COPPER_MAX_M = 100.0
# 1000BASE-LX / 10GBASE-LR on single-mode fibre: 10 km; multi-mode SR/OM4 patches: 400 m.
FIBRE_REACH_M = {"smf": 10_000.0, "mmf": 400.0}
EARTH_RADIUS_M = 6_371_000.0
# Power available at the powered device per PSE port class (IEEE 802.3af/at/bt), in W.
POE_PD_W = {
    "type1-ieee802.3af": 12.95,
    "type2-ieee802.3at": 25.5,
    "type3-ieee802.3bt": 51.0,
    "type4-ieee802.3bt": 71.3,
}
TB = 1_000_000_000_000  # bytes, decimal (disks are sold in decimal TB)


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (latitude, longitude) points in metres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def offset(origin: tuple[float, float], metres: float, bearing: float) -> tuple[float, float]:
    """The point `metres` away from `origin` at `bearing` (radians), rounded to 6 places."""
    lat, lon = origin
    dlat = metres * math.cos(bearing) / EARTH_RADIUS_M
    dlon = metres * math.sin(bearing) / (EARTH_RADIUS_M * math.cos(math.radians(lat)))
    return round(lat + math.degrees(dlat), 6), round(lon + math.degrees(dlon), 6)


def cable_medium(cable_type: str | None) -> str | None:
    """`copper`, `fibre` or None (DAC, power, unknown) for a NetBox cable type."""
    if cable_type in vocab.COPPER_CABLE_TYPES:
        return "copper"
    if cable_type in vocab.FIBRE_CABLE_TYPES:
        return "fibre"
    return None


def port_medium(interface_type: str | None) -> str | None:
    """`copper` (…base-t/tx), `fibre` (…base-x-sfp…: an optic cage) or None (virtual, LAG)."""
    if not interface_type:
        return None
    if "-x-" in interface_type:
        return "fibre"
    if interface_type.endswith(("base-t", "base-tx")):
        return "copper"
    return None


def fibre_reach_m(cable_type: str) -> float:
    return FIBRE_REACH_M["mmf" if cable_type.startswith("mmf") else "smf"]


# -- the platform's stream and storage policy (config context `video-platform`) -------------------


class _Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Streams(_Policy):
    main: float = Field(gt=0, le=100)  # Mbit/s, recorded continuously
    sub: float = Field(ge=0, le=100)  # Mbit/s, live view on demand


class Pictures(_Policy):
    per_day: int = Field(ge=0)  # captures a camera stores a day (vehicle passes, faces)
    kb: float = Field(gt=0)  # size of one capture's pictures, kB (decimal)


class VideoPolicy(_Policy):
    streams_mbps: dict[str, Streams]
    pictures: dict[str, Pictures] = Field(default_factory=dict)
    retention_days: dict[str, int]  # class (video, checkpoint) -> days
    min_retention_days: int = Field(ge=1)


class StoragePolicy(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    raid_data_disks: int = Field(ge=1)
    raid_parity_disks: int = Field(ge=0)
    hot_spares: int = Field(ge=0)
    max_fill: float = Field(gt=0, le=1)


class RtpPolicy(_Policy):
    streams_per_camera: int = Field(ge=1)  # main (recording) + sub (live view)
    ports_per_stream: int = Field(ge=1)  # RTP + RTCP
    headroom: float = Field(ge=0)


class MediaServer(_Policy):
    id: str
    sites: list[str]


def retention_class(kind: str) -> str:
    """Checkpoint cameras keep the checkpoint retention; every other camera the video one."""
    return "checkpoint" if kind == "checkpoint" else "video"


def parse_policy[P: BaseModel](
    model: type[P], data: Any, where: str
) -> tuple[P | None, list[tuple[str, str]]]:
    """The policy section as a model, or its problems as (field path, message)."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, [
            (".".join([where, *(str(p) for p in err["loc"])]), err["msg"]) for err in exc.errors()
        ]


def rtp_ports_needed(cameras: int, rtp: RtpPolicy) -> int:
    """Ports a media server needs for `cameras`: streams x ports per stream, plus headroom."""
    return math.ceil(cameras * rtp.streams_per_camera * rtp.ports_per_stream * (1 + rtp.headroom))


@dataclass(frozen=True)
class StorageClass:
    name: str  # retention class: video | checkpoint
    cameras: int
    ingest_tb_day: float  # video + pictures
    retention_days: int
    demand_tb: float


@dataclass(frozen=True)
class StorageFigures:
    servers: int
    data_disks: int
    raw_tb: float
    capacity_tb: float  # usable, after RAID parity and hot spares
    max_fill: float
    classes: tuple[StorageClass, ...]

    @property
    def usable_tb(self) -> float:
        return self.capacity_tb * self.max_fill

    @property
    def ingest_tb_day(self) -> float:
        return sum(c.ingest_tb_day for c in self.classes)

    @property
    def demand_tb(self) -> float:
        return sum(c.demand_tb for c in self.classes)

    @property
    def days_at_fill(self) -> float:
        """Days every camera could keep at the fill limit with one retention for all."""
        return self.usable_tb / self.ingest_tb_day if self.ingest_tb_day else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "servers": self.servers,
            "data_disks": self.data_disks,
            "raw_tb": round(self.raw_tb, 1),
            "capacity_tb": round(self.capacity_tb, 1),
            "max_fill": self.max_fill,
            "usable_tb": round(self.usable_tb, 1),
            "ingest_tb_day": round(self.ingest_tb_day, 2),
            "demand_tb": round(self.demand_tb, 1),
            "days_at_fill": round(self.days_at_fill, 1),
            "classes": {
                c.name: {
                    "cameras": c.cameras,
                    "ingest_tb_day": round(c.ingest_tb_day, 2),
                    "retention_days": c.retention_days,
                    "demand_tb": round(c.demand_tb, 1),
                }
                for c in self.classes
            },
        }


def camera_tb_day(kind: str, video: VideoPolicy) -> float:
    """What one camera of `kind` records a day: main stream plus pictures, TB."""
    streams = video.streams_mbps[kind]
    pics = video.pictures.get(kind)
    picture_bytes = pics.per_day * pics.kb * 1000 if pics else 0.0
    return (streams.main * 1e6 / 8 * 86_400 + picture_bytes) / TB


def storage_figures(
    cameras: Mapping[str, int] | Counter[Any],
    disks_gb: Mapping[str, list[int]],
    video: VideoPolicy,
    storage: StoragePolicy,
) -> StorageFigures:
    """Capacity after RAID (per server: data disks minus parity and spares, smallest counted
    as parity) against the retention demand of `cameras` (kind -> count). Kinds without a
    stream profile count as nothing: the caller reports them."""
    spare = storage.raid_parity_disks + storage.hot_spares
    capacity_gb = sum(sum(sorted(d)[spare:]) for d in disks_gb.values())
    raw_gb = sum(sum(d) for d in disks_gb.values())
    per_class: dict[str, tuple[int, float]] = {}
    for kind, n in sorted(cameras.items()):
        if kind not in video.streams_mbps:
            continue
        cls = retention_class(kind)
        count, tb_day = per_class.get(cls, (0, 0.0))
        per_class[cls] = (count + n, tb_day + n * camera_tb_day(kind, video))
    classes = tuple(
        StorageClass(
            cls,
            n,
            tb_day,
            video.retention_days.get(cls, 0),
            tb_day * video.retention_days.get(cls, 0),
        )
        for cls, (n, tb_day) in sorted(per_class.items(), key=lambda kv: kv[0] != "video")
    )
    return StorageFigures(
        servers=len(disks_gb),
        data_disks=sum(len(d) for d in disks_gb.values()),
        raw_tb=raw_gb / 1000,
        capacity_tb=capacity_gb / 1000,
        max_fill=storage.max_fill,
        classes=classes,
    )
