"""Obtain the inventory: `ansible-inventory --list --export` on the given sources.

A NetBox source (a `plugin: netbox.netbox.nb_inventory` file) is checked first through the
project's client (`/api/status/` with the token), so NetBox down or a wrong token is one line and
exit 4, never an inventory from a stale cache or an empty one. `live=True` (snapshots, checks)
bypasses nb_inventory's cache (`--flush-cache`); playbooks and pyinfra may use it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from sharpeyes.errors import DependencyUnavailable, InputError
from sharpeyes.inventory.model import Inventory
from sharpeyes.paths import repo_root
from sharpeyes.sot import client

NB_PLUGIN = "netbox.netbox.nb_inventory"
TIMEOUT_S = 300.0
# ansible-inventory's stderr when NetBox itself failed (nb_inventory gives no better signal).
_NETBOX_FAILURES = ("urlopen error", "timed out", "HTTP Error", "'netbox-version'", "Connection")


def default_sources() -> list[Path]:
    """inventory/netbox.yml of the repo: the only inventory."""
    return [repo_root() / "inventory" / "netbox.yml"]


@dataclass(frozen=True)
class Loaded:
    inventory: Inventory
    sources: tuple[Path, ...]
    netbox_url: str | None  # None: no NetBox source (a snapshot)
    netbox_version: str | None


def is_netbox_source(path: Path) -> bool:
    """A YAML file that configures nb_inventory."""
    if not path.is_file() or path.suffix not in (".yml", ".yaml"):
        return False
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return False
    if NB_PLUGIN not in text:
        return False
    try:
        body = yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    return isinstance(body, dict) and body.get("plugin") == NB_PLUGIN


def ansible_inventory_binary() -> str:
    """ansible-inventory next to this interpreter (the venv), else on PATH."""
    here = Path(sys.executable).parent / "ansible-inventory"
    if here.exists():
        return str(here)
    found = shutil.which("ansible-inventory")
    if not found:
        raise DependencyUnavailable(
            "ansible-inventory not found", hint="install the project: make venv"
        )
    return found


def run_ansible_inventory(
    sources: Sequence[Path], *, live: bool = False, export: bool = True
) -> dict[str, object]:
    """The parsed JSON of `ansible-inventory -i S… --list [--export] [--flush-cache]`, run in
    the repo with its ansible.cfg and any unparsed source failing the run."""
    argv = [ansible_inventory_binary()]
    for src in sources:
        argv += ["-i", str(src)]
    argv.append("--list")
    if export:
        argv.append("--export")
    if live:
        argv.append("--flush-cache")
    env = dict(os.environ)
    env.setdefault("ANSIBLE_CONFIG", str(repo_root() / "ansible.cfg"))
    env["ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED"] = "true"
    env["ANSIBLE_INVENTORY_UNPARSED_WARNING"] = "true"
    env["ANSIBLE_NOCOLOR"] = "1"
    try:
        proc = subprocess.run(
            argv,
            check=False,
            cwd=repo_root(),
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as exc:
        raise DependencyUnavailable(
            f"ansible-inventory took longer than {TIMEOUT_S:.0f} s (is NetBox answering?)"
        ) from exc
    if proc.returncode != 0:
        cause = _cause(proc.stderr)
        names = " ".join(str(s) for s in sources)
        if any(mark in proc.stderr for mark in _NETBOX_FAILURES):
            raise DependencyUnavailable(f"ansible-inventory -i {names}: NetBox failed: {cause}")
        raise InputError(f"ansible-inventory -i {names} failed: {cause}")
    try:
        data = json.loads(proc.stdout)
    except ValueError as exc:
        raise InputError(f"ansible-inventory printed no JSON: {proc.stdout[:200]!r}") from exc
    if not isinstance(data, dict):
        raise InputError("ansible-inventory printed JSON that is not an inventory")
    return data


def _cause(stderr: str) -> str:
    """The most telling line of ansible-inventory's error output."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    caused = [ln for i, ln in enumerate(lines) if i and lines[i - 1] == "<<< caused by >>>"]
    if caused:
        return caused[-1]
    errors = [ln for ln in lines if ln.startswith(("ERROR", "[ERROR]"))]
    return (errors or lines or ["no error output"])[0][:300]


def load(sources: Sequence[Path] | None = None, *, live: bool = False) -> Loaded:
    """The normalised inventory of `sources` (default: inventory/netbox.yml). NetBox sources are
    checked first (credentials: exit 3; down or token rejected: exit 4); a NetBox inventory
    without a single host is refused (exit 4)."""
    paths = tuple(Path(s) for s in (sources or default_sources()))
    for path in paths:
        if not path.exists():
            raise InputError(f"inventory source {path}: no such file or directory")
    url = version = None
    if any(is_netbox_source(p) for p in paths):
        url, token = client.resolve()
        status = client.check(client.session(timeout=15.0), url, token)
        version = str(status.get("netbox-version", "unknown"))
    inventory = Inventory.from_ansible(run_ansible_inventory(paths, live=live))
    if not inventory.hosts:
        names = " ".join(str(p) for p in paths)
        if url is None:
            raise InputError(f"{names} holds no host: an empty inventory is refused")
        raise DependencyUnavailable(
            f"NetBox at {url} gave no host for {names}: an empty inventory is refused",
            hint="is the dataset applied (sharpeyes sot plan)? are the device filters right?",
        )
    return Loaded(inventory, paths, url, version)
