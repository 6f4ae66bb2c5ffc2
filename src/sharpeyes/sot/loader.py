"""The one reader of the dataset: layout, files, canonical objects and typed models.

Every command that reads the dataset (validate, summary, plan, apply, export, sync, points)
comes through `load` / `collect`, so what `sot validate` passes is exactly what `sot apply`
writes. Allowed places below the dataset directory (`netbox/`):

- `custom/`, `estate/` (`SECTIONS`): endpoint files `<app>.<endpoint>[.<part>].yml` of a
  known endpoint, holding `{endpoint: <app>.<endpoint>, objects: [...]}`, and a README.md;
- `spec/*.yml` (`SPEC_DIR`): the generator's spec, read by `sot generate`, not data;
- files that are not YAML anywhere else (README.md, the point-list samples in `points/`).

Anything else is a problem naming the path: a YAML file outside those places or in a
subdirectory, a `.yaml` extension, an unknown endpoint, a stray file in a section. Hidden
files and directories (editor swap files) are skipped.

Files are read strictly: UTF-8 only (a GB18030 file is named with the first bad byte), a
duplicate mapping key, a non-string key or a tag beyond JSON's types (`!!set`, `!!binary`,
...) is refused with its line. A file that cannot be read at all is reported once and marked
in `Loaded.unreadable`; checks across files then do not run (its objects would all look
missing, burying the one real problem under cascaded ones).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from sharpeyes import paths as sharpeyes_paths
from sharpeyes.errors import DatasetInvalid
from sharpeyes.sot import models, schema
from sharpeyes.sot.dataset import (
    SECTIONS,
    SPEC_DIR,
    Dataset,
    Frozen,
    SotObject,
    canon_object,
    display_key,
    endpoint_of_file,
    object_problems,
)

M = TypeVar("M", bound=BaseModel)

log = logging.getLogger(__name__)

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~5x faster on big files


class StrictLoader(_Base):  # type: ignore[misc,valid-type]
    """A safe loader that refuses duplicate keys, non-string keys and non-JSON tags."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[str, yaml.Mark] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str):
                raise yaml.constructor.ConstructorError(
                    None, None, f"mapping key {key!r} is not a string", key_node.start_mark
                )
            if key in seen:
                first = seen[key].line + 1
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first on line {first})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark
        return dict(super().construct_mapping(node, deep=deep))


def _refuse_tag(loader: yaml.BaseLoader, node: yaml.Node) -> Any:
    raise yaml.constructor.ConstructorError(
        None, None, f"tag {node.tag} is not a dataset value (JSON types only)", node.start_mark
    )


for _tag in ("set", "binary", "omap", "pairs"):
    StrictLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse_tag)
_YAML = (".yml", ".yaml")
_DOCS = ("README.md",)
_NAMING = "name endpoint files <app>.<endpoint>[.<part>].yml"

NOUNS = {
    "dcim.devices": "device",
    "dcim.interfaces": "interface",
    "dcim.interface-templates": "interface template",
    "dcim.cables": "cable",
    "dcim.sites": "site",
    "dcim.locations": "location",
    "dcim.inventory-items": "inventory item",
    "ipam.ip-addresses": "ip",
    "ipam.prefixes": "prefix",
    "ipam.vlans": "vlan",
    "circuits.circuits": "circuit",
    "circuits.circuit-terminations": "circuit termination",
    "extras.config-contexts": "config context",
}


@dataclass(frozen=True)
class Item[M: BaseModel]:
    """One object as its typed model, with the file and label messages name."""

    file: str
    label: str  # "device qx-ps01-cam0001"
    model: M

    def at(self, field_name: str, message: str) -> str:
        return f"{self.file}: {self.label}: {field_name}: {message}"


