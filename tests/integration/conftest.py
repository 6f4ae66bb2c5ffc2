"""Integration tier: the real lab NetBox, brought up once per session.

A lab that cannot come up FAILS the tier (STYLE 9.10: a missing lab service never skips).
"""

from __future__ import annotations

import pytest

from sharpeyes.errors import SharpeyesError
from sharpeyes.lab import netbox


@pytest.fixture(scope="session")
def lab_netbox() -> netbox.Credentials:
    """Ensure the lab NetBox is up (idempotent) and return its credentials."""
    try:
        netbox.up()
    except SharpeyesError as exc:
        pytest.fail(f"the lab NetBox could not come up: {exc.message} ({exc.hint or 'no hint'})")
    return netbox.credentials()
