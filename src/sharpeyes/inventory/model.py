"""The normalised inventory: hosts with their own variables, groups with members, children and
variables, built from `ansible-inventory --list [--export]` JSON.

Normalised means: strings unwrapped from Ansible's `{"__ansible_unsafe": ...}` (kept as `Unsafe`
only where they look like a template, so a snapshot stays literal), volatile keys dropped (facts),
`ungrouped` dropped when empty, lists of names sorted; `canonical()` is sorted-key JSON, so equal
inventories have equal text and hash. `resolved_vars` merges group and host variables exactly as
Ansible does (group depth, `ansible_group_priority`, name; host last), which is what pyinfra gets.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sharpeyes.errors import InputError

ALL = "all"
UNGROUPED = "ungrouped"
# Host variables that describe a run, not NetBox: facts a fact cache or `--list` may add.
VOLATILE_HOST_VARS = frozenset({"ansible_facts", "ansible_local"})
_UNSAFE_KEY = "__ansible_unsafe"
_TEMPLATE_MARKS = ("{{", "{%", "{#")


class Unsafe(str):
    """A string Ansible must never template (NetBox data that looks like Jinja)."""

    __slots__ = ()


def _plain(value: Any) -> Any:
    """`value` with Ansible's unsafe wrappers removed (recursively)."""
    if isinstance(value, dict):
        if value.keys() == {_UNSAFE_KEY}:
            text = str(value[_UNSAFE_KEY])
            return Unsafe(text) if any(m in text for m in _TEMPLATE_MARKS) else text
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class Group:
    hosts: tuple[str, ...] = ()  # direct members
    children: tuple[str, ...] = ()
    vars: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Inventory:
    """Hosts (name -> own variables) and groups (name -> Group), `all` included."""

    hosts: Mapping[str, Mapping[str, Any]]
    groups: Mapping[str, Group]

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def from_ansible(cls, data: Mapping[str, Any]) -> Inventory:
        """From `ansible-inventory --list [--export]` JSON (already parsed)."""
        if not isinstance(data, Mapping) or ALL not in data:
            raise InputError("ansible-inventory output has no 'all' group: not an inventory")
        meta = data.get("_meta", {}) or {}
        hostvars: dict[str, Any] = meta.get("hostvars", {}) or {}
        groups: dict[str, Group] = {}
        names: set[str] = set(hostvars)
        for name, body in data.items():
            if name == "_meta":
                continue
            entry = body or {}
            members = tuple(sorted(str(h) for h in entry.get("hosts", []) or []))
            names.update(members)
            groups[str(name)] = Group(
                hosts=members,
                children=tuple(sorted(str(c) for c in entry.get("children", []) or [])),
                vars=_plain(entry.get("vars", {}) or {}),
            )
        hosts = {
            name: {
                k: v
                for k, v in _plain(hostvars.get(name, {}) or {}).items()
                if k not in VOLATILE_HOST_VARS
            }
            for name in sorted(names)
        }
        return cls(hosts=hosts, groups=_tidy(groups))

    # -- views ----------------------------------------------------------------------------------
    def as_dict(self) -> dict[str, Any]:
        return {
            "hosts": {h: dict(v) for h, v in sorted(self.hosts.items())},
            "groups": {
                name: {"hosts": list(g.hosts), "children": list(g.children), "vars": dict(g.vars)}
                for name, g in sorted(self.groups.items())
            },
        }

    def canonical(self) -> str:
        """Sorted-key JSON: equal inventories give equal text."""
        return json.dumps(self.as_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    def digest(self) -> str:
        return hashlib.sha256(self.canonical().encode()).hexdigest()

    def members(self, group: str) -> list[str]:
        """Hosts in `group` or any group below it (Ansible's `groups[group]`)."""
        seen: set[str] = set()
        out: set[str] = set()
        stack = [group]
        while stack:
            name = stack.pop()
            if name in seen or name not in self.groups:
                continue
            seen.add(name)
            out.update(self.groups[name].hosts)
            stack.extend(self.groups[name].children)
        if group == ALL:
            out.update(self.hosts)
        return sorted(out)

    def host_groups(self, host: str) -> list[str]:
        """Every group `host` belongs to, directly or through a child group (`all` excluded)."""
        return sorted(g for g in self.groups if g != ALL and host in self.members(g))

    def depths(self) -> dict[str, int]:
        """Ansible's group depth: `all` is 0, a child one more than its deepest parent."""
        depth: dict[str, int] = {ALL: 0}
        changed = True
        while changed:
            changed = False
            for name, group in self.groups.items():
                if name not in depth:
                    continue
                for child in group.children:
                    if depth.get(child, -1) < depth[name] + 1:
                        depth[child] = depth[name] + 1
                        changed = True
        return depth

    def resolved_vars(self, host: str) -> dict[str, Any]:
        """`host`'s variables as a play sees them: group variables by (depth, priority, name),
        each replacing the last at the top level (Ansible's default `hash_behaviour`), then the
        host's own."""
        depth = self.depths()
        mine = [ALL, *self.host_groups(host)]

        def order(name: str) -> tuple[int, int, str]:
            priority = self.groups[name].vars.get("ansible_group_priority", 1)
            return (depth.get(name, 1), int(priority), name)

        merged: dict[str, Any] = {}
        for name in sorted(mine, key=order):
            merged.update(self.groups[name].vars)
        merged.update(self.hosts[host])
        return merged

    # -- filters --------------------------------------------------------------------------------
    def select(
        self,
        *,
        site: str | None = None,
        role: str | None = None,
        names: Iterable[str] = (),
    ) -> Inventory:
        """The hosts matching every filter given: NetBox site slug, role slug, and names (exact
        or glob, any of them); groups keep only those hosts. No match is an error (never an
        empty run)."""
        patterns = list(names)
        chosen = []
        for host in self.hosts:
            resolved = self.resolved_vars(host)
            if site is not None and resolved.get("site") != site:
                continue
            if role is not None and resolved.get("role") != role:
                continue
            if patterns and not any(fnmatch.fnmatchcase(host, p) for p in patterns):
                continue
            chosen.append(host)
        if not chosen:
            wanted = [f"site={site}" if site else "", f"role={role}" if role else ""]
            wanted += [f"name={p}" for p in patterns]
            raise InputError(
                f"no host in the inventory matches {' '.join(w for w in wanted if w)}",
                hint=f"{len(self.hosts)} hosts known; site and role are NetBox slugs",
            )
        keep = set(chosen)
        groups = {
            name: Group(tuple(h for h in g.hosts if h in keep), g.children, g.vars)
            for name, g in self.groups.items()
        }
        return Inventory({h: self.hosts[h] for h in chosen}, _tidy(groups, prune=True))


def _tidy(groups: dict[str, Group], *, prune: bool = False) -> dict[str, Group]:
    """Drop an empty `ungrouped` (and with `prune` every group without members), keep `all`."""
    groups = dict(groups)
    groups.setdefault(ALL, Group())
    empty = {n for n in groups if n == UNGROUPED or prune}
    probe = Inventory({}, groups)
    for name in sorted(empty):
        if name != ALL and not probe.members(name):
            del groups[name]
    return {
        name: Group(g.hosts, tuple(c for c in g.children if c in groups), g.vars)
        for name, g in sorted(groups.items())
    }


# -- differences ------------------------------------------------------------------------------
def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def diff(old: Inventory, new: Inventory) -> list[str]:
    """Human-readable differences from `old` to `new`, one per line, sorted; [] when equal."""
    lines: list[str] = []
    for host in sorted(set(old.hosts) - set(new.hosts)):
        lines.append(f"- host {host}")
    for host in sorted(set(new.hosts) - set(old.hosts)):
        lines.append(f"+ host {host}")
    for host in sorted(set(old.hosts) & set(new.hosts)):
        lines.extend(_vars_diff(f"host {host}", old.hosts[host], new.hosts[host]))
    for name in sorted(set(old.groups) - set(new.groups)):
        lines.append(f"- group {name}")
    for name in sorted(set(new.groups) - set(old.groups)):
        lines.append(f"+ group {name} ({len(new.members(name))} hosts)")
    for name in sorted(set(old.groups) & set(new.groups)):
        a, b = old.groups[name], new.groups[name]
        gone = sorted(set(a.hosts) - set(b.hosts))
        came = sorted(set(b.hosts) - set(a.hosts))
        if gone or came:
            lines.append(
                f"~ group {name}: hosts"
                + (f" +{','.join(came)}" if came else "")
                + (f" -{','.join(gone)}" if gone else "")
            )
        if a.children != b.children and name != ALL:  # all's: the +/- group lines say it
            lines.append(f"~ group {name}: children {list(a.children)} -> {list(b.children)}")
        lines.extend(_vars_diff(f"group {name}", a.vars, b.vars))
    return lines


def _vars_diff(what: str, a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    out = []
    for key in sorted(set(a) | set(b)):
        if key not in b:
            out.append(f"~ {what}: -{key}")
        elif key not in a:
            out.append(f"~ {what}: +{key} = {_short(b[key])}")
        elif a[key] != b[key]:
            out.append(f"~ {what}: {key} {_short(a[key])} -> {_short(b[key])}")
    return out
