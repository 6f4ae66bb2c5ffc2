"""GB/T 28181-2016 device ids: `CCCCCCCC II TTT N SSSSSS` (20 digits).

C centre code (6-digit administrative division + 2-digit base unit), I industry, T type,
N network flag, S serial. The SIP domain is the first 10 digits. The district and the codes the
estate uses are in `sharpeyes.vocab`; `problems` is the one rule set that `sot validate` and
`points check` apply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sharpeyes import vocab
from sharpeyes.errors import InputError

ID_LENGTH = 20
SERIAL_MAX = 999_999

# Network flags (N): 0/1 video private network, 5 public network.
PRIVATE_NETWORK_FLAGS = frozenset({"0", "1"})

_DIGITS = re.compile(r"^[0-9]+$")

# GB/T 28181-2016 Annex D, Table D.1: the type codes (T) the standard defines. Source: the
# standard's Annex D as reproduced in public GB/T 28181 implementations (e.g. a Java enum
# `GbIdConstant.Type` and C SIP gateway samples labelling 200/202 ids, found through the code
# search; the standard's own PDF was not available offline). Every entry below matched there;
# none is unconfirmed. Ranges not listed are extension ranges (扩展类型), which the standard
# leaves to local definition: e.g. 119-130 "extended front-end main device types", so 121 is NOT
# a camera code; a checkpoint (卡口) camera is a network camera, 132.
TABLE_D1: dict[str, str] = {
    "111": "DVR",
    "112": "video server",
    "113": "encoder",
    "114": "decoder",
    "115": "video switching matrix",
    "116": "audio switching matrix",
    "117": "alarm controller",
    "118": "network video recorder (NVR)",
    "131": "camera",
    "132": "network camera (IPC)",
    "133": "display",
    "134": "alarm input device",
    "135": "alarm output device",
    "136": "voice input device",
    "137": "voice output device",
    "138": "mobile transmission device",
    "139": "other peripheral device",
    "200": "central signalling control server",
    "201": "web application server",
    "202": "media distribution server",
    "203": "proxy server",
    "204": "security server",
    "205": "alarm server",
    "206": "database server",
    "207": "GIS server",
    "208": "management server",
    "209": "access gateway",
    "210": "media storage server",
    "211": "signalling security routing gateway",
    "215": "business group",
    "216": "virtual organisation",
    "300": "centre user",
    "400": "terminal user",
}
# Extension ranges of Table D.1 (inclusive): defined by no one, refused by the rule set.
EXTENSION_RANGES: tuple[tuple[int, int, str], ...] = (
    (119, 130, "extended front-end main device types"),
    (140, 199, "extended front-end peripheral types"),
    (212, 214, "extended platform device types"),
    (217, 299, "extended platform device types"),
)
# Industry codes (I), same annex: 00-03 social public security (road, community, internal,
# other), 04-07 traffic (road, checkpoint, internal, other), 08-11 other government bodies.
INDUSTRY_CODES: dict[str, str] = {
    "00": "social public security, road",
    "01": "social public security, community",
    "02": "social public security, internal",
    "03": "social public security, other",
    "04": "traffic, road",
    "05": "traffic, checkpoint",
    "06": "traffic, internal",
    "07": "traffic, other",
    "08": "city management",
    "09": "health and environment",
    "10": "commodity inspection and customs",
    "11": "education",
}


def type_code_problem(code: str) -> str | None:
    """Why `code` is not a type code of Table D.1 (None when it is one)."""
    if code in TABLE_D1:
        return None
    n = int(code) if code.isdigit() else -1
    for low, high, what in EXTENSION_RANGES:
        if low <= n <= high:
            return (
                f"type code {code} is not defined in GB/T 28181-2016 Table D.1 "
                f"({low}-{high}: {what})"
            )
    return f"type code {code} is not defined in GB/T 28181-2016 Table D.1"


class GbIdError(InputError):
    """A string that is not a well-formed GB/T 28181 device id."""


@dataclass(frozen=True, order=True)
class GbId:
    centre: str  # 8 digits: division (6) + base unit (2)
    industry: str  # 2 digits
    type_code: str  # 3 digits
    network: str  # 1 digit
    serial: int  # 0..999999

    @property
    def division(self) -> str:
        return self.centre[:6]

    @property
    def base_unit(self) -> str:
        return self.centre[6:]

    @property
    def stem(self) -> str:
        """The first 14 digits: everything but the serial."""
        return f"{self.centre}{self.industry}{self.type_code}{self.network}"

    @property
    def sip_domain(self) -> str:
        return str(self)[:10]

    def __str__(self) -> str:
        return f"{self.stem}{self.serial:06d}"


def parse(value: object) -> GbId:
    """Parse a 20-digit id; raises GbIdError saying what is wrong."""
    if not isinstance(value, str):
        raise GbIdError(f"expected a string of {ID_LENGTH} digits, got {type(value).__name__}")
    if not _DIGITS.match(value):
        raise GbIdError(f"{value!r} is not all digits")
    if len(value) != ID_LENGTH:
        raise GbIdError(f"{value!r} has {len(value)} digits, expected {ID_LENGTH}")
    return GbId(value[:8], value[8:10], value[10:13], value[13], int(value[14:]))


def make(
    *, division: str, base_unit: str, industry: str, type_code: str, network: str, serial: int
) -> str:
    """Format an id from its parts, checking each part's width."""
    parts = {
        "division": (division, 6),
        "base_unit": (base_unit, 2),
        "industry": (industry, 2),
        "type_code": (type_code, 3),
        "network": (network, 1),
    }
    for name, (text, width) in parts.items():
        if len(text) != width or not _DIGITS.match(text):
            raise GbIdError(f"{name} {text!r} must be {width} digit(s)")
    if not 0 <= serial <= SERIAL_MAX:
        raise GbIdError(f"serial {serial} out of range 0..{SERIAL_MAX}")
    return str(GbId(division + base_unit, industry, type_code, network, serial))


