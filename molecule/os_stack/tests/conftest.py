"""Shared helpers of the os_stack verifier: the scenario's inputs and the roles' own data, read
from their files so that the tests follow the roles instead of repeating their values."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import yaml

SCENARIO = Path(os.environ["MOLECULE_SCENARIO_DIRECTORY"])
ROLES = SCENARIO.parent.parent / "roles"
SECRETS = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
OPS_KEY = "/root/.ssh/os_stack_ops_ed25519"


@cache
def role_file(role: str, relative: str) -> Any:
    return yaml.safe_load((ROLES / role / relative).read_text(encoding="utf-8"))


@cache
def scenario_vars() -> dict[str, Any]:
    """group_vars all of molecule.yml (lookups left unrendered)."""
    config = yaml.safe_load((SCENARIO / "molecule.yml").read_text(encoding="utf-8"))
    return config["provisioner"]["inventory"]["group_vars"]["all"]


def writable_proc_sys_hosts() -> set[str]:
    config = yaml.safe_load((SCENARIO / "molecule.yml").read_text(encoding="utf-8"))
    children = config["provisioner"]["inventory"]["hosts"]["all"]["children"]
    return set(children["proc_sys_writable"]["hosts"])


def ops_public_key() -> str:
    return (SECRETS / "ops_ed25519.pub").read_text(encoding="utf-8").strip()


def ssh(host: Any, user: str, command: str = "true", *options: str) -> Any:
    """Run the SSH client inside the container against its own sshd (127.0.0.1), ops key."""
    args = [
        "ssh",
        "-i",
        OPS_KEY,
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "ConnectTimeout=10",
        *options,
        f"{user}@127.0.0.1",
        command,
    ]
    return host.run(" ".join("%s" for _ in args), *args)


def live_sysctl(host: Any, key: str) -> str:
    return " ".join(host.check_output("sysctl -n %s", key).split())
