"""Which hosts a day-2 command runs on, and how pyinfra reaches them.

Hosts and their variables come from the Ansible inventory (NetBox, plus the lab's SSH layer or a
snapshot): `load_hostvars` runs `ansible-inventory --list` on the same sources the playbooks
use, so pyinfra and Ansible see the same hosts. `select` applies the CLI's NetBox filters (site,
role, name) and keeps servers only: switches (`ansible_network_os`) are not pyinfra targets.
`pyinfra_data` turns Ansible's connection variables into pyinfra's SSH connector data.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sharpeyes.errors import DependencyUnavailable, InputError
from sharpeyes.ops.day2 import Target
from sharpeyes.paths import repo_root
from sharpeyes.vocab import SWITCH_ROLE

# ssh -o options Ansible passes that pyinfra has connector data for
_SSH_OPTIONS = {
    "userknownhostsfile": "ssh_known_hosts_file",
    "stricthostkeychecking": "ssh_strict_host_key_checking",
}


def default_sources() -> list[Path]:
    """NetBox, plus the lab's SSH layer while the lab has written one (`lab up hosts`)."""
    root = repo_root() / "inventory"
    sources = [root / "netbox.yml"]
    if (root / "lab" / "lab.yml").is_file():
        sources.append(root / "lab")
    return sources


def load_hostvars(sources: Sequence[Path]) -> dict[str, dict[str, Any]]:
    """Every host's variables, as `ansible-inventory --list` gives them for `sources`.

    NetBox down, a token rejected or an unparsable source: DependencyUnavailable (exit 4), never
    an empty inventory."""
    for source in sources:
        if not source.exists():
            raise InputError(f"inventory source not found: {source}")
    beside = Path(sys.executable).with_name("ansible-inventory")  # the venv's own first
    exe = str(beside) if beside.is_file() else shutil.which("ansible-inventory")
    if exe is None:
        raise DependencyUnavailable("ansible-inventory not found (is the venv installed?)")
    argv = [exe, "--list"]
    for source in sources:
        argv += ["-i", str(source)]
    env = dict(os.environ, ANSIBLE_INVENTORY_UNPARSED_FAILED="true")
    env.setdefault("ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED", "true")
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    except OSError as exc:
        raise DependencyUnavailable(f"cannot run ansible-inventory: {exc}") from exc
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        why = lines[-1].strip() if lines else f"exit {proc.returncode}"
        raise DependencyUnavailable(
            f"inventory {' '.join(map(str, sources))} could not be loaded: {why}",
            hint="is NetBox up and NETBOX_API / NETBOX_TOKEN right? (`sharpeyes --lab ...`)",
        )
    data = json.loads(proc.stdout)
    hostvars: dict[str, dict[str, Any]] = data.get("_meta", {}).get("hostvars", {})
    if not hostvars:
        raise DependencyUnavailable(f"inventory {' '.join(map(str, sources))} lists no hosts")
    return hostvars


def _slug(value: Any) -> str:
    if isinstance(value, Mapping):
        return str(value.get("slug") or value.get("name") or "")
    if isinstance(value, list):  # plurals: the first
        return _slug(value[0]) if value else ""
    return "" if value is None else str(value)


def is_server(hostvars: Mapping[str, Any]) -> bool:
    return "ansible_network_os" not in hostvars and _slug(hostvars.get("role")) != SWITCH_ROLE


def pyinfra_data(hostvars: Mapping[str, Any]) -> dict[str, Any]:
    """pyinfra SSH connector data from Ansible's connection variables."""
    data: dict[str, Any] = {}
    if hostvars.get("ansible_host"):
        data["ssh_hostname"] = str(hostvars["ansible_host"]).split("/")[0]
    if hostvars.get("ansible_port"):
        data["ssh_port"] = int(hostvars["ansible_port"])
    if hostvars.get("ansible_user"):
        data["ssh_user"] = str(hostvars["ansible_user"])
    key = hostvars.get("ansible_ssh_private_key_file")
    if key:
        data["ssh_key"] = str(key)
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
            if name.strip().lower() in _SSH_OPTIONS:
                data[_SSH_OPTIONS[name.strip().lower()]] = value.strip()
    return data


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
