"""`sot validate` on broken input (issue 8): never a traceback, never bad data let through.

One table row per fault the issue lists, each with the exact new problem lines (file, object,
field). A row edits one object of the session's estate (conftest.py) in memory and re-reads
only that object; file-level faults (encoding, YAML) write one file. Rows whose fault the loader
refuses run every check over the edited estate (the code path of the CLI: `loader` then
`validate.check`), proving the value reaches no check that could crash on it; rows a check
catches run that check (each is in `validate.CHECKS`, so the CLI runs it). Every problem raises
DatasetInvalid, exit 3: `test_cli_*` shows it end to end, tests/unit/test_exit_codes.py holds
the contract. Objects are picked by structure (the first camera, the first data disk), not by
name, so the rows survive a regenerated estate.
"""

from __future__ import annotations

import copy
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from sharpeyes import vocab
from sharpeyes.cli.main import main
from sharpeyes.errors import EXIT_INVALID_INPUT, SharpeyesError
from sharpeyes.sot import dataset, limits, loader
from sharpeyes.sot import validate as v

if TYPE_CHECKING:
    from conftest import Estate

Data = dict[str, Any]
Check = Callable[[loader.Loaded], list[str]]
WHOLE = 50  # files of at most this many objects are re-read whole; bigger ones object by object

CONTEXTS = "estate/extras.config-contexts.yml"
DEVICES = "estate/dcim.devices.yml"
CABLES = "estate/dcim.cables.yml"
DISKS = "estate/dcim.inventory-items.yml"


# -- helpers -----------------------------------------------------------------------------------


def _is_camera(o: Data) -> bool:
    return o.get("role") in vocab.CAMERA_ROLE_SLUGS


def _platform(o: Data) -> bool:
    return "sharpeyes_storage" in (o.get("data") or {})


def _disk(o: Data) -> bool:
    return vocab.CF_CAPACITY_GB in (o.get("custom_fields") or {})


def _switch_type(o: Data) -> bool:
    return vocab.CF_POE_BUDGET_W in (o.get("custom_fields") or {})


@dataclass
class Edit:
    """The session's file `rel`, with the objects `pick` selects replaced by `change`'s result
    (None: the object edited in place; a list: the objects that take its place)."""

    rel: str
    pick: Callable[[Data], bool]
    change: Callable[[Data], list[Any] | None]
    count: int = 1  # how many picked objects to change

    def apply(self, estate: Estate) -> tuple[loader.FileLoad, list[Data]]:
        fl = estate.files[self.rel]
        picked = [i for i, (o, _) in enumerate(fl.objects) if self.pick(o.data)][: self.count]
        assert len(picked) == self.count, f"no object to edit in {self.rel}"
        originals = [fl.objects[i][0].data for i in picked]
        if len(fl.objects) <= WHOLE:  # a small file: read again whole (messages count indexes)
            raws: list[Any] = []
            for i, (obj, _) in enumerate(fl.objects):
                data = copy.deepcopy(obj.data)
                replacement = self.change(data) if i in picked else None
                raws += [data] if replacement is None else replacement
            doc = {"endpoint": fl.endpoint, "objects": raws}
            return loader.read_doc(doc, fl.path, estate.data_dir), originals
        out = loader.FileLoad(fl.path, fl.file, fl.endpoint, problems=list(fl.problems))
        for i, (obj, item) in enumerate(fl.objects):
            if i not in picked:
                out.objects.append((obj, item))
                continue
            data = copy.deepcopy(obj.data)
            replacement = self.change(data)
            raws = [data] if replacement is None else replacement
            doc = {"endpoint": fl.endpoint, "objects": raws}
            one = loader.read_doc(doc, fl.path, estate.data_dir)
            out.objects += one.objects
            out.problems += one.problems
            out.not_mappings += one.not_mappings
        return out, originals


def new_problems(
    estate: Estate, files: dict[str, loader.FileLoad], checks: Sequence[Check] | None = None
) -> list[str]:
    """Problems of the estate with `files` replaced that the shipped estate does not have:
    the loader's, then those of `checks` (None: `validate.check`, as the CLI runs it)."""
    merged = [files.get(rel, fl) for rel, fl in estate.files.items()]
    ld, problems = loader.assemble(estate.data_dir, merged)
    problems += v.check(ld) if checks is None else [p for fn in checks for p in fn(ld)]
    return [p for p in problems if p not in estate.problems]