@dataclass
class Loaded:
    """The dataset as read: canonical objects (what plan/apply write) and their typed models."""

    data_dir: Path
    dataset: Dataset = field(default_factory=Dataset)
    items: dict[str, list[Item[Any]]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # endpoint -> first file (for counts)
    unreadable: list[str] = field(default_factory=list)  # files not read at all (display paths)
    # endpoint -> objects whose typed model failed (reported; checks skip what they would cascade)
    rejected: Counter[str] = field(default_factory=Counter)

    def of(self, endpoint: str, _model: type[M]) -> list[Item[M]]:
        return self.items.get(endpoint, [])

    def file_of(self, endpoint: str) -> str:
        return self.files.get(endpoint, f"{self.data_dir.name}/estate/{endpoint}.yml")


@dataclass
class FileLoad:
    """One endpoint file read: its objects (with typed models where one exists) and problems."""

    path: Path
    file: str  # display path
    endpoint: str | None = None
    objects: list[tuple[SotObject, Item[Any] | None]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unreadable: bool = False  # nothing of the file could be read (encoding, syntax, shape)
    not_mappings: int = 0  # entries of `objects` that are no object at all (reported)


def label(endpoint: str, data: dict[str, Any]) -> str:
    """`device qx-ps01-cam0001`: the noun of the endpoint and the object's key."""
    noun = NOUNS.get(endpoint, endpoint.split(".", 1)[1].rstrip("s"))
    return f"{noun} {display_key(schema.REGISTRY[endpoint], data)}"


def display_path(path: Path, data_dir: Path) -> str:
    """`netbox/estate/x.yml`: the path relative to the data directory's parent."""
    try:
        return str(path.resolve().relative_to(data_dir.resolve().parent))
    except ValueError:
        return str(path)


# -- layout --------------------------------------------------------------------------------------


def _misplaced(rel: Path) -> str | None:
    """Why a file (relative to the dataset directory) is not allowed there, or None."""
    parts = rel.parts
    if parts[0] in SECTIONS:
        if len(parts) > 2:
            return f"not a dataset file: endpoint files live directly in {parts[0]}/"
        if rel.name in _DOCS:
            return None
        if rel.suffix == ".yaml":
            return f"not a dataset file: use the .yml extension ({_NAMING})"
        ep = endpoint_of_file(rel.name)
        if ep is None:
            return f"not a dataset file ({_NAMING})"
        if ep not in schema.REGISTRY:
            return f"unknown endpoint {ep!r} in the file name (endpoints: sharpeyes.sot.schema)"
        return None
    if rel.suffix not in _YAML:
        return None  # documentation, point-list samples
    if parts[0] == SPEC_DIR and len(parts) == 2 and rel.suffix == ".yml":
        return None
    where = " or ".join(f"{s}/" for s in SECTIONS)
    return f"YAML outside the dataset: endpoint files belong in {where}, the spec in {SPEC_DIR}/"


def layout(data_dir: Path) -> tuple[list[Path], list[str]]:
    """The endpoint files below `data_dir` (sorted) and a problem per misplaced file."""
    files: list[Path] = []
    problems: list[str] = []
    for path in sorted(data_dir.rglob("*")):
        rel = path.relative_to(data_dir)
        if any(p.startswith(".") for p in rel.parts) or not path.is_file():
            continue
        why = _misplaced(rel)
        if why is not None:
            problems.append(f"{display_path(path, data_dir)}: {why}")
        elif rel.parts[0] in SECTIONS and rel.name not in _DOCS:
            files.append(path)
    return files, problems


# -- files ---------------------------------------------------------------------------------------


def read_file(path: Path, data_dir: Path) -> FileLoad:
    """Parse one endpoint file: canonical objects, typed models, every problem of the file."""
    shown = display_path(path, data_dir)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return _unreadable(path, shown, f"cannot be read: {exc.strerror or exc}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _unreadable(path, shown, _encoding_problem(raw, exc))
    try:
        doc = yaml.load(text, Loader=StrictLoader)  # a safe loader
    except yaml.MarkedYAMLError as exc:
        return _unreadable(path, shown, _yaml_problem(exc))
    except yaml.YAMLError as exc:
        return _unreadable(path, shown, f"not valid YAML: {' '.join(str(exc).split())}")
    except RecursionError:
        return _unreadable(path, shown, "not valid YAML: nested too deeply")
    return read_doc(doc, path, data_dir)


def _unreadable(path: Path, shown: str, why: str) -> FileLoad:
    return FileLoad(path, shown, problems=[f"{shown}: {why}"], unreadable=True)


def _encoding_problem(raw: bytes, exc: UnicodeDecodeError) -> str:
    """`line 3, column 7: not UTF-8 (byte 0xc7 at offset 42); save the file as UTF-8`."""
    before = raw[: exc.start]
    line = before.count(b"\n") + 1
    column = len(before) - (before.rfind(b"\n") + 1) + 1
    return (
        f"line {line}, column {column}: not UTF-8 (byte 0x{raw[exc.start]:02x} at offset "
        f"{exc.start}); dataset files are UTF-8 (a GB18030 file must be converted)"
    )


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    """One line: where, what, and the construct it was in (PyYAML's message spans lines)."""
    mark = exc.problem_mark or exc.context_mark
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    what = " ".join((exc.problem or "").split()) or "syntax error"
    context = " ".join((exc.context or "").split())
    if context and exc.context_mark is not None and exc.context_mark is not mark:
        context += f" at line {exc.context_mark.line + 1}"
    return f"{where}not valid YAML: {what}" + (f" ({context})" if context else "")


def read_doc(doc: Any, path: Path, data_dir: Path) -> FileLoad:
    """Interpret the parsed content of endpoint file `path` (see `read_file`)."""
    out = FileLoad(path, display_path(path, data_dir))
    shown = out.file
    out.unreadable = True  # until the shape is right
    if not isinstance(doc, dict) or not isinstance(doc.get("objects", []), list):
        out.problems.append(f"{shown}: expected a mapping {{endpoint: ..., objects: [...]}}")
        return out
    ep_name = endpoint_of_file(path.name)
    if ep_name is None or ep_name not in schema.REGISTRY:
        out.problems.append(f"{shown}: not a dataset file ({_NAMING})")
        return out
    if doc.get("endpoint") != ep_name:
        out.problems.append(
            f"{shown}: 'endpoint: {doc.get('endpoint')}' does not match the file name ({ep_name})"
        )
        return out
    out.unreadable = False
    out.endpoint = ep_name
    ep = schema.REGISTRY[ep_name]
    model = models.MODELS.get(ep_name)
    for index, raw in enumerate(doc.get("objects") or []):
        if not isinstance(raw, dict):
            out.problems.append(f"{shown}: objects[{index}]: not a mapping")
            out.not_mappings += 1
            continue
        data = canon_object(ep, raw)
        name = label(ep_name, data)
        where = f"{shown}: {name}"
        found = object_problems(ep, data)
        out.problems += [f"{where}: {msg}" for _, msg in found]
        item: Item[Any] | None = None
        if model is not None:
            try:
                item = Item(shown, name, model.model_validate(data))
            except ValidationError as exc:
                named = {f for f, _ in found}  # one message per field: the first check's
                out.problems += [
                    f"{where}: {_loc(e)}: {_message(e)}"
                    for e in exc.errors()
                    if not e["loc"] or e["loc"][0] not in named
                ]
        out.objects.append((SotObject(ep_name, data, path, shown), item))
    return out


def _loc(err: Any) -> str:
    return ".".join(str(p) for p in err["loc"]) or "(object)"


def _message(err: Any) -> str:
    """pydantic's message, with the offending value when it is short and not shown."""
    msg = str(err["msg"]).removeprefix("Value error, ")
    value = err.get("input")
    if err["type"] in ("missing", "value_error", "assertion_error") or isinstance(
        value, dict | list
    ):
        return msg
    text = repr(value)
    return f"{msg}, got {text if len(text) <= 40 else text[:37] + '...'}"


def assemble(data_dir: Path, files: Iterable[FileLoad]) -> tuple[Loaded, list[str]]:
    """Merge read files (split files of one endpoint join); duplicate keys are problems."""
    ld = Loaded(data_dir)
    problems: list[str] = []
    first: dict[tuple[str, Frozen], str] = {}
    for fl in files:
        problems += fl.problems
        if fl.unreadable:
            ld.unreadable.append(fl.file)
        if fl.endpoint is None:
            continue
        name = fl.endpoint
        ld.rejected[name] += fl.not_mappings
        ld.dataset.files.setdefault(name, []).append(fl.path)
        ld.files.setdefault(name, fl.file)
        bucket = ld.dataset.objects.setdefault(name, [])
        for obj, item in fl.objects:
            k = (name, obj.key)
            if k in first:
                problems.append(
                    f"{fl.file}: {label(name, obj.data)}: duplicate {name} key "
                    f"(first in {first[k]})"
                )
                continue
            first[k] = fl.file
            bucket.append(obj)
            if item is not None:
                ld.items.setdefault(name, []).append(item)
            elif name in models.MODELS:
                ld.rejected[name] += 1
    return ld, problems


def _layout(data_dir: Path) -> tuple[list[Path], list[str]]:
    if not data_dir.is_dir():
        raise DatasetInvalid([f"{data_dir}: dataset directory not found"], what=str(data_dir))
    return layout(data_dir)


def collect(data_dir: Path) -> tuple[Loaded, list[str]]:
    """Read the dataset, returning every layout, file and schema problem instead of raising
    (`sot validate` goes on to check what could be read)."""
    paths, problems = _layout(data_dir)
    ld, more = assemble(data_dir, [read_file(p, data_dir) for p in paths])
    return ld, problems + more


def load(data_dir: Path) -> Loaded:
    """Read the dataset; a misplaced file (before any is read), or else any file or schema
    problem, raises DatasetInvalid naming every one."""
    paths, problems = _layout(data_dir)
    if problems:
        raise DatasetInvalid(problems, what=f"dataset {data_dir}")
    ld, problems = assemble(data_dir, [read_file(p, data_dir) for p in paths])
    if problems:
        raise DatasetInvalid(problems, what=f"dataset {data_dir}")
    return ld


# -- the parsed dataset, cached by content (plan/apply read it on every run) ---------------------

CACHE_KEEP = 4  # whole datasets kept; files: CACHE_KEEP times the files of one dataset
# The modules whose code shapes a Dataset: a change to any of them invalidates the cache.
_SHAPING = ("loader.py", "dataset.py", "models.py", "schema.py", "limits.py", "records.py")


def _digest(chunks: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:  # length-prefixed: no two different sequences hash the same stream
        digest.update(len(chunk).to_bytes(8, "big"))
        digest.update(chunk)
    return digest.hexdigest()[:32]


def _code_key() -> bytes:
    here = Path(__file__).parent
    return _digest(
        b for name in _SHAPING for b in (name.encode(), (here / name).read_bytes())
    ).encode()


def _cached(path: Path, kind: type[Any]) -> Any:
    try:
        with path.open("rb") as handle:
            value = pickle.load(handle)  # our own cache directory
        if isinstance(value, kind):
            os.utime(path)
            return value
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError) as exc:
        log.debug("no usable cache entry %s: %s", path, exc)
    return None


def _store(path: Path, value: Any, keep: int) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        tmp.replace(path)
        entries = sorted(path.parent.glob("*.pickle"), key=lambda p: p.stat().st_mtime)
        for stale in entries[:-keep]:
            stale.unlink(missing_ok=True)
    except OSError as exc:  # a read-only cache only costs the next run the parse
        log.debug("could not cache %s: %s", path, exc)


def load_dataset(data_dir: Path) -> Dataset:
    """`load(data_dir).dataset`, from pickles in the cache directory: the whole dataset when its
    files and the code that parses them are byte for byte those it was made from (~0.1 s instead
    of ~1.5 s of YAML and models), else each unchanged file from its own entry (an edit to one
    file parses that file only). Problems are never cached: a dataset that fails `load` raises."""
    found, problems = _layout(data_dir)
    if problems:
        raise DatasetInvalid(problems, what=f"dataset {data_dir}")
    code = _code_key()
    texts = {p: p.read_bytes() for p in found}
    keys = {p: _digest((code, str(p.resolve()).encode(), b)) for p, b in texts.items()}
    cache = sharpeyes_paths.cache_dir() / "dataset"
    whole = cache / f"{_digest(k.encode() for k in keys.values())}.pickle"
    ds = _cached(whole, Dataset)
    if ds is not None:
        return ds  # type: ignore[no-any-return]
    files = []
    for p in found:
        entry = cache / "files" / f"{keys[p]}.pickle"
        fl = _cached(entry, FileLoad)
        if fl is None:
            fl = read_file(p, data_dir)
            if not fl.problems and not fl.unreadable:
                _store(entry, fl, CACHE_KEEP * len(found))
        files.append(fl)
    ld, problems = assemble(data_dir, files)
    if problems:
        raise DatasetInvalid(problems, what=f"dataset {data_dir}")
    _store(whole, ld.dataset, CACHE_KEEP)
    return ld.dataset
