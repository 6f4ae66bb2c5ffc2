"""Read and write the dataset's YAML files while remembering where each object came from.

Format (the dataset contract): one file per NetBox endpoint, `<app>.<endpoint>[.<part>].yml`,
holding `{endpoint: <app>.<endpoint>, objects: [...]}`. Validation needs every object's file
for its messages, so this reader keeps (file, index, object) together.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SECTIONS = ("custom", "estate")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Record:
    endpoint: str
    file: str  # display path, e.g. netbox/estate/dcim.devices.yml
    index: int
    obj: dict[str, Any]


@dataclass(frozen=True)
class FileProblem:
    file: str
    message: str


class _Dumper(yaml.SafeDumper):
    """Block style with indented sequences (yamllint's default) and no aliases."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        return True


class Flow(dict[str, Any]):
    """A mapping written on one line (references such as `{device: x, name: eth0}`)."""


class FlowList(list[Any]):
    """A sequence written on one line (`tags: [sharpeyes-managed]`)."""


def natural_key(text: str) -> tuple[tuple[int, str], ...]:
    """Sort key under which `GE0/0/2` < `GE0/0/10`."""
    return tuple(
        (1, f"{int(part):012d}") if part.isdigit() else (0, part)
        for part in re.split(r"(\d+)", text)
    )


def _flow_list(dumper: yaml.SafeDumper, data: FlowList) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


def _flow(dumper: yaml.SafeDumper, data: Flow) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)


def _plain_dict(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=False)


_Dumper.add_representer(Flow, _flow)
_Dumper.add_representer(FlowList, _flow_list)
_Dumper.add_representer(dict, _plain_dict)


def dump_text(endpoint: str, objects: Iterable[Mapping[str, Any]]) -> str:
    """The file text for an endpoint; keys keep their insertion order."""
    body = {"endpoint": endpoint, "objects": list(objects)}
    return "---\n" + yaml.dump(
        body,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=110,
    )


def display_path(path: Path, data_dir: Path) -> str:
    """`netbox/estate/x.yml`: the path relative to the data directory's parent."""
    try:
        return str(path.resolve().relative_to(data_dir.resolve().parent))
    except ValueError:
        return str(path)


def dataset_files(data_dir: Path) -> list[Path]:
    return sorted(p for section in SECTIONS for p in (data_dir / section).glob("*.yml"))


def load_records(data_dir: Path) -> tuple[dict[str, list[Record]], list[FileProblem]]:
    """All objects of `custom/` and `estate/`, grouped by endpoint, with file problems."""
    records: dict[str, list[Record]] = {}
    problems: list[FileProblem] = []
    for path in dataset_files(data_dir):
        shown = display_path(path, data_dir)
        try:
            raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
        except yaml.YAMLError as exc:
            problems.append(FileProblem(shown, f"not valid YAML: {exc}"))
            continue
        if not isinstance(raw, dict) or not isinstance(raw.get("endpoint"), str):
            problems.append(FileProblem(shown, "expected a mapping with `endpoint` and `objects`"))
            continue
        endpoint = raw["endpoint"]
        if not path.name.startswith(endpoint + "."):
            problems.append(FileProblem(shown, f"endpoint {endpoint!r} does not match file name"))
        objects = raw.get("objects") or []
        if not isinstance(objects, list):
            problems.append(FileProblem(shown, "`objects` must be a list"))
            continue
        bucket = records.setdefault(endpoint, [])
        for index, obj in enumerate(objects):
            if not isinstance(obj, dict):
                problems.append(FileProblem(shown, f"objects[{index}]: expected a mapping"))
                continue
            bucket.append(Record(endpoint, shown, index, obj))
    return records, problems