def at(estate: Estate, rel: str, data: Data) -> str:
    """`netbox/estate/x.yml: device qx-...`: how messages name an object of file `rel`."""
    fl = estate.files[rel]
    assert fl.endpoint is not None
    return f"{fl.file}: {loader.label(fl.endpoint, data)}"


def _set(path: str, value: Any) -> Callable[[Data], None]:
    """Set a dotted path (`data.sharpeyes_storage.raid_parity_disks`) of an object."""

    def change(o: Data) -> None:
        *parents, last = path.split(".")
        node = o
        for key in parents:
            node = node[key] if key != "*" else next(iter(node.values()))
        node[last] = value

    return change


# -- object faults: the loader names them; no check sees the value ------------------------------


@dataclass(frozen=True)
class Row:
    id: str
    rel: str
    pick: Callable[[Data], bool]
    change: Callable[[Data], list[Any] | None]
    expected: Callable[[str], list[str]]  # `at` of the (first) picked object -> new problems
    checks: Sequence[Check] = ()  # () = the loader refuses it (see test_rejected_reach_no_check)
    count: int = 1
    combine: bool = True  # joins the all-checks run (False: it replaces a whole object)


def _in_place(fn: Callable[[Data], None]) -> Callable[[Data], list[Any] | None]:
    def change(o: Data) -> list[Any] | None:
        fn(o)
        return None

    return change


def _gid_part(start: int, end: int, value: str) -> Callable[[Data], None]:
    def change(o: Data) -> None:
        gid = o["custom_fields"][vocab.CF_GB28181_ID]
        o["custom_fields"][vocab.CF_GB28181_ID] = gid[:start] + value + gid[end:]

    return change


_OTHER: dict[str, Any] = {}

_CABLE: dict[str, str] = {}


def _first_kind() -> str:
    return str(_CTX["first_kind"])


_CTX: dict[str, Any] = {}


def _is_camera_cable(o: Data) -> bool:
    a = o.get("a_terminations") or [{}]
    return bool(a[0].get("device") == _CABLE.get("a_device"))


LONG = "x" * 201

# checks that used to turn a rejected platform context into a second, misleading problem
CASCADING: tuple[Check, ...] = (v.check_storage, v.check_counts)

