"""Point-list (点位表) columns, camera kinds and the problems a check reports."""

from __future__ import annotations

import hashlib
import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from sharpeyes import vocab


@dataclass(frozen=True)
class Column:
    key: str  # English alias, also the internal field name
    zh: str  # Chinese header
    required: bool
    max_len: int | None = None  # characters, where the cell becomes a NetBox field
    numeric: bool = False  # a number: a leading '-'/'+' is a sign, not a formula trigger

    @property
    def label(self) -> str:
        return f"{self.zh}/{self.key}"


# NetBox's Location.name is 100 characters (NestedGroupModel); the point code goes into the
# location slug (100) after the site slug and maybe a hash, so it is held to 50 (our limit).
POINT_NAME_MAX = 100
POINT_CODE_MAX = 50

# Required columns must be present in the header (their cells may still be blank where the
# rules allow: name/lon/lat only matter for a new point).
COLUMNS: tuple[Column, ...] = (
    Column("point_code", "点位编号", True, POINT_CODE_MAX),
    Column("point_name", "点位名称", True, POINT_NAME_MAX),
    Column("site", "所属单位", True),
    Column("town", "镇街", False),
    Column("lon", "经度", True, numeric=True),
    Column("lat", "纬度", True, numeric=True),
    Column("camera_type", "设备类型", True),
    Column("gb_id", "国标编码", False),
    Column("ip", "IP地址", False),
    Column("switch", "接入交换机", False),
    Column("port", "端口", False),
    Column("new_box", "是否新箱", False),
)
BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}
BY_HEADER: dict[str, Column] = {**{c.zh: c for c in COLUMNS}, **{c.key: c for c in COLUMNS}}


def label(key: str) -> str:
    return BY_KEY[key].label if key in BY_KEY else key


class CameraKind(StrEnum):
    BULLET = "bullet"
    DOME = "dome"
    FACE = "face"
    CHECKPOINT = "checkpoint"

    @property
    def role(self) -> str:
        """The dataset's device role slug for this kind."""
        return vocab.CAMERA_ROLES[self.value]

    @property
    def type_code(self) -> str:
        """GB/T 28181 type code: 121 video checkpoint camera, 132 IPC otherwise."""
        return vocab.CAMERA_TYPE_CODES[self.value]


KIND_WORDS: dict[str, CameraKind] = {
    "枪机": CameraKind.BULLET,
    "球机": CameraKind.DOME,
    "人脸": CameraKind.FACE,
    "卡口": CameraKind.CHECKPOINT,
    **{k.value: k for k in CameraKind},
}

YES_WORDS = frozenset({"是", "yes", "y", "true", "1"})
NO_WORDS = frozenset({"否", "no", "n", "false", "0"})

# OWASP CSV injection: a cell starting with one of these is run as a formula by a spreadsheet.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Spreadsheet error values (Excel/LibreOffice), as a cached value or as text in a CSV export.
ERROR_VALUES = frozenset(
    {
        "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
        "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
        "#PYTHON!", "ERR:502", "ERR:504", "ERR:508", "ERR:522",
    }
)  # fmt: skip


_SLUG_SAFE = re.compile(r"^[a-z0-9_-]+$")
_SLUG_UNSAFE = re.compile(r"[^a-z0-9_]+")


def code_key(code: str) -> str:
    """A point code's identity: NFKC (full-width → ASCII) and case-folded."""
    return unicodedata.normalize("NFKC", code).casefold()


def point_slug(site: str, code: str) -> str:
    """The NetBox location slug for a free-form point code, deterministic.

    `<site>-<code>` lower-cased (a code already starting with `<site>-` is not prefixed again,
    so `QX-PS01-P044` → `qx-ps01-p044`); characters a slug cannot hold become `-` and then a
    6-hex hash of the code is appended so that distinct codes never share a slug
    (`太和-015` → `qx-ps01-015-<hash>`).
    """
    key = code_key(code)
    lossless = bool(_SLUG_SAFE.match(key))
    folded = key if lossless else _SLUG_UNSAFE.sub("-", key).strip("-")
    slug = folded if folded.startswith(f"{site}-") else f"{site}-{folded}".rstrip("-")
    if not lossless:
        slug += "-" + hashlib.sha256(key.encode()).hexdigest()[:6]
    return slug


@dataclass(frozen=True)
class Problem:
    """One finding about a row (row 1 is the header); `error` False means a warning."""

    row: int
    field: str  # column key, or "" for the whole row
    message: str
    error: bool = True

    def render(self, file: str) -> str:
        where = f"{file}: row {self.row}"
        if self.field:
            where += f": {label(self.field)}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class RawRow:
    """One data row as read: spreadsheet row number and the cells by column key (trimmed)."""

    row: int
    cells: dict[str, str]
    problems: tuple[Problem, ...] = ()

    def get(self, key: str) -> str:
        return self.cells.get(key, "")


@dataclass(frozen=True)
class NewPoint:
    """A location the import creates (code verbatim from its first row, slug derived)."""

    code: str
    slug: str
    name: str
    site: str
    tenant: str | None
    lon: float
    lat: float
    box_kit: str | None  # new_box | lock_core | None (not stated)
    first_row: int


@dataclass(frozen=True)
class PlannedCamera:
    """A checked row: everything needed to create the camera, ids and address resolved."""

    row: int
    point_code: str
    location: str  # location slug
    new_point: bool
    site: str
    tenant: str | None
    kind: CameraKind
    device_type: str
    interface: str  # the camera's own port (from its device type), e.g. eth0
    name: str
    gb_id: str
    gb_allocated: bool
    ip: ipaddress.IPv4Interface
    ip_allocated: bool
    vrf: str | None
    switch: str
    port: str
    vlan: dict[str, object] | None  # {group, vid} of the site's camera VLAN
    port_allocated: bool = False
    distance_m: float | None = None  # point to switch, haversine (None: a coordinate unknown)
    why: str = ""  # how the switch port was chosen (allocated ports)


@dataclass
class CheckResult:
    """The outcome of checking a whole file: planned objects, errors and warnings."""

    file: str
    points: list[NewPoint]
    cameras: list[PlannedCamera]
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.error]

    @property
    def ok(self) -> bool:
        return not self.errors

    def rendered(self, *, errors: bool) -> list[str]:
        ordered = sorted(self.problems, key=lambda p: p.row)  # stable: column order within a row
        return [p.render(self.file) for p in ordered if p.error == errors]
