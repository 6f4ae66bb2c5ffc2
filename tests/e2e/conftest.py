"""The whole lab: NetBox with the dataset applied and its video servers running as containers.

Same order as `sharpeyes demo`: NetBox, the dataset (plan, apply on changes), then one container
per server NetBox lists. A missing lab service fails this tier; it never skips.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sharpeyes.lab import commands, control, vm
from sharpeyes.lab import env as lab_environment


@pytest.fixture(scope="session")
def netbox_env() -> dict[str, str]:
    """NetBox up with the dataset applied: the environment for commands against the lab
    (NETBOX_*, ANSIBLE_CONFIG, the switches' AAA user, venv PATH)."""
    control.up("netbox")
    env = lab_environment.lab_env()
    commands.sot_converge(env)
    return env


@pytest.fixture(scope="session")
def lab_env(netbox_env: dict[str, str]) -> dict[str, str]:
    """`netbox_env` with the video servers NetBox lists running."""
    control.up("hosts")
    return netbox_env


@pytest.fixture(scope="module")
def raidvm_env(netbox_env: dict[str, str]) -> Iterator[dict[str, str]]:
    """`netbox_env` with a freshly booted RAID lab VM (a previous run's disks dropped) for one
    module (test_raid.py, test_raidvm_network.py), stopped at its end (boot time:
    `vm.load_state()["boot_s"]`). Not per session: while the VM runs it stands in for its server
    (qxdc-vc10) in the inventory, and the later modules converge that server's container."""
    control.down("raidvm")
    vm.reset()
    control.up("raidvm")
    try:
        yield netbox_env
    finally:
        control.down("raidvm")