ROWS: list[Row] = [
    # crashes of issue 8: a type-wrong number where the checks compute
    Row(
        "streams_mbps four",
        CONTEXTS,
        _platform,
        _in_place(_set("data.sharpeyes_video.streams_mbps.*.main", "four")),
        lambda w: [
            f"{w}: data.sharpeyes_video.streams_mbps.{_first_kind()}.main: "
            "Input should be a valid number, got 'four'"
        ],
    ),
    Row(
        "capacity_gb 18TB",
        DISKS,
        _disk,
        _in_place(_set("custom_fields.capacity_gb", "18TB")),
        lambda w: [f"{w}: custom_fields.capacity_gb: Input should be a valid integer, got '18TB'"],
    ),
    Row(
        "poe_budget_w 400W",
        "custom/dcim.device-types.yml",
        _switch_type,
        _in_place(_set("custom_fields.poe_budget_w", "400W")),
        lambda w: [f"{w}: custom_fields.poe_budget_w: Input should be a valid integer, got '400W'"],
    ),
    Row(
        "config context null",
        CONTEXTS,
        _platform,
        lambda o: [None],
        lambda w: [f"netbox/{CONTEXTS}: objects[{_CTX['index']}]: not a mapping"],
        checks=CASCADING,
        combine=False,
    ),
    Row(
        "config context a list",
        CONTEXTS,
        _platform,
        lambda o: [[o]],
        lambda w: [f"netbox/{CONTEXTS}: objects[{_CTX['index']}]: not a mapping"],
        checks=CASCADING,
        combine=False,
    ),
    Row(
        "config context data null",
        CONTEXTS,
        _platform,
        _in_place(_set("data", None)),
        lambda w: [f"{w}: missing required field 'data'"],
        checks=CASCADING,
        combine=False,
    ),
    Row(
        "config context data a list",
        CONTEXTS,
        _platform,
        _in_place(_set("data", [])),
        lambda w: [f"{w}: data: Input should be a valid dictionary"],
        checks=CASCADING,
        combine=False,
    ),
    Row(
        "storage policy null",
        CONTEXTS,
        _platform,
        _in_place(_set("data.sharpeyes_storage", None)),
        lambda w: [f"{w}: data.sharpeyes_storage: Input should be a valid dictionary, got None"],
        checks=CASCADING,
        combine=False,
    ),
    Row(
        "termination without interface",
        CABLES,
        _is_camera_cable,
        _in_place(lambda o: o["a_terminations"][0].pop("interface")),
        lambda w: [
            f"{w.split(': cable ')[0]}: cable {_CABLE['a_device']} <> {_CABLE['b']}: field "
            f"'a_terminations': bad termination {{'device': '{_CABLE['a_device']}'}}"
        ],
    ),
    Row(
        "termination not a mapping",
        CABLES,
        _is_camera_cable,
        _in_place(lambda o: o["a_terminations"].__setitem__(0, None)),
        lambda w: [
            f"{w.split(': cable ')[0]}: cable None <> {_CABLE['b']}: field 'a_terminations': "
            "bad termination None"
        ],
        checks=(v.check_camera_links,),  # the camera's cable is rejected: not "not cabled"
        combine=False,
    ),
    # let through before issue 8
    Row(
        "latitude 200.5",
        "estate/dcim.sites.yml",
        lambda o: o.get("latitude") is not None,
        _in_place(_set("latitude", 200.5)),
        lambda w: [f"{w}: latitude: 200.5 is outside -90..90"],
    ),
    Row(
        "description over NetBox's limit",
        DEVICES,
        _is_camera,
        _in_place(_set("description", LONG)),
        lambda w: [
            f"{w}: description: 201 characters, NetBox {limits.NETBOX_VERSION} stores at most 200"
        ],
    ),
    Row(
        "site name over NetBox's limit",
        "estate/dcim.sites.yml",
        lambda o: True,
        _in_place(_set("name", "站" * 101)),
        lambda w: [f"{w}: name: 101 characters, NetBox {limits.NETBOX_VERSION} stores at most 100"],
    ),
    Row(
        "interface label a number",
        "estate/dcim.interfaces.yml",
        lambda o: True,
        _in_place(_set("label", 12345)),
        lambda w: [f"{w}: label: expected text, got int 12345"],
    ),
    Row(
        "negative retention",
        CONTEXTS,
        _platform,
        _in_place(_set("data.sharpeyes_video.retention_days.video", -5)),
        lambda w: [
            f"{w}: data.sharpeyes_video.retention_days.video: "
            "Input should be greater than or equal to 1, got -5"
        ],
    ),
    Row(
        "negative RAID parity",
        CONTEXTS,
        _platform,
        _in_place(_set("data.sharpeyes_storage.raid_parity_disks", -2)),
        lambda w: [
            f"{w}: data.sharpeyes_storage.raid_parity_disks: "
            "Input should be greater than or equal to 0, got -2"
        ],
    ),
    Row(
        "SIP server id of 4 digits",
        CONTEXTS,
        _platform,
        _in_place(_set("data.sharpeyes_gb28181.sip_server_id", "4418")),
        lambda w: [f"{w}: data.sharpeyes_gb28181.sip_server_id: '4418' has 4 digits, expected 20"],
    ),
    # caught by a check
    Row(
        "GB id with another site's base unit",
        DEVICES,
        _is_camera,
        _in_place(lambda o: _gid_part(6, 8, str(_OTHER["unit"]))(o)),  # noqa: PLW0108 - late
        lambda w: [
            f"{w}: custom_fields.gb28181_id: base unit {_OTHER['unit']} (site "
            f"{_OTHER['site']}'s) is not {_OTHER['own']}, the base unit of site "
            f"{_OTHER['own_site']}'s devices"
        ],
        checks=(v.check_gb_sites,),
    ),
    Row(
        "GB id with industry 99",
        DEVICES,
        _is_camera,
        _in_place(_gid_part(8, 10, "99")),
        lambda w: [
            f"{w}: custom_fields.gb28181_id: industry code 99 is not {_OTHER['industry']}, the "
            f"code of the other {_OTHER['role']} devices at site {_OTHER['own_site']}"
        ],
        checks=(v.check_gb_sites,),
    ),
    Row(
        "box_kit banana",
        "estate/dcim.locations.yml",
        lambda o: vocab.CF_BOX_KIT in (o.get("custom_fields") or {}),
        _in_place(_set("custom_fields.box_kit", "banana")),
        lambda w: [f"{w}: custom_fields.box_kit: 'banana' does not match ^(new_box|lock_core)$"],
        checks=(v.check_custom_field_values,),
    ),
    Row(
        "camera without a cable",
        CABLES,
        _is_camera_cable,
        lambda o: [],
        lambda w: [
            f"netbox/{DEVICES}: device {_CABLE['a_device']}: cable: not cabled: a camera needs "
            "a cable to its switch, media converter or front-end link"
        ],
        checks=(v.check_camera_links,),
    ),
    Row(
        "camera cabled to another site's device",
        CABLES,
        _is_camera_cable,
        _in_place(lambda o: o["b_terminations"][0].update(device=_CABLE["elsewhere"])),
        lambda w: [
            f"{w.split(': cable ')[0]}: cable {_CABLE['a_device']}:{_CABLE['a_iface']} <> "
            f"{_CABLE['elsewhere']}:{_CABLE['b_iface']}: b_terminations: {_CABLE['elsewhere']} "
            f"is at site {_CABLE['elsewhere_site']}, camera {_CABLE['a_device']} at site "
            f"{_CABLE['a_site']}"
        ],
        checks=(v.check_camera_links,),
    ),
    Row(
        "duplicate disk serials",
        DISKS,
        _disk,
        _in_place(_set("serial", "ZL2ABC01")),
        lambda w: [],  # filled in by the test: the second disk names the first
        checks=(v.check_serials,),
        count=2,
    ),
]


