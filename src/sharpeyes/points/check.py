"""Check every row of a point list against the estate, then allocate ids, addresses and names.

Two passes, both in file order: (1) parse and check each row, remembering the GB ids and IPs the
file states explicitly; (2) for rows that passed, allocate what was left blank. Explicit values of
ANY row are reserved before allocation, so an allocated value never collides with a later row.
Allocation depends only on the file and the estate: same inputs, same result.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from dataclasses import dataclass, field

from sharpeyes import vocab
from sharpeyes.ids import gb28181
from sharpeyes.ipam import alloc
from sharpeyes.points.estate import Estate, Site
from sharpeyes.points.model import (
    BBOX_LAT,
    BBOX_LON,
    KIND_WORDS,
    NO_WORDS,
    YES_WORDS,
    CameraKind,
    CheckResult,
    NewPoint,
    PlannedCamera,
    Problem,
    RawRow,
)
from sharpeyes.points.reader import Sheet

log = logging.getLogger(__name__)

POINT_CODE = re.compile(r"^(?P<site>[A-Z0-9]+(?:-[A-Z0-9]+)*)-P(?P<n>\d{3})$")
COORD_TOLERANCE = 1e-4  # ~11 m: a stated coordinate differing by more is reported


@dataclass
class _Row:
    """A row that passed its checks, waiting for allocation."""

    raw: RawRow
    code: str
    location: str
    new_point: bool
    site: Site
    kind: CameraKind
    device_type: str
    interface: str
    gb_id: str | None
    ip: ipaddress.IPv4Interface | None
    switch: str
    port: str


@dataclass
class _State:
    """What earlier rows of the file took."""

    gb_ids: dict[str, int] = field(default_factory=dict)  # explicit id -> row
    ips: dict[ipaddress.IPv4Address, int] = field(default_factory=dict)
    ports: dict[tuple[str, str], int] = field(default_factory=dict)
    draw: dict[str, int] = field(default_factory=dict)  # switch -> W added by the file
    points: dict[str, NewPoint] = field(default_factory=dict)
    point_names: dict[tuple[str, str], str] = field(default_factory=dict)  # (site, name) -> code


class _Checker:
    def __init__(self, estate: Estate, file: str) -> None:
        self.est = estate
        self.file = file
        self.problems: list[Problem] = []
        self.state = _State()
        self.location_names = {(loc.site, loc.name) for loc in estate.locations.values()}

    def err(self, row: int, key: str, msg: str) -> None:
        self.problems.append(Problem(row, key, msg))

    def warn(self, row: int, key: str, msg: str) -> None:
        self.problems.append(Problem(row, key, msg, error=False))

    # -- single fields ---------------------------------------------------------------------------

    def _site(self, r: RawRow) -> Site | None:
        text = r.get("site")
        if not text:
            self.err(r.row, "site", "is empty")
            return None
        site = self.est.site(text)
        if site is None:
            self.err(r.row, "site", f"{text!r} is not a site of the estate (name or slug)")
        return site

    def _town(self, r: RawRow, site: Site) -> None:
        text = r.get("town")
        if not text:
            return
        towns = {slug: name for slug, name in self.est.regions.items() if name.endswith("镇")}
        match = next(
            (slug for slug, name in towns.items() if text in (slug, name, name.removesuffix("镇"))),
            None,
        )
        if match is None:
            self.err(r.row, "town", f"{text!r} is not a town of the district")
        elif match != site.region:
            here = self.est.regions.get(site.region or "", site.region)
            self.err(
                r.row,
                "town",
                f"{text!r} does not match site {site.slug} ({site.name}), which is in {here}",
            )

    def _coord(self, r: RawRow, key: str, low: float, high: float, what: str) -> float | None:
        text = r.get(key)
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            self.err(r.row, key, f"{text!r} is not a number")
            return None
        if not low <= value <= high:
            self.err(r.row, key, f"{text} is not a {what} in [{low:g}, {high:g}]")
            return None
        return value

    def _coords(self, r: RawRow) -> tuple[float | None, float | None, bool]:
        """(lon, lat, ok): range errors are errors, outside the district box is a warning."""
        n_err = len(self.problems)
        lon = self._coord(r, "lon", -180, 180, "longitude")
        lat = self._coord(r, "lat", -90, 90, "latitude")
        ok = len(self.problems) == n_err
        if lon is not None and lat is not None:
            lo, hi = BBOX_LON
            la, ha = BBOX_LAT
            if not (lo <= lon <= hi and la <= lat <= ha):
                self.warn(
                    r.row,
                    "lon",
                    f"{lon:g}, {lat:g} is outside Qingxin "
                    f"({lo:g}–{hi:g} E, {la:g}–{ha:g} N): check for a typo or swapped values",
                )
        return lon, lat, ok

    def _kind(self, r: RawRow) -> CameraKind | None:
        text = r.get("camera_type")
        kind = KIND_WORDS.get(text) or KIND_WORDS.get(text.lower())
        if kind is None:
            words = "枪机/球机/人脸/卡口 or bullet/dome/face/checkpoint"
            self.err(
                r.row,
                "camera_type",
                f"{text!r} is not a camera type ({words})" if text else f"is empty ({words})",
            )
        return kind

    def _new_box(self, r: RawRow) -> tuple[str | None, bool]:
        text = r.get("new_box").lower()
        if not text:
            return None, True
        if text in YES_WORDS:
            return vocab.BOX_NEW, True
        if text in NO_WORDS:
            return vocab.BOX_LOCK_CORE, True
        self.err(r.row, "new_box", f"{r.get('new_box')!r} is not 是/否 (yes/no, true/false, 1/0)")
        return None, False

    def _gb_id(self, r: RawRow, kind: CameraKind | None) -> tuple[str | None, bool]:
        text = r.get("gb_id")
        if not text:
            return None, True
        bad = gb28181.problems(text, role=kind.role if kind is not None else None)
        for msg in bad:
            self.err(r.row, "gb_id", msg)
        if bad:
            return None, False
        owner = self.est.gb_ids.get(text)
        if owner:
            self.err(r.row, "gb_id", f"{text} is already in use by {owner}")
            return None, False
        first = self.state.gb_ids.get(text)
        if first:
            self.err(r.row, "gb_id", f"{text} duplicates row {first}")
            return None, False
        self.state.gb_ids[text] = r.row
        return text, True

    def _ip(self, r: RawRow, site: Site | None) -> tuple[ipaddress.IPv4Interface | None, bool]:
        text = r.get("ip")
        if not text:
            return None, True
        try:
            iface = ipaddress.IPv4Interface(text)
        except ValueError:
            self.err(r.row, "ip", f"{text!r} is not an IPv4 address")
            return None, False
        if site is None:
            return None, False
        pfx = self.est.camera_prefix.get(site.slug)
        if pfx is None:
            self.err(r.row, "ip", f"site {site.slug} has no camera prefix")
            return None, False
        net = pfx.network
        ip = iface.ip
        if "/" in text and iface.network.prefixlen != net.prefixlen:
            self.err(
                r.row,
                "ip",
                f"{text}: mask /{iface.network.prefixlen} is not the camera "
                f"prefix's /{net.prefixlen}",
            )
            return None, False
        if ip not in net:
            self.err(r.row, "ip", f"{ip} is not inside {site.slug}'s camera prefix {net}")
            return None, False
        offset = int(ip) - int(net.network_address)
        if (
            ip in (net.network_address, net.broadcast_address)
            or offset <= alloc.DEFAULT_RESERVED_LOW
        ):
            self.err(
                r.row,
                "ip",
                f"{ip} is reserved in {net} (network, broadcast, gateway and "
                f".1–.{alloc.DEFAULT_RESERVED_LOW})",
            )
            return None, False
        owner = self.est.ip_owner(pfx.vrf, ip)
        if owner:
            self.err(r.row, "ip", f"{ip} is already in use by {owner}")
            return None, False
        first = self.state.ips.get(ip)
        if first:
            self.err(r.row, "ip", f"{ip} duplicates row {first}")
            return None, False
        self.state.ips[ip] = r.row
        return ipaddress.IPv4Interface(f"{ip}/{net.prefixlen}"), True

    def _switch_port(
        self, r: RawRow, site: Site | None, draw: int | None
    ) -> tuple[str, str] | None:
        sw, port = r.get("switch"), r.get("port")
        ok = True
        if not sw:
            self.err(r.row, "switch", "is empty")
            ok = False
        if not port:
            self.err(r.row, "port", "is empty")
            ok = False
        if not ok:
            return None
        dev = self.est.devices.get(sw)
        if dev is None or dev.role != vocab.SWITCH_ROLE:
            self.err(r.row, "switch", f"{sw!r} is not an access switch of the estate")
            return None
        if site is not None and dev.site != site.slug:
            self.err(r.row, "switch", f"{sw} is at site {dev.site}, not {site.slug}")
            return None
        tmpl = self.est.ports.get(dev.device_type or "", {}).get(port)
        if tmpl is None:
            self.err(r.row, "port", f"{sw} ({dev.device_type}) has no port {port!r}")
            return None
        if tmpl.poe_mode != "pse":
            self.err(r.row, "port", f"{sw} {port} is not a PoE port")
            return None
        peer = self.est.cabled.get((sw, port))
        if peer:
            self.err(r.row, "port", f"{sw} {port} is already cabled to {peer}")
            return None
        first = self.state.ports.get((sw, port))
        if first:
            self.err(r.row, "port", f"{sw} {port} is already used by row {first}")
            return None
        self.state.ports[(sw, port)] = r.row
        budget = self.est.poe_budget.get(dev.device_type or "")
        if draw is not None and budget is not None:
            used = self.est.switch_draw(sw) + self.state.draw.get(sw, 0)
            if used + draw > budget:
                self.err(
                    r.row,
                    "switch",
                    f"PoE budget of {sw} exceeded: {used} W in use + {draw} W > {budget} W",
                )
                return None
            self.state.draw[sw] = self.state.draw.get(sw, 0) + draw
        return sw, port

    # -- points ----------------------------------------------------------------------------------

    def _point(
        self,
        r: RawRow,
        site: Site,
        *,
        lon: float | None,
        lat: float | None,
        coords_ok: bool,
        box_kit: str | None,
    ) -> tuple[str, str, bool] | None:
        """(code, location slug, new?) or None after reporting."""
        code = r.get("point_code").upper()
        if not code:
            self.err(r.row, "point_code", "is empty")
            return None
        m = POINT_CODE.match(code)
        if m is None:
            self.err(
                r.row,
                "point_code",
                f"{r.get('point_code')!r} is not a point code "
                f"like {site.slug.upper()}-P001 (<site>-P<3 digits>)",
            )
            return None
        if m.group("site").lower() != site.slug:
            self.err(
                r.row,
                "point_code",
                f"{code} is not a point code of site {site.slug} "
                f"(expected {site.slug.upper()}-Pnnn)",
            )
            return None
        slug = code.lower()
        name = r.get("point_name")
        loc = self.est.locations.get(slug)
        if loc is not None:  # an existing point: the camera attaches to it
            if loc.site != site.slug:
                self.err(r.row, "point_code", f"{code} exists at site {loc.site}, not {site.slug}")
                return None
            for key, have, want in (("lon", lon, loc.lon), ("lat", lat, loc.lat)):
                if have is not None and want is not None and abs(have - want) > COORD_TOLERANCE:
                    self.warn(
                        r.row,
                        key,
                        f"{have:g} differs from point {code}'s recorded "
                        f"{want:g}; the point is not changed",
                    )
            if name and name != loc.name:
                self.warn(
                    r.row,
                    "point_name",
                    f"{name!r} differs from point {code}'s name "
                    f"{loc.name!r}; the point is not changed",
                )
            return code, slug, False
        if slug in self.est.location_slugs:
            self.err(
                r.row,
                "point_code",
                f"{code} is a point of the repo dataset missing from {self.est.source}: "
                "apply the dataset first (sharpeyes sot apply)",
            )
            return None
        first = self.state.points.get(code)
        if first is not None:  # a later row of a point this file creates
            if first.site != site.slug:
                self.err(
                    r.row,
                    "site",
                    f"{site.slug} differs from row {first.first_row} "
                    f"({first.site}) for point {code}",
                )
                return None
            pairs: tuple[tuple[str, object, object], ...] = (
                ("point_name", name or None, first.name),
                ("lon", lon, first.lon),
                ("lat", lat, first.lat),
                ("new_box", box_kit, first.box_kit),
            )
            for key, mine, theirs in pairs:
                if mine is not None and mine != theirs:
                    self.err(
                        r.row,
                        key,
                        f"{mine} differs from row {first.first_row} ({theirs}) "
                        f"for new point {code}",
                    )
                    return None
            return code, slug, True
        missing = [k for k, v in (("point_name", name), ("lon", lon), ("lat", lat)) if not v]
        for key in missing:
            if coords_ok or key == "point_name":
                self.err(r.row, key, f"is required for a new point ({code})")
        if missing or not coords_ok:
            return None
        if (site.slug, name) in self.location_names:
            self.err(r.row, "point_name", f"{name!r} is already a point name at {site.slug}")
            return None
        taken = self.state.point_names.get((site.slug, name))
        if taken:
            self.err(r.row, "point_name", f"{name!r} is already the name of new point {taken}")
            return None
        assert lon is not None and lat is not None
        self.state.point_names[(site.slug, name)] = code
        self.state.points[code] = NewPoint(
            code, slug, name, site.slug, site.tenant, lon, lat, box_kit, r.row
        )
        return code, slug, True

    # -- a row -----------------------------------------------------------------------------------

    def row(self, r: RawRow) -> _Row | None:
        self.problems += r.problems
        n_err = sum(p.error for p in self.problems)
        site = self._site(r)
        if site is not None:
            self._town(r, site)
        lon, lat, coords_ok = self._coords(r)
        kind = self._kind(r)
        box_kit, _ = self._new_box(r)
        gid, _ = self._gb_id(r, kind)
        ip, _ = self._ip(r, site)
        dtype = iface = None
        draw = None
        if kind is not None:
            dtype = self.est.camera_type_for(kind.role)
            if dtype is None:
                self.err(
                    r.row,
                    "camera_type",
                    f"the estate has no {kind.role} device to copy its device type from",
                )
            else:
                draw = self.est.poe_draw.get(dtype, 0)
                names = sorted(self.est.ports.get(dtype, {}))
                iface = names[0] if names else None
                if iface is None:
                    self.err(r.row, "camera_type", f"device type {dtype} has no interface")
        sp = self._switch_port(r, site, draw)
        point = (
            self._point(r, site, lon=lon, lat=lat, coords_ok=coords_ok, box_kit=box_kit)
            if site
            else None
        )
        if sum(p.error for p in self.problems) > n_err:
            return None
        assert site and kind and dtype and iface and sp and point
        code, slug, new = point
        return _Row(r, code, slug, new, site, kind, dtype, iface, gid, ip, sp[0], sp[1])


def _allocate(est: Estate, rows: list[_Row], explicit: _State) -> list[PlannedCamera]:
    gb_in_use = set(est.gb_ids) | set(explicit.gb_ids)
    ip_in_use: dict[str | None, set[ipaddress.IPv4Address]] = {}
    serial = dict(est.camera_serial)
    out: list[PlannedCamera] = []
    for r in rows:
        site = r.site.slug
        pfx = est.camera_prefix.get(site)
        gid = r.gb_id
        if gid is None:
            base_unit, industry = est.gb_stem(site) or ("00", vocab.INDUSTRY_SOCIAL)
            gid = gb28181.allocate(
                gb_in_use,
                division=vocab.DISTRICT_CODE,
                base_unit=base_unit,
                industry=industry,
                type_code=r.kind.type_code,
            )
            gb_in_use.add(gid)
        ip = r.ip
        if ip is None:
            assert pfx is not None  # _ip/prefix absence is reported as an error in the row check
            used = ip_in_use.setdefault(pfx.vrf, set(est.ips.get(pfx.vrf, {})) | set(explicit.ips))
            ip = alloc.next_free(pfx.network, used)
            used.add(ip.ip)
        serial[site] = serial.get(site, 0) + 1
        name = f"{site}-cam{serial[site]:04d}"
        out.append(
            PlannedCamera(
                row=r.raw.row,
                point_code=r.code,
                location=r.location,
                new_point=r.new_point,
                site=site,
                tenant=r.site.tenant,
                kind=r.kind,
                device_type=r.device_type,
                interface=r.interface,
                name=name,
                gb_id=gid,
                gb_allocated=r.gb_id is None,
                ip=ip,
                ip_allocated=r.ip is None,
                vrf=pfx.vrf if pfx else None,
                switch=r.switch,
                port=r.port,
                vlan=pfx.vlan if pfx else None,
            )
        )
    return out


def check(sheet: Sheet, estate: Estate) -> CheckResult:
    """Check every row (all problems collected), then allocate if no row failed."""
    checker = _Checker(estate, sheet.file)
    rows = [checked for r in sheet.rows if (checked := checker.row(r)) is not None]
    result = CheckResult(sheet.file, [], [], checker.problems)
    if not sheet.rows:
        result.problems.append(Problem(1, "", "no data rows"))
    for r in rows:  # a blank IP needs the site's camera prefix
        if r.ip is None and r.site.slug not in estate.camera_prefix:
            result.problems.append(
                Problem(
                    r.raw.row, "ip", f"site {r.site.slug} has no camera prefix to allocate from"
                )
            )
    if not result.ok:
        return result
    result.points = list(checker.state.points.values())
    result.cameras = _allocate(estate, rows, checker.state)
    log.debug("%s: %d cameras, %d new points", sheet.file, len(result.cameras), len(result.points))
    return result
