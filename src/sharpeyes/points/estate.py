"""What a point-list check needs to know about the estate, from the repo dataset or live NetBox.

Both sources give objects in the repo form (references by natural key), so one index serves
`points check` (offline, the dataset) and `points import` (live NetBox; identifiers the dataset
holds are reserved too, so an import never reuses one the repo still knows).
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sharpeyes import vocab
from sharpeyes.points.model import code_key
from sharpeyes.sot.dataset import Dataset
from sharpeyes.sot.loader import load

# Endpoints the index reads (the live read adds what they reference).
ENDPOINTS: tuple[str, ...] = (
    "dcim.regions",
    "dcim.sites",
    "dcim.locations",
    "dcim.device-types",
    "dcim.interface-templates",
    "dcim.devices",
    "ipam.prefixes",
    "ipam.ip-addresses",
    "dcim.cables",
)
DATASET = "repo dataset"
NETBOX = "NetBox"
_CAM_NAME = re.compile(r"^(?P<site>.+)-cam(?P<n>\d{4,})$")

Records = Mapping[str, Iterable[Mapping[str, Any]]]


@dataclass(frozen=True)
class Site:
    slug: str
    name: str
    region: str | None
    group: str | None
    tenant: str | None


@dataclass(frozen=True)
class Location:
    slug: str
    name: str
    site: str
    lon: float | None
    lat: float | None
    box_kit: str | None
    code: str | None = None  # custom field point_code


@dataclass(frozen=True)
class Device:
    name: str
    site: str | None
    role: str | None
    device_type: str | None
    location: str | None
    gb_id: str | None


@dataclass(frozen=True)
class CameraPrefix:
    network: ipaddress.IPv4Network
    vrf: str | None
    vlan: dict[str, Any] | None


@dataclass(frozen=True)
class PortTemplate:
    name: str
    type: str | None
    poe_mode: str | None


@dataclass
class Estate:
    """Indexes over the estate; `reserve` adds another source's identifiers as in use."""

    source: str
    regions: dict[str, str] = field(default_factory=dict)  # slug -> name
    sites: dict[str, Site] = field(default_factory=dict)
    locations: dict[str, Location] = field(default_factory=dict)
    devices: dict[str, Device] = field(default_factory=dict)
    poe_budget: dict[str, int] = field(default_factory=dict)  # device type -> W
    poe_draw: dict[str, int] = field(default_factory=dict)  # device type -> W
    ports: dict[str, dict[str, PortTemplate]] = field(default_factory=dict)  # type -> name -> t
    camera_prefix: dict[str, CameraPrefix] = field(default_factory=dict)  # site slug -> prefix
    ips: dict[str | None, dict[ipaddress.IPv4Address, str]] = field(default_factory=dict)
    cabled: dict[tuple[str, str], str] = field(default_factory=dict)  # (dev, port) -> peer
    gb_ids: dict[str, str] = field(default_factory=dict)  # id -> device name
    camera_serial: dict[str, int] = field(default_factory=dict)  # site -> highest camNNNN
    location_slugs: set[str] = field(default_factory=set)
    fallback_types: dict[str, str] = field(default_factory=dict)  # role -> type (other source)
    # indexes derived on first use (a check asks them once per row: never recount per row)
    _memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    # -- lookups ---------------------------------------------------------------------------------

    def site(self, text: str) -> Site | None:
        """A site by slug (any case) or by name."""
        found = self.sites.get(text.lower())
        if found:
            return found
        by_name: dict[str, Site] = self._memo.get("site_names") or self._memo.setdefault(
            "site_names", {s.name: s for s in reversed(self.sites.values())}
        )
        return by_name.get(text)

    def camera_type_for(self, role: str) -> str | None:
        """The device type the estate uses most for `role` (ties: lowest slug)."""
        types: dict[str, str | None] = self._memo.setdefault("camera_types", {})
        if role not in types:
            types[role] = self._camera_type_for(role)
        return types[role]

    def _camera_type_for(self, role: str) -> str | None:
        counts = Counter(
            d.device_type for d in self.devices.values() if d.role == role and d.device_type
        )
        if not counts:  # none here yet: the other source's choice, if this one knows the type
            dtype = self.fallback_types.get(role)
            return dtype if dtype in self.ports else None
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0] or ""))[0][0]

    def point(self, site: str, code: str) -> Location | None:
        """The existing point of `site` with this code (NFKC, case-insensitive), if any."""
        index: dict[tuple[str, str], Location] | None = self._memo.get("points")
        if index is None:
            index = {}
            for loc in self.locations.values():
                if loc.code:
                    index.setdefault((loc.site, code_key(loc.code)), loc)
            self._memo["points"] = index
        return index.get((site, code_key(code)))

    def coords(self, device: str) -> tuple[float, float] | None:
        """(lat, lon) of a device's location, if recorded."""
        dev = self.devices.get(device)
        loc = self.locations.get(dev.location or "") if dev else None
        if loc is None or loc.lat is None or loc.lon is None:
            return None
        return loc.lat, loc.lon

    def access_switches(self, site: str) -> list[Device]:
        """The access switches of `site`, by name."""
        index: dict[str, list[Device]] | None = self._memo.get("switches")
        if index is None:
            index = {}
            for d in sorted(self.devices.values(), key=lambda d: d.name):
                if d.role == vocab.SWITCH_ROLE and d.site:
                    index.setdefault(d.site, []).append(d)
            self._memo["switches"] = index
        return index.get(site, [])

    def gb_stem(self, site: str) -> tuple[str, str] | None:
        """(base unit, industry) the site's cameras use: the commonest among their ids."""
        counts = Counter(
            (d.gb_id[6:8], d.gb_id[8:10])
            for d in self.devices.values()
            if d.site == site and d.gb_id and len(d.gb_id) == 20 and "cam" in d.name
        )
        if not counts:
            return None
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]

    def switch_draw(self, switch: str) -> int:
        """PoE drawn on `switch` by the powered devices cabled to it (W)."""
        draw: dict[str, int] | None = self._memo.get("draw")
        if draw is None:
            draw = {}
            for (dev, _port), peer in self.cabled.items():
                peer_dev = self.devices.get(peer.split(" (")[0])
                if peer_dev and peer_dev.device_type:
                    watts = self.poe_draw.get(peer_dev.device_type, 0)
                    draw[dev] = draw.get(dev, 0) + watts
            self._memo["draw"] = draw
        return draw.get(switch, 0)

    def ip_owner(self, vrf: str | None, ip: ipaddress.IPv4Address) -> str | None:
        return self.ips.get(vrf, {}).get(ip)

    # -- merging ---------------------------------------------------------------------------------

    def reserve(self, other: Estate) -> None:
        """Treat `other`'s ids, addresses, names and point codes as in use too."""
        self._memo.clear()
        for gid, owner in other.gb_ids.items():
            self.gb_ids.setdefault(gid, owner)
        for vrf, table in other.ips.items():
            mine = self.ips.setdefault(vrf, {})
            for ip, owner in table.items():
                mine.setdefault(ip, owner)
        for site, n in other.camera_serial.items():
            self.camera_serial[site] = max(n, self.camera_serial.get(site, 0))
        for port, peer in other.cabled.items():
            self.cabled.setdefault(port, peer)
        self.location_slugs |= other.location_slugs
        for role in sorted({d.role for d in other.devices.values() if d.role}):
            dtype = other.camera_type_for(role)
            if dtype:
                self.fallback_types.setdefault(role, dtype)