@pytest.fixture(scope="module", autouse=True)
def _structure(estate: Estate) -> None:
    """Names the rows need, read off the estate's structure (first camera, its cable...)."""
    devices = {o.data["name"]: o.data for o, _ in estate.files[DEVICES].objects}
    cams = [d for d in devices.values() if _is_camera(d)]
    first = cams[0]
    gid = first["custom_fields"][vocab.CF_GB28181_ID]
    other = next(d for d in cams if d["site"] != first["site"])
    _OTHER.update(
        site=other["site"],
        unit=other["custom_fields"][vocab.CF_GB28181_ID][6:8],
        own=gid[6:8],
        own_site=first["site"],
        industry=gid[8:10],
        role=first["role"],
    )
    ctx = next(o.data for o, _ in estate.files[CONTEXTS].objects if _platform(o.data))
    _CTX["first_kind"] = next(iter(ctx["data"]["sharpeyes_video"]["streams_mbps"]))
    _CTX["index"] = next(
        i for i, (o, _) in enumerate(estate.files[CONTEXTS].objects) if _platform(o.data)
    )
    for o, _ in estate.files[CABLES].objects:
        a, b = o.data["a_terminations"][0], o.data["b_terminations"][0]
        cam = devices.get(a.get("device", ""))
        peer = devices.get(b.get("device", ""))
        if cam is None or peer is None or not _is_camera(cam):
            continue
        twin = next(
            d
            for d in devices.values()
            if d["device_type"] == peer["device_type"] and d["site"] != cam["site"]
        )
        _CABLE.update(
            a_device=cam["name"],
            a_iface=a["interface"],
            a_site=cam["site"],
            b=f"{peer['name']}:{b['interface']}",
            b_iface=b["interface"],
            elsewhere=twin["name"],
            elsewhere_site=twin["site"],
        )
        return
    pytest.fail("no camera cabled to a device in the estate")


def _expected(estate: Estate, row: Row, originals: list[Data]) -> list[str]:
    if row.id == "duplicate disk serials":  # the second disk names the first
        second, first = (at(estate, row.rel, o) for o in originals[::-1])
        return [f"{second}: serial: ZL2ABC01 is also the serial of {first.split(': ', 1)[1]}"]
    return row.expected(at(estate, row.rel, originals[0]))


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_fault(estate: Estate, row: Row) -> None:
    edited, originals = Edit(row.rel, row.pick, row.change, row.count).apply(estate)
    assert new_problems(estate, {row.rel: edited}, row.checks) == _expected(estate, row, originals)
    for fn in row.checks:
        assert fn in v.CHECKS, f"{fn.__name__} is not run by sot validate"


