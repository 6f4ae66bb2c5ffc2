"""Offline inventories: a YAML inventory Ansible reads unchanged (`ansible-playbook -i FILE`),
under a comment header naming its NetBox, the NetBox version, the sources, the time and the
SHA-256 of the body (everything after the header).

The body is the normalised inventory as Ansible's YAML inventory format (all/children/hosts/
vars): each group is defined once, under its first parent in name order, and only named under
the others; each host's own variables are written where it first appears. NetBox strings that
look like templates are written `!unsafe`, as Ansible held them. A snapshot whose body does not
match its hash (hand-edited, truncated) is refused; `check` compares it with the live inventory.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from sharpeyes.errors import InputError
from sharpeyes.inventory import source
from sharpeyes.inventory.model import ALL, Inventory, Unsafe, diff
from sharpeyes.paths import repo_root

MAGIC = "# sharpeyes inventory snapshot: an Ansible YAML inventory (ansible-playbook -i FILE)"
FIELDS = ("netbox-url", "netbox-version", "sources", "created", "sha256")
_FIELD_RE = re.compile(r"^# ([a-z0-9-]+): (.*)$")


@dataclass(frozen=True)
class Header:
    netbox_url: str
    netbox_version: str
    sources: tuple[str, ...]
    created: str
    sha256: str


class _Dumper(yaml.SafeDumper):
    """Block-style YAML, sequences indented (yamllint's default); `Unsafe` strings `!unsafe`."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)


def _unsafe_representer(dumper: yaml.SafeDumper, data: Unsafe) -> yaml.Node:
    return dumper.represent_scalar("!unsafe", str(data))


_Dumper.add_representer(Unsafe, _unsafe_representer)


class _Loader(yaml.SafeLoader):
    """Reads `!unsafe` back as `Unsafe`."""


def _unsafe_constructor(loader: yaml.SafeLoader, node: yaml.Node) -> Unsafe:
    return Unsafe(loader.construct_scalar(node))  # type: ignore[arg-type]


_Loader.add_constructor("!unsafe", _unsafe_constructor)


def body(inventory: Inventory) -> str:
    """The YAML inventory text of `inventory` (deterministic)."""
    written_groups: set[str] = set()
    written_hosts: set[str] = set()

    def group_node(name: str) -> dict[str, Any]:
        written_groups.add(name)
        group = inventory.groups[name]
        node: dict[str, Any] = {}
        if group.hosts:
            hosts: dict[str, Any] = {}
            for host in group.hosts:
                own = dict(inventory.hosts.get(host, {}))
                hosts[host] = own if host not in written_hosts and own else None
                written_hosts.add(host)
            node["hosts"] = hosts
        if group.vars:
            node["vars"] = dict(group.vars)
        if group.children:
            node["children"] = {
                child: (group_node(child) if child not in written_groups else None)
                for child in group.children
                if child in inventory.groups
            }
        return node

    root = group_node(ALL)
    orphans = sorted(set(inventory.hosts) - written_hosts)  # hosts in no group at all
    if orphans:
        root.setdefault("hosts", {}).update({h: dict(inventory.hosts[h]) or None for h in orphans})
    return dump({ALL: root})


def dump(data: Any) -> str:
    """YAML as the repo writes it: block style, keys sorted, sequences indented."""
    text: str = yaml.dump(
        data, Dumper=_Dumper, sort_keys=True, allow_unicode=True, default_flow_style=False
    )
    return text


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def render(loaded: source.Loaded, *, now: datetime | None = None) -> str:
    """The whole snapshot file: header + body."""
    text = body(loaded.inventory)
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    root = repo_root()
    names = [
        str(p.resolve().relative_to(root)) if p.resolve().is_relative_to(root) else str(p)
        for p in loaded.sources
    ]
    header = [
        MAGIC,
        f"# netbox-url: {loaded.netbox_url or '-'}",
        f"# netbox-version: {loaded.netbox_version or '-'}",
        f"# sources: {' '.join(names)}",
        f"# created: {stamp}",
        f"# sha256: {digest(text)}",
    ]
    return "\n".join(header) + "\n" + text


def read(path: Path) -> tuple[Header, str]:
    """Header and body of the snapshot at `path`; InputError (exit 3) when it is not one or its
    body does not match the recorded hash."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the snapshot: {exc.strerror or exc}") from exc
    lines = text.split("\n")
    if not lines or lines[0] != MAGIC:
        raise InputError(
            f"{path}: not a sharpeyes inventory snapshot (first line must be {MAGIC!r})",
            hint="write one with `sharpeyes inventory snapshot -o FILE`",
        )
    fields: dict[str, str] = {}
    for number, line in enumerate(lines[1 : 1 + len(FIELDS)], start=2):
        match = _FIELD_RE.match(line)
        if not match or match.group(1) != FIELDS[number - 2]:
            raise InputError(
                f"{path}, line {number}: expected header field {FIELDS[number - 2]!r}, "
                f"found {line!r}"
            )
        fields[match.group(1)] = match.group(2).strip()
    rest = "\n".join(lines[1 + len(FIELDS) :])
    actual = digest(rest)
    if actual != fields["sha256"]:
        raise InputError(
            f"{path}: the body does not match its sha256 (recorded {fields['sha256'][:12]}…, "
            f"actual {actual[:12]}…): hand-edited or damaged; snapshot refused",
            hint="take a new snapshot (sharpeyes inventory snapshot) instead of editing one",
        )
    try:
        yaml.load(rest, Loader=_Loader)  # a SafeLoader that knows !unsafe
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: the body is not valid YAML: {exc}") from exc
    header = Header(
        netbox_url=fields["netbox-url"],
        netbox_version=fields["netbox-version"],
        sources=tuple(fields["sources"].split()),
        created=fields["created"],
        sha256=fields["sha256"],
    )
    return header, rest


def load(path: Path) -> Inventory:
    """A verified snapshot as Ansible reads it (through ansible-inventory, like any source)."""
    return load_sources([path]).inventory


def is_snapshot(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as fh:
            return fh.readline().rstrip("\n") == MAGIC
    except (OSError, UnicodeDecodeError):
        return False


def load_sources(sources: Sequence[Path] | None = None, *, live: bool = False) -> source.Loaded:
    """`source.load`, after verifying every snapshot among `sources` (a damaged one: exit 3)."""
    for path in sources or ():
        if is_snapshot(Path(path)):
            read(Path(path))
    return source.load(sources, live=live)


@dataclass(frozen=True)
class Check:
    header: Header
    live: source.Loaded
    differences: list[str]


def check(path: Path, sources: Sequence[Path] | None = None) -> Check:
    """Compare the snapshot at `path` with the live inventory of `sources` (default: the sources
    its header names, relative to the repo). Refuses a damaged snapshot before contacting
    NetBox."""
    header, _ = read(path)
    offline = source.load([path]).inventory  # verified just above
    if sources is None:
        root = repo_root()
        sources = [p if (p := Path(s)).is_absolute() else root / p for s in header.sources]
    live = source.load(sources, live=True)
    return Check(header, live, diff(offline, live.inventory))