def allocate(
    existing: set[str],
    *,
    division: str,
    base_unit: str,
    industry: str,
    type_code: str,
    network: str = "0",
) -> str:
    """Next id for this stem: one past the highest serial in use, so a gap is never refilled.

    Deterministic (depends only on `existing`); never returns an id in `existing`.
    Malformed entries in `existing` are ignored. Raises GbIdError when the serials run out.
    """
    stem = make(
        division=division,
        base_unit=base_unit,
        industry=industry,
        type_code=type_code,
        network=network,
        serial=0,
    )[:14]
    highest = 0
    for value in existing:
        if len(value) == ID_LENGTH and value.startswith(stem) and value[14:].isdigit():
            highest = max(highest, int(value[14:]))
    if highest >= SERIAL_MAX:
        raise GbIdError(f"no serial left for stem {stem} (highest in use {highest})")
    return f"{stem}{highest + 1:06d}"


def problems(value: object, *, role: str | None, division: str = vocab.DISTRICT_CODE) -> list[str]:
    """The one GB id rule set: what is wrong with `value` as the id of a device of `role`.

    Empty list when the id is fine. Rules: present when the role needs one (vocab.ROLE_TYPE_CODES),
    20 digits, centre code in `division`, type code fitting the role, network flag of the video
    private network. Uniqueness depends on the caller's scope (a dataset, a file): callers check it.
    """
    expected = vocab.ROLE_TYPE_CODES.get(role or "")
    if value is None or value == "":
        return [f"missing (role {role} needs an id)"] if expected is not None else []
    try:
        gid = parse(value)
    except GbIdError as exc:
        return [exc.message]
    out: list[str] = []
    table = type_code_problem(gid.type_code)
    if table is not None:
        out.append(table)
    if gid.division != division:
        out.append(f"centre code {gid.centre} is not in division {division}")
    if expected is not None and gid.type_code not in expected:
        want = "/".join(sorted(expected))
        out.append(f"type code {gid.type_code} does not match role {role} (expected {want})")
    if gid.network not in PRIVATE_NETWORK_FLAGS:
        out.append(f"network flag {gid.network} is not the video private network (0/1)")
    return out
