"""Check every row of a point list against the estate, then allocate ports, ids and addresses.

Three passes, each in file order: (1) parse and check each row, reserving the GB ids, IPs and
switch ports the file states explicitly; (2) for rows that passed with no switch port, choose
one: the first free PoE port with budget left on the nearest access switch of the site within
copper reach of the point (a row with none in reach is an error: it needs a fibre link or a new
switch); (3) if no row failed, fill blank GB ids and IPs. Explicit values of ANY row are
reserved before allocation, so an allocated value never collides with a later row. Allocation
depends only on the file and the estate: same inputs, same result. Linear in rows: every index
over the estate is built once, nothing is recounted per row.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from dataclasses import dataclass, field

from sharpeyes import vocab
from sharpeyes.errors import InputError
from sharpeyes.ids import gb28181
from sharpeyes.ipam import alloc
from sharpeyes.points.estate import Device, Estate, Site
from sharpeyes.points.geo import haversine_m, in_district, metres
from sharpeyes.points.model import (
    KIND_WORDS,
    NO_WORDS,
    YES_WORDS,
    CameraKind,
    CheckResult,
    NewPoint,
    PlannedCamera,
    Problem,
    RawRow,
    code_key,
    point_slug,
)
from sharpeyes.points.reader import Sheet

log = logging.getLogger(__name__)

# The generated estate's own codes (`QX-PS01-P001`): one naming another site is refused.
SITE_POINT_CODE = re.compile(r"^(?P<site>[a-z0-9]+(?:-[a-z0-9]+)*)-p\d{3}$")
COORD_TOLERANCE = 1e-4  # ~11 m: a stated coordinate differing by more is reported
LatLon = tuple[float, float]


def _natural(name: str) -> tuple[object, ...]:
    """Sort key: GigabitEthernet0/0/2 before GigabitEthernet0/0/10."""
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name))


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
    switch: str | None  # None: allocate (with the port)
    port: str | None  # None: allocate
    coords: LatLon | None  # the point's (lat, lon)
    draw: int  # PoE W
    distance_m: float | None = None
    why: str = ""  # set when the port was allocated


@dataclass
class _State:
    """What earlier rows of the file took."""

    gb_ids: dict[str, int] = field(default_factory=dict)  # explicit id -> row
    ips: dict[ipaddress.IPv4Address, int] = field(default_factory=dict)
    ports: dict[tuple[str, str], int] = field(default_factory=dict)
    draw: dict[str, int] = field(default_factory=dict)  # switch -> W added by the file
    points: dict[tuple[str, str], NewPoint] = field(default_factory=dict)  # (site, code key)
    point_names: dict[tuple[str, str], str] = field(default_factory=dict)  # (site, name) -> code


class _Checker:
    def __init__(self, estate: Estate, file: str) -> None:
        self.est = estate
        self.file = file
        self.problems: list[Problem] = []
        self.n_errors = 0
        self.state = _State()
        self.location_names = {(loc.site, loc.name) for loc in estate.locations.values()}
        self.towns = {slug: name for slug, name in estate.regions.items() if name.endswith("镇")}
        self.free: dict[str, list[str]] = {}  # switch -> free PoE ports, natural order

    def add(self, p: Problem) -> None:
        self.problems.append(p)
        self.n_errors += p.error

    def err(self, row: int, key: str, msg: str) -> None:
        self.add(Problem(row, key, msg))

    def warn(self, row: int, key: str, msg: str) -> None:
        self.add(Problem(row, key, msg, error=False))

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
        match = next(
            (s for s, name in self.towns.items() if text in (s, name, name.removesuffix("镇"))),
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

    def _number(self, r: RawRow, key: str) -> float | None:
        text = r.get(key)
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            self.err(r.row, key, f"{text!r} is not a number")
            return None

    def _coords(self, r: RawRow) -> tuple[float | None, float | None, bool]:
        """(lon, lat, ok): out of range, outside the district or swapped is an error."""
        n_err = self.n_errors
        lon, lat = self._number(r, "lon"), self._number(r, "lat")
        (la, ha), (lo, ho) = vocab.DISTRICT_BBOX_LAT, vocab.DISTRICT_BBOX_LON
        box = f"about {lo:g}–{ho:g} E, {la:g}–{ha:g} N, an approximate box"
        if lon is not None and lat is not None and not in_district(lat, lon):
            if in_district(lon, lat):
                self.err(
                    r.row,
                    "lat",
                    f"{lat:g} (lat) and {lon:g} (lon) look swapped: Qingxin is {box}; "
                    "put the latitude in 纬度/lat and the longitude in 经度/lon",
                )
            elif not -180 <= lon <= 180:
                self.err(r.row, "lon", f"{lon:g} is not a longitude in [-180, 180]")
            elif not -90 <= lat <= 90:
                self.err(r.row, "lat", f"{lat:g} is not a latitude in [-90, 90]")
            else:
                self.err(
                    r.row,
                    "lon",
                    f"{lon:g} E, {lat:g} N is outside Qingxin district ({box}): check for a typo",
                )
        for key, what, value, limit in (
            ("lon", "longitude", lon, 180),
            ("lat", "latitude", lat, 90),
        ):
            if value is not None and (lon is None or lat is None) and abs(value) > limit:
                self.err(r.row, key, f"{value:g} is not a {what} in [-{limit}, {limit}]")
        return lon, lat, self.n_errors == n_err

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

    def _new_box(self, r: RawRow) -> str | None:
        text = r.get("new_box").lower()
        if not text:
            return None
        if text in YES_WORDS:
            return vocab.BOX_NEW
        if text in NO_WORDS:
            return vocab.BOX_LOCK_CORE
        self.err(r.row, "new_box", f"{r.get('new_box')!r} is not 是/否 (yes/no, true/false, 1/0)")
        return None

    def _gb_id(self, r: RawRow, kind: CameraKind | None) -> str | None:
        text = r.get("gb_id")
        if not text:
            return None
        bad = gb28181.problems(text, role=kind.role if kind is not None else None)
        for msg in bad:
            self.err(r.row, "gb_id", msg)
        if bad:
            return None
        owner = self.est.gb_ids.get(text)
        if owner:
            self.err(r.row, "gb_id", f"{text} is already in use by {owner}")
            return None
        first = self.state.gb_ids.get(text)
        if first:
            self.err(r.row, "gb_id", f"{text} duplicates row {first}")
            return None
        self.state.gb_ids[text] = r.row
        return text

    def _ip(self, r: RawRow, site: Site | None) -> ipaddress.IPv4Interface | None:
        text = r.get("ip")
        if not text:
            return None
        try:
            iface = ipaddress.IPv4Interface(text)
        except ValueError:
            self.err(r.row, "ip", f"{text!r} is not an IPv4 address")
            return None
        if site is None:
            return None
        pfx = self.est.camera_prefix.get(site.slug)
        if pfx is None:
            self.err(r.row, "ip", f"site {site.slug} has no camera prefix")
            return None
        net = pfx.network
        ip = iface.ip
        if "/" in text and iface.network.prefixlen != net.prefixlen:
            self.err(
                r.row,
                "ip",
                f"{text}: mask /{iface.network.prefixlen} is not the camera "
                f"prefix's /{net.prefixlen}",
            )
            return None
        if ip not in net:
            self.err(r.row, "ip", f"{ip} is not inside {site.slug}'s camera prefix {net}")
            return None
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
            return None
        owner = self.est.ip_owner(pfx.vrf, ip)
        if owner:
            self.err(r.row, "ip", f"{ip} is already in use by {owner}")
            return None
        first = self.state.ips.get(ip)
        if first:
            self.err(r.row, "ip", f"{ip} duplicates row {first}")
            return None
        self.state.ips[ip] = r.row
        return ipaddress.IPv4Interface(f"{ip}/{net.prefixlen}")

    def _switch(self, r: RawRow, site: Site | None) -> Device | None:
        sw = r.get("switch")
        dev = self.est.devices.get(sw)
        if dev is None or dev.role != vocab.SWITCH_ROLE:
            self.err(r.row, "switch", f"{sw!r} is not an access switch of the estate")
            return None
        if site is not None and dev.site != site.slug:
            self.err(r.row, "switch", f"{sw} is at site {dev.site}, not {site.slug}")
            return None
        return dev

    def _reach(self, r: RawRow, dev: Device, code: str, at: LatLon | None) -> float | None:
        """Distance point → switch; over copper reach is an error, unknown a warning."""
        there = self.est.coords(dev.name)
        if at is None or there is None:
            what = f"point {code}" if at is None else f"{dev.name}'s location"
            self.warn(
                r.row,
                "switch",
                f"copper reach to {dev.name} not checked: {what} has no coordinates",
            )
            return None
        d = haversine_m(at, there)
        if d > vocab.COPPER_MAX_M:
            self.err(
                r.row,
                "switch",
                f"{dev.name} is {metres(d)} from point {code}, beyond copper reach "
                f"({vocab.COPPER_MAX_M:g} m): leave 接入交换机/端口 blank to allocate a switch "
                "in reach, or plan a fibre link",
            )
        return d

    def _switch_port(self, r: RawRow, dev: Device, draw: int | None) -> str | None:
        sw, port = dev.name, r.get("port")
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
        return port

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
    ) -> tuple[str, str, bool, LatLon | None] | None:
        """(code, location slug, new?, (lat, lon)) or None after reporting."""
        code = r.get("point_code")
        if not code:
            self.err(r.row, "point_code", "is empty")
            return None
        if not code.isprintable():
            self.err(r.row, "point_code", f"{code!r} holds characters that are not printable")
            return None
        legacy = SITE_POINT_CODE.match(code_key(code))
        if legacy and legacy["site"] != site.slug and legacy["site"] in self.est.sites:
            self.err(
                r.row,
                "point_code",
                f"{code} is a point code of site {legacy['site']}, not of {site.slug}",
            )
            return None
        slug = point_slug(site.slug, code)
        name = r.get("point_name")
        loc = self.est.point(site.slug, code)
        if loc is not None:  # an existing point: the camera attaches to it
            for key, have, want in (("lon", lon, loc.lon), ("lat", lat, loc.lat)):
                if have is not None and want is not None and abs(have - want) > COORD_TOLERANCE:
                    self.warn(
                        r.row,
                        key,
                        f"{have:g} differs from point {loc.code}'s recorded "
                        f"{want:g}; the point is not changed",
                    )
            if name and name != loc.name:
                self.warn(
                    r.row,
                    "point_name",
                    f"{name!r} differs from point {loc.code}'s name "
                    f"{loc.name!r}; the point is not changed",
                )
            at = (loc.lat, loc.lon) if loc.lat is not None and loc.lon is not None else None
            return loc.code or code, loc.slug, False, at
        clash = self.est.locations.get(slug)
        if clash is not None:
            self.err(
                r.row,
                "point_code",
                f"{code}: its slug {slug} is already the point {clash.code or clash.name} "
                f"of {clash.site}",
            )
            return None
        if slug in self.est.location_slugs:
            self.err(
                r.row,
                "point_code",
                f"{code} is a point of the repo dataset missing from {self.est.source}: "
                "apply the dataset first (sharpeyes sot apply)",
            )
            return None
        first = self.state.points.get((site.slug, code_key(code)))
        if first is not None:  # a later row of a point this file creates
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
                        f"for new point {first.code}",
                    )
                    return None
            return first.code, first.slug, True, (first.lat, first.lon)
        missing = [k for k, v in (("point_name", name), ("lon", lon), ("lat", lat)) if not v]
        for key in missing:
            if coords_ok or key == "point_name":
                self.err(r.row, key, f"is required for a new point ({code})")
        if missing or not coords_ok or lon is None or lat is None:
            return None
        if (site.slug, name) in self.location_names:
            self.err(r.row, "point_name", f"{name!r} is already a point name at {site.slug}")
            return None
        taken = self.state.point_names.get((site.slug, name))
        if taken:
            self.err(r.row, "point_name", f"{name!r} is already the name of new point {taken}")
            return None
        self.state.point_names[(site.slug, name)] = code
        self.state.points[(site.slug, code_key(code))] = NewPoint(
            code, slug, name, site.slug, site.tenant, lon, lat, box_kit, r.row
        )
        return code, slug, True, (lat, lon)

    # -- a row -----------------------------------------------------------------------------------

    def row(self, r: RawRow) -> _Row | None:
        if r.problems:  # the cells' form (formula, control character, ...): nothing else
            for p in r.problems:
                self.add(p)
            if any(p.error for p in r.problems):
                return None
        n_err = self.n_errors
        site = self._site(r)
        if site is not None:
            self._town(r, site)
        lon, lat, coords_ok = self._coords(r)
        kind = self._kind(r)
        box_kit = self._new_box(r)
        gid = self._gb_id(r, kind)
        ip = self._ip(r, site)
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
        point = (
            self._point(r, site, lon=lon, lat=lat, coords_ok=coords_ok, box_kit=box_kit)
            if site
            else None
        )
        sw_text, port_text = r.get("switch"), r.get("port")
        dev: Device | None = None
        port: str | None = None
        distance: float | None = None
        if port_text and not sw_text:
            self.err(
                r.row,
                "switch",
                "is empty while 端口/port is given: give both, or leave both blank to allocate",
            )
        elif sw_text:
            dev = self._switch(r, site)
            if dev is not None and point is not None:
                distance = self._reach(r, dev, point[0], point[3])
            if dev is not None and port_text:
                port = self._switch_port(r, dev, draw)
        if self.n_errors > n_err:
            return None
        assert site and kind and dtype and iface and point
        code, slug, new, at = point
        return _Row(
            r,
            code,
            slug,
            new,
            site,
            kind,
            dtype,
            iface,
            gid,
            ip,
            dev.name if dev else None,
            port,
            at,
            draw or 0,
            distance,
        )

    # -- switch port allocation ------------------------------------------------------------------

    def _free_ports(self, dev: Device) -> list[str]:
        """Free PoE ports of `dev` in natural order (explicit rows' ports already taken)."""
        free = self.free.get(dev.name)
        if free is None:
            templates = self.est.ports.get(dev.device_type or "", {})
            free = sorted(
                (
                    name
                    for name, t in templates.items()
                    if t.poe_mode == "pse"
                    and (dev.name, name) not in self.est.cabled
                    and (dev.name, name) not in self.state.ports
                ),
                key=_natural,
                reverse=True,  # pop() from the end takes the lowest
            )
            self.free[dev.name] = free
        return free

    def _poe_left(self, dev: Device) -> int | None:
        budget = self.est.poe_budget.get(dev.device_type or "")
        if budget is None:
            return None
        return budget - self.est.switch_draw(dev.name) - self.state.draw.get(dev.name, 0)

    def allocate_port(self, row: _Row) -> None:
        """Choose the switch port of a row that left it blank, or report why there is none."""
        r = row.raw
        if row.coords is None:
            self.err(
                r.row,
                "switch",
                f"point {row.code} has no coordinates, so no switch in copper reach can be "
                "chosen: give 接入交换机/端口",
            )
            return
        given = self.est.devices.get(row.switch) if row.switch else None
        pool = [given] if given else self.est.access_switches(row.site.slug)
        near: list[tuple[float, str, Device]] = []
        for dev in pool:
            there = self.est.coords(dev.name)
            if there is not None:
                near.append((haversine_m(row.coords, there), dev.name, dev))
        near.sort(key=lambda t: (t[0], t[1]))
        skipped: list[str] = []
        for d, _name, dev in near:
            if d > vocab.COPPER_MAX_M:
                break
            free = self._free_ports(dev)
            left = self._poe_left(dev)
            if not free:
                skipped.append(f"{dev.name} at {metres(d)} has no free PoE port")
                continue
            if left is not None and left < row.draw:
                skipped.append(f"{dev.name} at {metres(d)} has {left} W of PoE left")
                continue
            port = free.pop()
            self.state.ports[(dev.name, port)] = r.row
            self.state.draw[dev.name] = self.state.draw.get(dev.name, 0) + row.draw
            row.switch, row.port, row.distance_m = dev.name, port, d
            total = self.est.poe_budget.get(dev.device_type or "")
            budget = (
                f"PoE {left - row.draw} W of {total} W left after it"
                if left is not None
                else "PoE budget unknown"
            )
            row.why = (
                f"{'the given switch' if given else 'nearest access switch'} in copper reach, "
                f"{metres(d)}; lowest free PoE port; {budget}"
                + (f" (skipped: {'; '.join(skipped)})" if skipped else "")
            )
            return
        where = "the given switch" if given else f"no access switch of {row.site.slug}"
        nearest = near[0] if near else None
        if skipped:
            detail = "; ".join(skipped)
        elif nearest is not None:
            detail = f"nearest {nearest[1]} at {metres(nearest[0])}"
        else:
            detail = "no switch of the site has coordinates"
        self.err(
            r.row,
            "switch",
            f"{where} within {vocab.COPPER_MAX_M:g} m of point {row.code} has a free PoE port "
            f"({detail}): the point needs a fibre link or a new switch",
        )


def _allocate(
    est: Estate, rows: list[_Row], explicit: _State
) -> tuple[list[PlannedCamera], list[Problem]]:
    """GB ids, addresses and names for the blanks, in file order."""
    gb_in_use = set(est.gb_ids) | set(explicit.gb_ids)
    highest: dict[tuple[str, str, str], set[str]] = {}  # stem -> {highest id}: one past it next
    ip_used: dict[ipaddress.IPv4Network, set[ipaddress.IPv4Address]] = {}
    serial = dict(est.camera_serial)
    stems: dict[str, tuple[str, str]] = {}
    out: list[PlannedCamera] = []
    problems: list[Problem] = []
    for r in rows:
        site = r.site.slug
        pfx = est.camera_prefix.get(site)
        gid = r.gb_id
        step = "gb_id"
        try:
            if gid is None:
                if site not in stems:
                    stems[site] = est.gb_stem(site) or ("00", vocab.INDUSTRY_SOCIAL)
                base_unit, industry = stems[site]
                stem = (base_unit, industry, r.kind.type_code)
                gid = gb28181.allocate(
                    highest.get(stem, gb_in_use),
                    division=vocab.DISTRICT_CODE,
                    base_unit=base_unit,
                    industry=industry,
                    type_code=r.kind.type_code,
                )
                highest[stem] = {gid}
            ip = r.ip
            step = "ip"
            if ip is None:
                assert pfx is not None  # its absence is reported by check()
                used = ip_used.get(pfx.network)
                if used is None:
                    pool = set(est.ips.get(pfx.vrf, {})) | set(explicit.ips)
                    used = ip_used[pfx.network] = {a for a in pool if a in pfx.network}
                ip = alloc.next_free(pfx.network, used)
                used.add(ip.ip)
        except InputError as exc:  # serials or addresses ran out
            problems.append(Problem(r.raw.row, step, exc.message))
            continue
        serial[site] = serial.get(site, 0) + 1
        assert r.switch is not None and r.port is not None
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
                name=f"{site}-cam{serial[site]:04d}",
                gb_id=gid,
                gb_allocated=r.gb_id is None,
                ip=ip,
                ip_allocated=r.ip is None,
                vrf=pfx.vrf if pfx else None,
                switch=r.switch,
                port=r.port,
                vlan=pfx.vlan if pfx else None,
                port_allocated=bool(r.why),
                distance_m=r.distance_m,
                why=r.why,
            )
        )
    return out, problems


def check(sheet: Sheet, estate: Estate) -> CheckResult:
    """Check every row (all problems collected), then allocate if no row failed."""
    checker = _Checker(estate, sheet.file)
    rows = [checked for r in sheet.rows if (checked := checker.row(r)) is not None]
    if not sheet.rows:
        checker.err(1, "", "no data rows")
    for r in rows:  # explicit ports of every row are taken: now fill the blank ones
        if r.port is None:
            checker.allocate_port(r)
    for r in rows:  # a blank IP needs the site's camera prefix
        if r.ip is None and r.site.slug not in estate.camera_prefix:
            checker.err(
                r.raw.row, "ip", f"site {r.site.slug} has no camera prefix to allocate from"
            )
    result = CheckResult(sheet.file, [], [], checker.problems)
    if not result.ok:
        return result
    cameras, problems = _allocate(estate, rows, checker.state)
    result.problems += problems
    if result.ok:
        result.points = list(checker.state.points.values())
        result.cameras = cameras
    log.debug("%s: %d cameras, %d new points", sheet.file, len(result.cameras), len(result.points))
    return result
