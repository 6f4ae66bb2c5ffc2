"""The repo's NetBox dataset format: canonical objects, references, the canonical dump.

File format: `{endpoint: dcim.sites, objects: [...]}`; file name `<app>.<endpoint>.yml` or
`<app>.<endpoint>.<part>.yml` directly in one of the `SECTIONS`; objects use NetBox REST write
field names, references by natural key (see `schema`). Reading goes through
`sharpeyes.sot.loader` (the one reader). `dump_file` writes the canonical form (objects sorted
by natural key, keys in schema order, `---` start, indented sequences) that `export` also
writes, so a round trip is byte-identical. `iter_refs` is the one walk over an object's
references.
"""

from __future__ import annotations

import datetime as dt
import decimal
import logging
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sharpeyes.sot import limits, schema
from sharpeyes.sot.schema import REQUIRED, Endpoint, Kind

log = logging.getLogger(__name__)

Frozen = Any  # hashable image of a repo-form value (tuples, strings, numbers, None)

SECTIONS = ("custom", "estate")  # the dataset's folders: endpoint files only
SPEC_DIR = "spec"  # the generator's spec (`sharpeyes.sot.spec`), YAML that is not data

_DIGITS = re.compile(r"\d+")
_FILE_RE = re.compile(r"^(?P<ep>[a-z]+\.[a-z0-9-]+)(?:\.(?P<part>[^/]+))?\.yml$")


def endpoint_of_file(name: str) -> str | None:
    """`dcim.devices` for `dcim.devices.yml` / `dcim.devices.qx-ps01.yml`, else None."""
    m = _FILE_RE.match(name)
    return m.group("ep") if m else None


def freeze(value: Any) -> Frozen:
    """A hashable, order-insensitive-for-mappings image of a repo-form value."""
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    if isinstance(value, set | frozenset):  # not from the loader (it refuses !!set)
        return tuple(sorted((freeze(v) for v in value), key=repr))
    return value


def _sort_token(value: Frozen) -> str:
    """Natural order: digit runs compare as numbers (cam0010 after cam0009, IP octets)."""
    return _DIGITS.sub(lambda m: m.group().zfill(12), repr(value))


def ref_form(target: str, value: Any) -> Any:
    """Canonical repo form of a reference to `target`: scalar key, or mapping without nulls."""
    ep = schema.REGISTRY.get(target)
    if ep is None or not isinstance(value, Mapping):
        return value
    out: dict[str, Any] = {}
    for k in ep.key:
        v = value.get(k)
        if v is None:
            continue
        f = ep.field_map[k]
        out[k] = ref_form(f.target, v) if f.kind is Kind.REF and f.target else v
    for k, v in value.items():  # keep unknown parts so validation can name them
        if k not in out and v is not None and k not in ep.key:
            out[k] = v
    return out


def term_key(term: Mapping[str, Any]) -> tuple[str, Any]:
    """(target endpoint, target key) of a cable termination in repo form."""
    if "circuit" in term:
        return "circuits.circuit-terminations", {
            "circuit": ref_form("circuits.circuits", term["circuit"]),
            "term_side": term.get("term_side"),
        }
    for name, (_, target) in schema.CABLE_TERMINATIONS.items():
        if name in term:
            return target, {"device": term.get("device"), "name": term[name]}
    raise ValueError(f"unknown cable termination form {dict(term)!r}")


def _terms_sorted(terms: list[Any]) -> list[Any]:
    return sorted(terms, key=lambda t: _sort_token(freeze(t)))


def _as_list(value: Any) -> list[Any]:
    """A list value as is; anything else (a malformed value `validate_object` names) as one item."""
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def key_of(ep: Endpoint, data: Mapping[str, Any]) -> Frozen:
    """The natural key (hashable) of an object in repo form."""
    if ep.name == "dcim.cables":
        sides = sorted(
            (
                freeze(_terms_sorted(_as_list(data.get("a_terminations")))),
                freeze(_terms_sorted(_as_list(data.get("b_terminations")))),
            ),
            key=_sort_token,
        )
        return tuple(sides)
    if len(ep.key) == 1:
        return freeze(data.get(ep.key[0]))
    return freeze({k: data[k] for k in ep.key if data.get(k) is not None})


def ref_key(target: str, value: Any) -> Frozen:
    """Hashable key of a reference value (same image as `key_of` of the target object)."""
    return freeze(ref_form(target, value))


def display(value: Any) -> str:
    """Short human form of a key or reference: leaves joined by ':'."""
    if isinstance(value, Mapping):
        return ":".join(display(v) for v in value.values() if v is not None)
    if isinstance(value, list | tuple):
        return ",".join(display(v) for v in value)
    return str(value)


def display_key(ep: Endpoint, data: Mapping[str, Any]) -> str:
    if ep.name == "dcim.cables":
        a = ",".join(display(t) for t in _as_list(data.get("a_terminations")))
        b = ",".join(display(t) for t in _as_list(data.get("b_terminations")))
        return f"{a} <> {b}"
    return display({k: data.get(k) for k in ep.key})