def test_rejected_values_reach_no_check(estate: Estate) -> None:
    """The loader's rows at once, through every check (`validate.check`, the CLI's path): the
    values that used to crash a check reach none, and nothing cascades."""
    rows = [r for r in ROWS if not r.checks and r.combine]
    files: dict[str, loader.FileLoad] = {}
    expected: list[str] = []
    for row in rows:
        edit = Edit(row.rel, row.pick, row.change, row.count)
        original = estate.files[row.rel]
        estate.files[row.rel] = files.get(row.rel, original)  # edits of one file accumulate
        try:
            files[row.rel], originals = edit.apply(estate)
        finally:
            estate.files[row.rel] = original
        expected += _expected(estate, row, originals)
    found = new_problems(estate, files)
    assert sorted(found) == sorted(expected)


# -- file faults: reported once, with the line; nothing cascades ----------------------------------


def _file_problems(estate: Estate, tmp_path: Path, rel: str, content: bytes) -> list[str]:
    """Every new problem once file `rel` holds `content` (all checks, as the CLI runs them)."""
    path = tmp_path / "netbox" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    fl = loader.read_file(path, tmp_path / "netbox")
    return new_problems(estate, {rel: fl})


def _text(estate: Estate, rel: str) -> str:
    return (estate.data_dir / rel).read_text(encoding="utf-8")


def test_non_utf8_byte(estate: Estate, tmp_path: Path) -> None:
    text = _text(estate, "custom/dcim.manufacturers.yml")
    lines = text.splitlines(keepends=True)
    lines[4] = lines[4].replace("name: ", "name: \udcff", 1)  # byte 0xff
    raw = "".join(lines).encode("utf-8", "surrogateescape")
    offset = raw.index(b"\xff")
    column = offset - raw.rindex(b"\n", 0, offset)
    assert _file_problems(estate, tmp_path, "custom/dcim.manufacturers.yml", raw) == [
        f"netbox/custom/dcim.manufacturers.yml: line 5, column {column}: not UTF-8 (byte 0xff "
        f"at offset {offset}); dataset files are UTF-8 (a GB18030 file must be converted)"
    ]


def test_gb18030_file(estate: Estate, tmp_path: Path) -> None:
    rel = "estate/dcim.sites.yml"
    text = _text(estate, rel)
    raw = text.encode("gb18030")
    (found,) = _file_problems(estate, tmp_path, rel, raw)
    first_han = text[: next(i for i, c in enumerate(text) if ord(c) > 127)].count("\n") + 1
    assert found.startswith(f"netbox/{rel}: line ")
    assert int(found.split("line ")[1].split(",")[0]) >= first_han
    assert "not UTF-8 (byte 0x" in found and "GB18030" in found


def test_duplicate_yaml_key(estate: Estate, tmp_path: Path) -> None:
    rel = "custom/dcim.manufacturers.yml"
    lines = _text(estate, rel).splitlines(keepends=True)
    n = next(i for i, line in enumerate(lines) if line.lstrip().startswith("name:"))
    lines.insert(n + 1, lines[n])  # an object's name line twice
    found = _file_problems(estate, tmp_path, rel, "".join(lines).encode())
    column = lines[n].index("name") + 1
    assert found == [
        f"netbox/{rel}: line {n + 2}, column {column}: not valid YAML: duplicate key 'name' "
        f"(first on line {n + 1})"
    ]


def test_syntax_error_is_reported_once(estate: Estate, tmp_path: Path) -> None:
    """A broken devices file used to bury its one error under thousands of unknown devices."""
    lines = _text(estate, DEVICES).splitlines(keepends=True)
    n = len(lines) // 2
    lines.insert(n, "  - name: [unclosed\n")
    found = _file_problems(estate, tmp_path, DEVICES, "".join(lines).encode())
    assert len(found) == 1
    assert found[0].startswith(f"netbox/{DEVICES}: line ")
    assert ": not valid YAML: " in found[0]


