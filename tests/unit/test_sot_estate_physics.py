"""The estate is physically and standards-valid (issue 8), and `sot validate` says so: cable
media and lengths from coordinates, PoE per port and per switch, GB/T 28181 Table D.1 codes per
duty and site group, the RTP range per media server and the retention arithmetic."""

from __future__ import annotations

import collections
import ipaddress
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sharpeyes import vocab
from sharpeyes.sot import loader, physics
from sharpeyes.sot import validate as sot_validate

if TYPE_CHECKING:
    from conftest import Estate, Objects

CABLES = "estate/dcim.cables.yml"
DEVICES = "estate/dcim.devices.yml"
CONTEXTS = "estate/extras.config-contexts.yml"
DEVICE_TYPES = "custom/dcim.device-types.yml"
SITES = "estate/dcim.sites.yml"


def _problems(estate: Estate, changes: dict[str, Callable[[Objects], None]]) -> list[str]:
    """`sot validate`'s problems once each file in `changes` has been edited (in memory)."""
    files = dict(estate.files)
    for rel, change in changes.items():
        objs = estate.objects(rel)
        change(objs)
        doc = {"endpoint": files[rel].endpoint, "objects": objs}
        files[rel] = loader.read_doc(doc, estate.data_dir / rel, estate.data_dir)
    ld, problems = loader.assemble(estate.data_dir, files.values())
    return problems + sot_validate.check(ld)


def _cable(objs: Objects, **end: str) -> dict[str, Any]:
    """The cable with a termination matching `end` (e.g. device=..., interface=...)."""
    return next(c for c in objs if any(t == end for t in c["a_terminations"] + c["b_terminations"]))


def _context(objs: Objects) -> dict[str, Any]:
    return next(o for o in objs if o["name"] == "video-platform")["data"]  # type: ignore[no-any-return]


def _loaded(estate: Estate, rel: str) -> list[dict[str, Any]]:
    return estate.objects(rel)


# -- the shipped estate ------------------------------------------------------------------------


def test_shipped_estate_passes_every_check(estate: Estate) -> None:
    assert estate.problems == []


