"""The same inventory for pyinfra: hosts, groups and data exactly as Ansible resolves them.

Each host's data is its resolved Ansible variables (group variables by depth, then its own) plus
pyinfra's names for the connection variables (`CONNECTION_KEYS`: `ansible_host` -> `ssh_hostname`,
…; `ansible_become` -> `_sudo`). Groups are flat in pyinfra, so each group lists every host
below it, as Ansible's `groups[name]` does; the data lives on the hosts, so group data is empty
and pyinfra's precedence cannot reorder what Ansible decided.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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


def host_data(inventory: Inventory, host: str) -> dict[str, Any]:
    """pyinfra data for `host`: its resolved Ansible variables plus pyinfra's connection keys."""
    data = inventory.resolved_vars(host)
    for ansible_key, pyinfra_key in CONNECTION_KEYS.items():
        if ansible_key not in data:
            continue
        value = data[ansible_key]
        if pyinfra_key == "ssh_port":
            value = int(value)
        elif pyinfra_key == "_sudo":
            value = _as_bool(value)
        else:
            value = str(value)
        data[pyinfra_key] = value
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