@dataclass
class SotObject:
    """One object of the dataset, in canonical repo form."""

    endpoint: str
    data: dict[str, Any]
    source: Path | None = None
    file: str = ""  # display path for messages (netbox/estate/dcim.devices.yml)
    _key: Frozen = field(default=None, repr=False, compare=False)

    @property
    def spec(self) -> Endpoint:
        return schema.REGISTRY[self.endpoint]

    @property
    def key(self) -> Frozen:
        if self._key is None:
            self._key = key_of(self.spec, self.data)
        return self._key

    @property
    def label(self) -> str:
        return display_key(self.spec, self.data)


@dataclass
class Dataset:
    """Objects per endpoint (dependency order) and the files each endpoint came from."""

    objects: dict[str, list[SotObject]] = field(default_factory=dict)
    files: dict[str, list[Path]] = field(default_factory=dict)

    @property
    def endpoints(self) -> list[str]:
        return sorted(self.objects, key=schema.ORDER.__getitem__)

    def count(self) -> int:
        return sum(len(v) for v in self.objects.values())


# -- normalisation -------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def canon_value(f: schema.Field, value: Any) -> Any:
    """Canonical repo form of one field value."""
    value = _plain(value)
    if value is None:
        return None
    match f.kind:
        case Kind.REF:
            return ref_form(f.target or "", value)
        case Kind.REFS if isinstance(value, list):
            items = [ref_form(f.target or "", v) for v in value or []]
            return sorted(items, key=lambda v: _sort_token(freeze(v)))
        case Kind.SET if isinstance(value, list):
            return sorted(value, key=str)
        case Kind.TERMS if isinstance(value, list):
            return _terms_sorted([dict(t) if isinstance(t, Mapping) else t for t in value])
        case _:
            return value


def generic_target(f: schema.Field, data: Mapping[str, Any]) -> str | None:
    """Endpoint a GENERIC field of `data` points to (from its type field or the implied type)."""
    otype = data.get(f.type_field or "") or f.implied_type
    return f.types.get(otype) if isinstance(otype, str) else None


@dataclass(frozen=True)
class Ref:
    """One reference of an object: through `field` to the `target` object keyed by `value`."""

    field: schema.Field
    target: str  # endpoint name
    value: Any  # repo form; `ref_key(target, value)` is the target object's key


def _term_ref(f: schema.Field, term: Any) -> Ref | None:
    if not isinstance(term, Mapping):
        return None
    try:
        target, key = term_key(term)
    except (ValueError, TypeError):
        return None
    return Ref(f, target, key)


def field_refs(f: schema.Field, value: Any, data: Mapping[str, Any]) -> list[Ref]:
    """The references one field value makes; malformed values make none (`validate_object`
    names them)."""
    if value is None:
        return []
    match f.kind:
        case Kind.REF if f.target:
            return [Ref(f, f.target, value)]
        case Kind.REFS if f.target and isinstance(value, list):
            return [Ref(f, f.target, v) for v in value]
        case Kind.GENERIC:
            target = generic_target(f, data)
            return [Ref(f, target, value)] if target else []
        case Kind.TERMS if isinstance(value, list):
            return [r for r in (_term_ref(f, t) for t in value) if r is not None]
        case _:
            return []


def iter_refs(ep: Endpoint, data: Mapping[str, Any]) -> Iterator[Ref]:
    """Every reference of an object in repo form, field by field in schema order."""
    for f in ep.fields:
        yield from field_refs(f, data.get(f.name), data)


def canon_object(ep: Endpoint, data: Mapping[str, Any]) -> dict[str, Any]:
    """Fields in schema order (unknown ones last, sorted), values canonical."""
    out: dict[str, Any] = {}
    for f in ep.fields:
        if f.kind is Kind.GENERIC and f.type_field and f.type_field in data:
            out[f.type_field] = data[f.type_field]
        if f.name not in data:
            continue
        if f.kind is Kind.GENERIC:
            value = _plain(data[f.name])
            target = generic_target(f, data)
            out[f.name] = ref_form(target, value) if target and value is not None else value
        else:
            out[f.name] = canon_value(f, data[f.name])
    for k in sorted(set(data) - set(out), key=str):
        out[k] = _plain(data[k])
    return out


def default_of(f: schema.Field) -> Any:
    return REQUIRED if f.default is REQUIRED else f.default


def validate_object(ep: Endpoint, data: Mapping[str, Any], where: str) -> list[str]:
    """Problems of one object: unknown fields, missing required fields, bad reference forms,
    values NetBox would refuse (`sharpeyes.sot.limits`)."""
    return [f"{where}: {msg}" for _, msg in object_problems(ep, data)]