def test_cli_exits_3_naming_the_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """End to end (the entry point, in process): a GB18030 file in a dataset is exit 3 and one
    line naming file, line and byte; no traceback."""
    data = tmp_path / "netbox"
    (data / "estate").mkdir(parents=True)
    text = "---\nendpoint: dcim.sites\nobjects:\n  - slug: qx-ps01\n    name: 太和派出所\n"
    (data / "estate" / "dcim.sites.yml").write_bytes(text.encode("gb18030"))
    monkeypatch.setattr(sys, "argv", ["sharpeyes", "sot", "validate", "--data", str(data)])
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == EXIT_INVALID_INPUT
    err = capsys.readouterr().err
    # 太 is CC AB in GB18030, by chance valid UTF-8; 和 (BA CD) is not
    assert "netbox/estate/dcim.sites.yml: line 5, column 13: not UTF-8 (byte 0xba" in err
    assert "Traceback" not in err


# -- fuzz: random corruptions never crash the validator ---------------------------------------


def _swap(value: Any, rnd: random.Random) -> Any:
    """A value of another JSON type."""
    choices: list[Any] = ["x", 7, -1, 2.5, True, None, [], {}, [1, "a"], {"k": "v"}, "", "9" * 30]
    return rnd.choice([c for c in choices if type(c) is not type(value)])


def _corrupt(obj: Any, rnd: random.Random) -> None:
    """Swap the type of, or delete, one key somewhere in `obj` (a mapping)."""
    node = obj
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            return
        k = rnd.choice(keys)
        child = node[k]
        if isinstance(child, dict | list) and child and rnd.random() < 0.75:
            node = child
            continue
        if isinstance(node, dict) and rnd.random() < 0.3:
            del node[k]
        else:
            node[k] = _swap(child, rnd)
        return


def _slice(estate: Estate) -> dict[str, list[Data]]:
    """A small, connected part of the estate: small files whole, of the big ones the objects
    that mention one site (its devices, cables, addresses...)."""
    site = next(o.data["site"] for o, _ in estate.files[DEVICES].objects if _is_camera(o.data))
    out: dict[str, list[Data]] = {}
    for rel, fl in estate.files.items():
        objs = [o.data for o, _ in fl.objects]
        if len(objs) > 60:
            objs = [o for o in objs if site in repr(o)][:60]
        out[rel] = objs
    return out


def test_fuzz_never_crashes(estate: Estate, tmp_path: Path) -> None:
    """Type swaps and deletions in objects, byte flips in files: the validator names the
    problem or passes; it never raises anything but a SharpeyesError (fixed seed)."""
    rnd = random.Random(8)
    data_dir = tmp_path / "netbox"
    base = _slice(estate)
    files: dict[str, loader.FileLoad] = {}
    for rel, objs in base.items():
        endpoint = estate.files[rel].endpoint
        assert endpoint is not None
        path = data_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dataset.dumps(endpoint, objs), encoding="utf-8")
        files[rel] = loader.read_file(path, data_dir)
    rels = sorted(base)
    tried = 0
    for i in range(150):
        rel = rels[i % len(rels)]
        path = data_dir / rel
        original = path.read_bytes()
        if i % 3 == 0:  # byte flips
            raw = bytearray(original)
            for _ in range(rnd.randint(1, 4)):
                raw[rnd.randrange(len(raw))] = rnd.randrange(256)
            path.write_bytes(bytes(raw))
        else:  # type swaps and deletions in one object
            objs = copy.deepcopy(base[rel])
            if not objs:
                continue
            for _ in range(rnd.randint(1, 3)):
                _corrupt(rnd.choice(objs), rnd)
            endpoint = estate.files[rel].endpoint
            assert endpoint is not None
            doc = {"endpoint": endpoint, "objects": objs}
            path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        try:
            fl = loader.read_file(path, data_dir)
            ld, problems = loader.assemble(data_dir, [fl if r == rel else files[r] for r in rels])
            problems += v.check(ld)
        except SharpeyesError:
            pass
        except Exception as exc:  # anything else is a crash: the point of the test
            pytest.fail(
                f"{rel} (case {i}): {type(exc).__name__}: {exc}\n{path.read_text('latin-1')}"
            )
        else:
            assert all(isinstance(p, str) and "\n" not in p for p in problems)
        finally:
            path.write_bytes(original)
        tried += 1
    assert tried > 120
