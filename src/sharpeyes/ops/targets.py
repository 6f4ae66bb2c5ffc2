"""Which hosts a day-2 command runs on, and how pyinfra reaches them.

Hosts and their variables come from the Ansible inventory (NetBox, plus the lab's SSH layer or a
snapshot) through `sharpeyes.inventory` (the one reader, also behind `inventory snapshot`), so
pyinfra and Ansible see the same hosts. `select` applies the CLI's NetBox filters (site,
role, name) and keeps servers only: switches (`ansible_network_os`) are not pyinfra targets.
`pyinfra_data` is the adapter's mapping of Ansible's connection variables to pyinfra's.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sharpeyes.errors import InputError
from sharpeyes.inventory import source
from sharpeyes.inventory.pyinfra import connection_data
from sharpeyes.ops.day2 import Target
from sharpeyes.paths import repo_root
from sharpeyes.vocab import SWITCH_ROLE


def default_sources() -> list[Path]:
    """NetBox, plus the lab's SSH layer while the lab has written one (`lab up hosts`)."""
    root = repo_root() / "inventory"
    sources = [root / "netbox.yml"]
    if (root / "lab" / "lab.yml").is_file():
        sources.append(root / "lab")
    return sources


def load_hostvars(sources: Sequence[Path]) -> dict[str, dict[str, Any]]:
    """Every host's resolved variables for `sources`, through the one inventory reader
    (`sharpeyes.inventory.source`): NetBox down or a token rejected is exit 4, never an empty
    inventory."""
    inventory = source.load(sources).inventory
    return {host: inventory.resolved_vars(host) for host in sorted(inventory.hosts)}


def _slug(value: Any) -> str:
    if isinstance(value, Mapping):
        return str(value.get("slug") or value.get("name") or "")
    if isinstance(value, list):  # plurals: the first
        return _slug(value[0]) if value else ""
    return "" if value is None else str(value)


def is_server(hostvars: Mapping[str, Any]) -> bool:
    return "ansible_network_os" not in hostvars and _slug(hostvars.get("role")) != SWITCH_ROLE


def pyinfra_data(hostvars: Mapping[str, Any]) -> dict[str, Any]:
    """pyinfra SSH connector data from Ansible's connection variables (the inventory adapter's)."""
    return connection_data(hostvars)


def select(
    hostvars: Mapping[str, Mapping[str, Any]],
    *,
    sites: Sequence[str] = (),
    roles: Sequence[str] = (),
    names: Sequence[str] = (),
) -> list[Target]:
    """The servers matching every given filter (site and role slugs; names as shell globs),
    sorted by name. A filter that matches nothing is an error naming it."""
    servers = {n: v for n, v in hostvars.items() if is_server(v)}
    for label, wanted, key in (("site", sites, "site"), ("role", roles, "role")):
        known = {_slug(v.get(key)) for v in servers.values()}
        unknown = [w for w in wanted if w not in known]
        if unknown:
            raise InputError(
                f"--{label} {', '.join(unknown)}: no server in the inventory has that {label}",
                hint=f"known: {', '.join(sorted(k for k in known if k)) or 'none'}",
            )
    chosen = []
    for name in sorted(servers):
        v = servers[name]
        if sites and _slug(v.get("site")) not in sites:
            continue
        if roles and _slug(v.get("role")) not in roles:
            continue
        if names and not any(fnmatch.fnmatchcase(name, pattern) for pattern in names):
            continue
        chosen.append(Target(name, pyinfra_data(v)))
    if not chosen:
        raise InputError("no server matches the filters (--site/--role/--name)")
    return chosen
