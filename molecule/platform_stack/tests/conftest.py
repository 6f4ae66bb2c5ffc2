"""Helpers shared by the platform_stack verifier: the two hosts (primary, replica) and their
addresses, the scenario's secrets (random per run, in the ephemeral directory), and runs of the
scenario's playbooks."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import testinfra

SCENARIO = Path(os.environ["MOLECULE_SCENARIO_DIRECTORY"])
SECRETS = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
PRIMARY = "platform_stack-primary"
REPLICA = "platform_stack-replica"


def _host(name: str) -> Any:
    return testinfra.get_host(f"ansible://{name}", ansible_inventory=INVENTORY)


@pytest.fixture(scope="session")
def primary() -> Any:
    return _host(PRIMARY)


@pytest.fixture(scope="session")
def replica() -> Any:
    return _host(REPLICA)


def address(host: Any) -> str:
    """The host's IPv4 address on the scenario's network (eth0)."""
    brief = host.check_output("ip -4 -brief address show dev eth0").split()
    return brief[2].split("/")[0]


def secret(name: str) -> str:
    """A password the scenario's password lookups generated (first word of the file)."""
    return (SECRETS / name).read_text(encoding="utf-8").split()[0]


def run_playbook(
    host: Any,
    playbook: str,
    tags: str = "all",
    extra_vars: dict[str, object] | None = None,
    local: bool = False,
) -> tuple[int, str]:
    """ansible-playbook on this host only (local: on the controller); (return code, output on one
    line)."""
    command = ["ansible-playbook", "--tags", tags]
    if local:
        command += ["--inventory", "localhost,"]
    else:
        command += ["--inventory", INVENTORY, "--limit", host.backend.get_hostname()]
    if extra_vars:
        command += ["--extra-vars", json.dumps(extra_vars)]
    command.append(str(SCENARIO / playbook))
    run = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
    )
    return run.returncode, " ".join((run.stdout + run.stderr).split())


def sha256(host: Any, path: str) -> str:
    return host.file(path).sha256sum
