"""The environment commands run in against the lab: one definition for the demo, the e2e tests,
the CLI's `--lab` option and `sharpeyes lab env`.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path

from sharpeyes.lab import netbox, switches, vault
from sharpeyes.paths import repo_root


def netbox_vars() -> dict[str, str]:
    """NETBOX_API / NETBOX_TOKEN of the lab NetBox (DependencyUnavailable if never brought up)."""
    creds = netbox.credentials()
    return {"NETBOX_API": creds.url, "NETBOX_TOKEN": creds.token}


def venv_bin() -> Path:
    """The bin directory of the Python running sharpeyes (ansible-playbook, sharpeyes, pyinfra)."""
    return Path(sys.executable).parent


def lab_vars() -> dict[str, str]:
    """What a shell needs for the lab: the NetBox pair, the repo's ansible.cfg, the lab's vault
    password file (generated, sharpeyes.lab.vault) and the lab switches' AAA user
    (SHARPEYES_SWITCH_USER / SHARPEYES_SWITCH_PASSWORD)."""
    return {
        **netbox_vars(),
        "ANSIBLE_CONFIG": str(repo_root() / "ansible.cfg"),
        "ANSIBLE_VAULT_PASSWORD_FILE": str(vault.ensure_password()),
        **switches.env_vars(),
    }


def lab_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """`base` (default: this process's environment) plus `lab_vars()`, this venv's bin first on
    PATH."""
    env = dict(os.environ if base is None else base)
    env.update(lab_vars())
    env["PATH"] = f"{venv_bin()}{os.pathsep}{env.get('PATH', '')}"
    return env


def exports() -> str:
    """`export NETBOX_API=… NETBOX_TOKEN=… ANSIBLE_CONFIG=… SHARPEYES_SWITCH_…`, quoted for a
    POSIX shell."""
    return "export " + " ".join(f"{k}={shlex.quote(v)}" for k, v in lab_vars().items())


def use_lab_netbox() -> None:
    """Point this process's NetBox client at the lab (the CLI's global `--lab`)."""
    os.environ.update(netbox_vars())
