"""Distances between points (WGS84 decimal degrees) and the district's bounding box."""

from __future__ import annotations

import math

from sharpeyes import vocab

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (lat, lon) pairs."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def in_district(lat: float, lon: float) -> bool:
    """Inside Qingxin's (approximate) bounding box."""
    (la, ha), (lo, ho) = vocab.DISTRICT_BBOX_LAT, vocab.DISTRICT_BBOX_LON
    return la <= lat <= ha and lo <= lon <= ho


def metres(d: float) -> str:
    """A distance for messages: `35 m`, `1.2 km`."""
    return f"{d:.0f} m" if d < 1000 else f"{d / 1000:.1f} km"