def test_no_copper_run_over_100_m_and_every_cable_has_a_length(estate: Estate) -> None:
    cables = _loaded(estate, CABLES)
    copper = [c for c in cables if c["type"] in vocab.COPPER_CABLE_TYPES]
    fibre = [c for c in cables if c["type"] in vocab.FIBRE_CABLE_TYPES]
    assert len(copper) + len(fibre) == len(cables)
    assert all(c["length_unit"] == "m" for c in cables)
    assert max(c["length"] for c in copper) <= physics.COPPER_MAX_M
    assert max(c["length"] for c in fibre) <= physics.FIBRE_REACH_M["smf"]
    # satellites reach their hub over kilometres of fibre, not copper
    assert sorted(c["length"] for c in fibre)[len(fibre) // 2] > 500


def test_every_camera_is_cabled_within_its_point(estate: Estate) -> None:
    devices = {d["name"]: d for d in _loaded(estate, DEVICES)}
    cabled: dict[str, dict[str, Any]] = {}
    for c in _loaded(estate, CABLES):
        for t in c["a_terminations"] + c["b_terminations"]:
            if "device" in t and devices[t["device"]]["role"] in vocab.CAMERA_ROLE_SLUGS:
                cabled[t["device"]] = c
    cams = [n for n, d in devices.items() if d["role"] in vocab.CAMERA_ROLE_SLUGS]
    assert len(cams) == 1134 and set(cams) == set(cabled)
    assert {cabled[n]["type"] for n in cams} == {vocab.CABLE_COPPER}
    for n in cams:
        far = next(
            t
            for t in cabled[n]["a_terminations"] + cabled[n]["b_terminations"]
            if t.get("device") != n
        )
        if "device" in far:  # switch or converter at the camera's own point
            assert devices[far["device"]]["location"] == devices[n]["location"]


def test_topology_adds_only_implied_devices(estate: Estate) -> None:
    roles = collections.Counter(d["role"] for d in _loaded(estate, DEVICES))
    assert roles[vocab.SWITCH_ROLE] == 80 and roles[vocab.SERVER_ROLE] == 10
    assert roles[vocab.AGGREGATION_ROLE] == 25  # one per station room (site circuit)
    assert roles[vocab.CORE_ROLE] == roles[vocab.MGMT_SWITCH_ROLE] == 1
    assert roles[vocab.CLOCK_ROLE] == roles[vocab.BOUNDARY_ROLE] == 1
    # every satellite point (479 - 80 hubs - 131 direct) has its converter
    assert roles[vocab.CONVERTER_ROLE] >= 479 - 211


def test_transit_links_are_addressed_on_both_ends(estate: Estate) -> None:
    transit = [
        ipaddress.ip_network(p["prefix"])
        for p in _loaded(estate, "estate/ipam.prefixes.yml")
        if p.get("role") == vocab.PREFIX_UPLINKS
    ]
    assert len(transit) == 2 * 25 + 1  # video + management per site link, the boundary link
    ips: collections.Counter[tuple[Any, str]] = collections.Counter()
    for ip in _loaded(estate, "estate/ipam.ip-addresses.yml"):
        iface = ipaddress.ip_interface(ip["address"])
        for net in transit:
            if iface.ip in net:
                ips[(net, ip["vrf"])] += 1
    assert len(ips) == len(transit) and set(ips.values()) == {2}


def test_management_has_its_own_vrf(estate: Estate) -> None:
    vrf_of: collections.defaultdict[str, set[str]] = collections.defaultdict(set)
    for p in _loaded(estate, "estate/ipam.prefixes.yml"):
        if p.get("role"):
            vrf_of[p["role"]].add(p["vrf"])
    assert vrf_of[vocab.PREFIX_BMC] == vrf_of[vocab.PREFIX_SWITCH_MGMT] == {"management"}
    assert vrf_of[vocab.PREFIX_CAMERAS] == {"video-private"}


def test_ntp_points_at_the_data_centre_clock(estate: Estate) -> None:
    ctxs = {o["name"]: o for o in _loaded(estate, CONTEXTS)}
    clock = {
        ip["address"].split("/")[0]
        for ip in _loaded(estate, "estate/ipam.ip-addresses.yml")
        if ip["assigned_object"]["device"] == "qxdc-clk01"
    }
    servers = ctxs["ntp-servers"]["data"]["sharpeyes_ntp_servers"]
    network = ctxs["ntp-network"]["data"]["sharpeyes_ntp_servers"]
    assert {s["host"] for s in servers + network} == clock  # chrony_servers' shape: {host, ...}
    assert all(ipaddress.ip_address(a).is_private for a in clock)  # never off the machine


def test_ntp_upstream_as_bare_strings_is_refused(estate: Estate) -> None:
    """chrony_servers takes {host, ...}; a bare address would fail the role's argument spec."""

    def change(objs: Objects) -> None:
        ctx = next(o for o in objs if o["name"] == "ntp-servers")
        ctx["data"]["sharpeyes_ntp_servers"] = ["10.44.1.21"]

    problems = _problems(estate, {CONTEXTS: change})
    assert len(problems) == 1
    assert (
        "data.sharpeyes_ntp_servers[0]" in problems[0] and "is not {host: ADDRESS}" in problems[0]
    )


def test_rtp_range_is_sized_from_the_cameras(estate: Estate) -> None:
    gb = _context(_loaded(estate, CONTEXTS))["sharpeyes_gb28181"]
    first, last = gb["rtp_port_range"]
    assert len(gb["media_servers"]) == 3
    assert last - first + 1 >= 1134 // 3 * 2 * 2 * 1.25  # > the old 501 ports


# -- the validator catches what breaks it ------------------------------------------------------


def test_copper_over_100_m_is_refused(estate: Estate) -> None:
    """A satellite's fibre turned into copper: wrong medium on the SFP ports, and too long."""

    def change(objs: Objects) -> None:
        cable = next(c for c in objs if c["type"] == "smf" and c["length"] > 1000)
        cable["type"] = "cat6"

    problems = _problems(estate, {CABLES: change})
    assert any(
        "copper run of" in p and "exceeds 100 m (Ethernet/PoE); use fibre" in p for p in problems
    )
    assert any("cat6 (copper) cable on" in p and "(fibre)" in p for p in problems)


def test_recorded_length_shorter_than_the_distance_is_refused(estate: Estate) -> None:
    def change(objs: Objects) -> None:
        next(c for c in objs if c["type"] == "smf" and c["length"] > 1000)["length"] = 5

    problems = _problems(estate, {CABLES: change})
    assert len(problems) == 1 and "length: 5 m is shorter than the" in problems[0]


def test_copper_without_a_computable_length_is_refused(estate: Estate) -> None:
    def no_length(objs: Objects) -> None:
        cable = _cable(objs, device="qxdc-vc01", interface="bmc")
        del cable["length"], cable["length_unit"]

    def no_coordinates(objs: Objects) -> None:
        dc = next(s for s in objs if s["slug"] == "qx-dc")
        del dc["latitude"], dc["longitude"]

    problems = _problems(estate, {CABLES: no_length, SITES: no_coordinates})
    missing = [p for p in problems if "no length recorded" in p]
    assert len(missing) == 1
    assert "dcim.cables.yml" in missing[0] and "qxdc-vc01:bmc" in missing[0]
    assert missing[0].endswith(
        "length: cat6 cable: no length recorded and no coordinates for both ends; copper "
        "must be shown to be within 100 m"
    )


def test_fibre_on_a_copper_port_is_refused(estate: Estate) -> None:
    def change(objs: Objects) -> None:
        _cable(objs, device="qxdc-vc01", interface="bmc")["type"] = "smf"

    problems = _problems(estate, {CABLES: change})
    assert len(problems) == 2  # both ends are copper ports
    assert all("smf (fibre) cable on" in p and "1000base-t (copper)" in p for p in problems)


def test_poe_class_and_budget(estate: Estate) -> None:
    def hungry(objs: Objects) -> None:
        dome = next(t for t in objs if t["slug"] == "ds-2de4425iwg-e")
        dome["custom_fields"][vocab.CF_POE_DRAW_W] = 40

    problems = _problems(estate, {DEVICE_TYPES: hungry})
    assert any("draws 40 W" in p and "(type2-ieee802.3at) delivers 25.5 W" in p for p in problems)

    def small(objs: Objects) -> None:
        conv = next(t for t in objs if t["slug"] == "ds-3d01r-au")
        conv["custom_fields"][vocab.CF_POE_BUDGET_W] = 10

    problems = _problems(estate, {DEVICE_TYPES: small})
    assert problems and all("over the budget of 10 W" in p for p in problems)


def test_server_type_code_follows_its_duty(estate: Estate) -> None:
    def change(objs: Objects) -> None:
        vc03 = next(d for d in objs if d["name"] == "qxdc-vc03")
        vc03["custom_fields"][vocab.CF_PLATFORM_DUTY] = "database"

    problems = _problems(estate, {DEVICES: change})
    assert any(
        "device qxdc-vc03: custom_fields.gb28181_id: type code 202 does not match duty "
        "database (Table D.1: 206 database server)" in p
        for p in problems
    )


def test_checkpoint_code_121_and_traffic_industry_are_refused(estate: Estate) -> None:
    def change(objs: Objects) -> None:
        cams = [d for d in objs if d["role"] == "camera-checkpoint"]
        gid = cams[0]["custom_fields"][vocab.CF_GB28181_ID]
        cams[0]["custom_fields"][vocab.CF_GB28181_ID] = gid[:10] + "121" + gid[13:]
        gid = cams[1]["custom_fields"][vocab.CF_GB28181_ID]
        cams[1]["custom_fields"][vocab.CF_GB28181_ID] = gid[:8] + "05" + gid[10:]

    problems = _problems(estate, {DEVICES: change})
    assert any("type code 121 is not defined in GB/T 28181-2016 Table D.1" in p for p in problems)
    assert any(
        "industry code 05 is not 00 (social public security, road), the code of site group "
        "checkpoints" in p
        for p in problems
    )


def test_rtp_range_too_small_is_refused(estate: Estate) -> None:
    def change(objs: Objects) -> None:
        _context(objs)["sharpeyes_gb28181"]["rtp_port_range"] = [30000, 30500]

    problems = _problems(estate, {CONTEXTS: change})
    assert len(problems) == 3  # each of the three media servers
    assert all("501 ports (30000-30500) for qxdc-vc0" in p for p in problems)
    assert any("cameras, which need" in p and "(2 streams x 2 ports + 25%)" in p for p in problems)


def test_a_site_without_media_server_is_refused(estate: Estate) -> None:
    def change(objs: Objects) -> None:
        _context(objs)["sharpeyes_gb28181"]["media_servers"]["qxdc-vc03"]["sites"].pop(0)

    problems = _problems(estate, {CONTEXTS: change})
    assert len(problems) == 1 and "no media server takes the" in problems[0]


def test_retention_below_the_minimum_is_refused(estate: Estate) -> None:
    def change(objs: Objects) -> None:
        _context(objs)["sharpeyes_video"]["retention_days"]["video"] = 20

    problems = _problems(estate, {CONTEXTS: change})
    assert problems == [
        "netbox/estate/extras.config-contexts.yml: config context video-platform: "
        "data.sharpeyes_video.retention_days.video: 20 days, less than the minimum of 30"
    ]


def test_retention_the_disks_cannot_hold_is_refused(estate: Estate) -> None:
    def change(objs: Objects) -> None:
        _context(objs)["sharpeyes_video"]["streams_mbps"]["bullet"]["main"] = 8

    problems = _problems(estate, {CONTEXTS: change})
    assert len(problems) == 1
    assert "retention_days: retention needs" in problems[0]
    assert "TB after RAID (2106 TB at 90% fill;" in problems[0]


def test_a_long_copper_run_is_named_with_its_length(estate: Estate) -> None:
    """A fibre run of over 1 km re-typed cat6 is refused, naming the cable and the rule (the CLI
    maps DatasetInvalid to exit 3: tests/unit/test_exit_codes.py)."""
    cable = next(c for c in estate.objects(CABLES) if c["type"] == "smf" and c["length"] > 1000)

    def retype(objs: Objects) -> None:
        next(c for c in objs if c == cable)["type"] = "cat6"

    problems = _problems(estate, {CABLES: retype})
    device = cable["a_terminations"][0]["device"]
    named = [p for p in problems if f"dcim.cables.yml: cable {device}" in p]
    runs = [p for p in named if ": length: cat6 copper run of " in p]
    assert len(runs) == 1 and runs[0].endswith(" m exceeds 100 m (Ethernet/PoE); use fibre")