def object_problems(ep: Endpoint, data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for every problem `validate_object` reports."""
    problems: list[tuple[str, str]] = []
    fmap = ep.field_map
    generic_types = {f.type_field for f in ep.fields if f.kind is Kind.GENERIC}
    # a component created from a device-type template takes its required fields from it
    template_fields = set(schema.REGISTRY[ep.template].field_map) if ep.template else set()
    for k in data:
        if k not in fmap and k not in generic_types:
            problems.append((str(k), f"unknown field {k!r} for {ep.name}"))
    for f in ep.fields:
        v = data.get(f.name)
        if f.default is REQUIRED and v is None and f.name not in template_fields:
            problems.append((f.name, f"missing required field {f.name!r}"))
        if v is None:
            continue
        if f.kind is Kind.REFS and not isinstance(v, list):
            problems.append((f.name, f"field {f.name!r} must be a list"))
        elif f.kind is Kind.TERMS:
            if not isinstance(v, list) or not v:
                problems.append((f.name, f"field {f.name!r} must be a non-empty list"))
            else:
                for t in v:
                    if _term_ref(f, t) is None:
                        problems.append((f.name, f"field {f.name!r}: bad termination {t!r}"))
        elif f.kind is Kind.GENERIC and generic_target(f, data) is None:
            problems.append(
                (f.type_field or f.name, f"field {f.type_field!r} must be one of {sorted(f.types)}")
            )
        elif f.kind is Kind.CUSTOM and not isinstance(v, Mapping):
            problems.append((f.name, "field 'custom_fields' must be a mapping"))
        problems += [(f.name, f"{f.name}: {msg}") for msg in _limit_problems(ep.name, f, v)]
        for ref in field_refs(f, v, data):
            problems += [
                (f.name, p) for p in _check_ref(ref.target, ref.value, f"field {f.name!r}")
            ]
    return problems


def _limit_problems(endpoint: str, f: schema.Field, value: Any) -> list[str]:
    """What NetBox would refuse in one value: over-long or non-text strings, NUL characters,
    decimals beyond their digits or range (`sharpeyes.sot.limits`)."""
    most = limits.MAX_LENGTH.get(endpoint, {}).get(f.name)
    if most is not None:
        if not isinstance(value, str):
            return [f"expected text, got {type(value).__name__} {_short(value)}"]
        if "\x00" in value:
            return ["contains a NUL character (NetBox's database refuses it)"]
        if len(value) > most:
            return [
                f"{len(value)} characters, NetBox {limits.NETBOX_VERSION} stores at most {most}"
            ]
        return []
    digits = limits.DECIMALS.get(endpoint, {}).get(f.name)
    if digits is None:
        return []
    if isinstance(value, bool) or not isinstance(value, int | float):
        return [f"expected a number, got {type(value).__name__} {_short(value)}"]
    if not math.isfinite(value):
        return [f"expected a finite number, got {value}"]
    low_high = limits.RANGES.get((endpoint, f.name))
    if low_high is not None and not low_high[0] <= value <= low_high[1]:
        return [f"{value} is outside {low_high[0]:g}..{low_high[1]:g}"]
    max_digits, places = digits
    if abs(value) >= 10 ** (max_digits - places):
        return [f"{value} has more than {max_digits - places} digits before the point"]
    exp = decimal.Decimal(str(value)).as_tuple().exponent
    if isinstance(exp, int) and -exp > places:
        return [f"{value} has more than {places} decimal places"]
    return []


def _short(value: Any, width: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _check_ref(target: str, value: Any, where: str) -> list[str]:
    ep = schema.REGISTRY.get(target)
    if ep is None:
        return []
    if len(ep.key) == 1:
        if isinstance(value, Mapping | list):
            return [f"{where}: a {target} reference is its {ep.key[0]} (a scalar), got {value!r}"]
        return []
    if not isinstance(value, Mapping):
        keys = ", ".join(ep.key)
        return [f"{where}: a {target} reference is a mapping {{{keys}}}, got {value!r}"]
    extra = set(value) - set(ep.key)
    if extra:
        return [f"{where}: unknown key(s) {sorted(extra)} in a {target} reference"]
    return []


class _Dumper(yaml.SafeDumper):
    """Block style, indented sequences (yamllint default), no aliases."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str_representer(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str_representer)


def sort_objects(ep: Endpoint, objects: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    canon = [canon_object(ep, o) for o in objects]
    if ep.name == "dcim.cables":  # as written: A side first, then B
        return sorted(
            canon,
            key=lambda o: _sort_token(
                (freeze(o.get("a_terminations")), freeze(o.get("b_terminations")))
            ),
        )
    return sorted(canon, key=lambda o: _sort_token(key_of(ep, o)))


def dumps(endpoint: str, objects: Iterable[Mapping[str, Any]]) -> str:
    """The canonical text of an endpoint file."""
    ep = schema.REGISTRY[endpoint]
    doc = {"endpoint": endpoint, "objects": sort_objects(ep, objects)}
    return yaml.dump(
        doc,
        Dumper=_Dumper,
        explicit_start=True,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=10_000,
    )


def dump_file(path: Path, endpoint: str, objects: Iterable[Mapping[str, Any]]) -> bool:
    """Write `objects` canonically to `path`; returns True when the file content changed."""
    text = dumps(endpoint, objects)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True
