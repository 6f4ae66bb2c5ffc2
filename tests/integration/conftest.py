"""Integration tier: the real lab NetBox, brought up once per session.

A lab that cannot come up FAILS the tier (STYLE 9.10: a missing lab service never skips).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from sotcli import FIXTURE

from sharpeyes.errors import SharpeyesError
from sharpeyes.lab import netbox
from sharpeyes.sot import client


@pytest.fixture(scope="session")
def lab_netbox() -> netbox.Credentials:
    """Ensure the lab NetBox is up (idempotent) and return its credentials."""
    try:
        netbox.up()
    except SharpeyesError as exc:
        pytest.fail(f"the lab NetBox could not come up: {exc.message} ({exc.hint or 'no hint'})")
    return netbox.credentials()


@pytest.fixture
def env(lab_netbox: netbox.Credentials) -> dict[str, str]:
    """The environment of a CLI run against the lab NetBox, emptied first."""
    netbox.reset()
    return {**os.environ, "NETBOX_API": lab_netbox.url, "NETBOX_TOKEN": lab_netbox.token}


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A copy of the small fixture dataset, free to edit."""
    dest = tmp_path / "netbox"
    shutil.copytree(FIXTURE, dest)
    return dest


@pytest.fixture
def api(env: dict[str, str]) -> Any:
    return client.connect(env["NETBOX_API"], env["NETBOX_TOKEN"])
