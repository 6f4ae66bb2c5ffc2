"""The same inventory for pyinfra: hosts, groups and data exactly as Ansible resolves them.

Each host's data is its resolved Ansible variables (group variables by depth, then its own) plus
pyinfra's names for the connection variables (`CONNECTION_KEYS`: `ansible_host` -> `ssh_hostname`,
…; `ansible_become` -> `_sudo`). Groups are flat in pyinfra, so each group lists every host
below it, as Ansible's `groups[name]` does; the data lives on the hosts, so group data is empty
and pyinfra's precedence cannot reorder what Ansible decided.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pyinfra.api.inventory import Inventory as PyinfraInventory

from sharpeyes.inventory import snapshot
from sharpeyes.inventory.model import ALL, Inventory

# Ansible connection variable -> pyinfra host data key.
CONNECTION_KEYS: dict[str, str] = {
    "ansible_host": "ssh_hostname",
    "ansible_port": "ssh_port",
    "ansible_user": "ssh_user",
    "ansible_ssh_private_key_file": "ssh_key",
    "ansible_become": "_sudo",
    "ansible_become_user": "_sudo_user",
}
_TRUE = ("1", "true", "yes", "on")


def _as_bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() in _TRUE


# `ssh -o` options Ansible passes (ansible_ssh_common_args / _extra_args) that pyinfra has
# connector data for: the lab's known_hosts with strict checking must reach pyinfra too.
SSH_OPTIONS: dict[str, str] = {
    "userknownhostsfile": "ssh_known_hosts_file",
    "stricthostkeychecking": "ssh_strict_host_key_checking",
}


def connection_data(hostvars: Mapping[str, Any]) -> dict[str, Any]:
    """pyinfra's SSH connector data from a host's Ansible connection variables."""
    data: dict[str, Any] = {}
    for ansible_key, pyinfra_key in CONNECTION_KEYS.items():
        if hostvars.get(ansible_key) in (None, ""):
            continue
        value = hostvars[ansible_key]
        if pyinfra_key == "ssh_port":
            value = int(value)
        elif pyinfra_key == "_sudo":
            value = _as_bool(value)
        elif pyinfra_key == "ssh_hostname":
            value = str(value).split("/")[0]  # never an address with its prefix length
        else:
            value = str(value)
        data[pyinfra_key] = value
    if "ssh_key" in data:  # the given key only, as Ansible's IdentitiesOnly
        data["ssh_allow_agent"] = False
        data["ssh_look_for_keys"] = False
    args = " ".join(
        str(hostvars.get(name) or "")
        for name in ("ansible_ssh_common_args", "ansible_ssh_extra_args")
    )
    words = shlex.split(args)
    for index, word in enumerate(words):
        option = word[2:] if word.startswith("-o") and len(word) > 2 else None
        if word == "-o" and index + 1 < len(words):
            option = words[index + 1]
        if option and "=" in option:
            name, _, value = option.partition("=")
            if name.strip().lower() in SSH_OPTIONS:
                data[SSH_OPTIONS[name.strip().lower()]] = value.strip()
    return data


def host_data(inventory: Inventory, host: str) -> dict[str, Any]:
    """pyinfra data for `host`: its resolved Ansible variables plus pyinfra's connection keys."""
    data = inventory.resolved_vars(host)
    data.update(connection_data(data))
    return data


def inventory_args(
    inventory: Inventory,
) -> tuple[tuple[list[tuple[str, dict[str, Any]]], dict[str, Any]], dict[str, Any]]:
    """Arguments for `pyinfra.api.Inventory(names_data, **groups)`: ((hosts with data, global
    data), {group: (host names, group data)})."""
    hosts = [(name, host_data(inventory, name)) for name in sorted(inventory.hosts)]
    groups: dict[str, Any] = {
        name: (inventory.members(name), {})
        for name in sorted(inventory.groups)
        if name != ALL and inventory.members(name)
    }
    return (hosts, {}), groups


def build(inventory: Inventory) -> PyinfraInventory:
    """A pyinfra Inventory of the same hosts, groups and data."""
    names_data, groups = inventory_args(inventory)
    return PyinfraInventory(names_data, **groups)  # type: ignore[no-untyped-call]


def from_sources(
    sources: Sequence[Path] | None = None,
    *,
    site: str | None = None,
    role: str | None = None,
    names: Iterable[str] = (),
    live: bool = False,
) -> PyinfraInventory:
    """The pyinfra Inventory of `sources` (default inventory/netbox.yml; a snapshot works too,
    verified first), filtered like the rest of the CLI (site, role, names)."""
    inventory = snapshot.load_sources(sources, live=live).inventory
    if site is not None or role is not None or names:
        inventory = inventory.select(site=site, role=role, names=names)
    return build(inventory)
