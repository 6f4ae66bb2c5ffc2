"""The whole lab: NetBox with the dataset applied and the ten server containers running.

A missing lab service fails this tier; it never skips.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sharpeyes.lab import control, netbox
from sharpeyes.paths import repo_root

BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def lab_env() -> Iterator[dict[str, str]]:
    control.up("all")
    creds = netbox.credentials()
    env = dict(os.environ)
    env.update(
        NETBOX_API=creds.url,
        NETBOX_TOKEN=creds.token,
        ANSIBLE_CONFIG=str(repo_root() / "ansible.cfg"),
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    plan = subprocess.run(
        [BIN / "sharpeyes", "sot", "plan"], env=env, check=False, capture_output=True, text=True
    )
    if plan.returncode == 2:
        subprocess.run([BIN / "sharpeyes", "sot", "apply", "--yes"], env=env, check=True)
    elif plan.returncode != 0:
        pytest.fail(f"sot plan failed ({plan.returncode}): {plan.stderr}")
    yield env