def _custom(data: Mapping[str, Any]) -> Mapping[str, Any]:
    value = data.get("custom_fields")
    return value if isinstance(value, Mapping) else {}


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def build(records: Records, source: str) -> Estate:
    """Index repo-form objects per endpoint."""
    est = Estate(source)
    for r in records.get("dcim.regions", []):
        est.regions[str(r["slug"])] = str(r.get("name") or r["slug"])
    for s in records.get("dcim.sites", []):
        slug = str(s["slug"])
        est.sites[slug] = Site(
            slug, str(s.get("name") or slug), s.get("region"), s.get("group"), s.get("tenant")
        )
    for loc in records.get("dcim.locations", []):
        cf = _custom(loc)
        slug = str(loc["slug"])
        est.locations[slug] = Location(
            slug,
            str(loc.get("name") or slug),
            str(loc.get("site")),
            _float(cf.get(vocab.CF_LONGITUDE)),
            _float(cf.get(vocab.CF_LATITUDE)),
            cf.get(vocab.CF_BOX_KIT),
            str(cf[vocab.CF_POINT_CODE]) if cf.get(vocab.CF_POINT_CODE) else None,
        )
        est.location_slugs.add(slug)
    for dt in records.get("dcim.device-types", []):
        cf = _custom(dt)
        if cf.get(vocab.CF_POE_BUDGET_W) is not None:
            est.poe_budget[str(dt["slug"])] = int(cf[vocab.CF_POE_BUDGET_W])
        if cf.get(vocab.CF_POE_DRAW_W) is not None:
            est.poe_draw[str(dt["slug"])] = int(cf[vocab.CF_POE_DRAW_W])
    for t in records.get("dcim.interface-templates", []):
        est.ports.setdefault(str(t["device_type"]), {})[str(t["name"])] = PortTemplate(
            str(t["name"]), t.get("type"), t.get("poe_mode")
        )
    for d in records.get("dcim.devices", []):
        name = str(d["name"])
        gid = _custom(d).get(vocab.CF_GB28181_ID)
        est.devices[name] = Device(
            name,
            d.get("site"),
            d.get("role"),
            d.get("device_type"),
            d.get("location"),
            str(gid) if gid else None,
        )
        if gid:
            est.gb_ids.setdefault(str(gid), f"{name} ({source})")
        m = _CAM_NAME.match(name)
        if m:
            site = m.group("site")
            est.camera_serial[site] = max(int(m.group("n")), est.camera_serial.get(site, 0))
    for p in records.get("ipam.prefixes", []):
        if p.get("role") != vocab.PREFIX_CAMERAS or p.get("scope_type") != "dcim.site":
            continue
        net = ipaddress.ip_network(str(p["prefix"]), strict=False)
        if isinstance(net, ipaddress.IPv4Network) and p.get("scope"):
            vlan = p.get("vlan")
            est.camera_prefix.setdefault(
                str(p["scope"]),
                CameraPrefix(net, p.get("vrf"), dict(vlan) if isinstance(vlan, Mapping) else None),
            )
    for a in records.get("ipam.ip-addresses", []):
        iface = ipaddress.ip_interface(str(a["address"]))
        if isinstance(iface, ipaddress.IPv4Interface):
            owner = a.get("assigned_object")
            who = str(owner.get("device")) if isinstance(owner, Mapping) else str(a["address"])
            est.ips.setdefault(a.get("vrf"), {}).setdefault(iface.ip, f"{who} ({source})")
    for c in records.get("dcim.cables", []):
        a_side = [t for t in c.get("a_terminations") or [] if "interface" in t]
        b_side = [t for t in c.get("b_terminations") or [] if "interface" in t]
        for mine, other in ((a_side, c.get("b_terminations")), (b_side, c.get("a_terminations"))):
            peer = next((str(t.get("device")) for t in other or [] if t.get("device")), "")
            peer = peer or "a circuit"
            for t in mine:
                est.cabled[(str(t["device"]), str(t["interface"]))] = f"{peer} ({source})"
    return est


def from_dataset(ds: Dataset, source: str) -> Estate:
    return build({ep: [o.data for o in ds.objects.get(ep, [])] for ep in ENDPOINTS}, source)


def from_dir(data_dir: Path) -> Estate:
    """The estate as the repo dataset describes it (through the one dataset loader)."""
    return from_dataset(load(data_dir).dataset, DATASET)
