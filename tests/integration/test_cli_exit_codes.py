"""The exit-code contract against the real lab NetBox: the good cases of the NetBox commands.

tests/unit/test_exit_codes.py covers every command offline (bad input 3, NetBox unreachable 4);
here `sot plan|apply|export` run on the fixture dataset against a NetBox reset to empty, so each
step's result is determined by the steps before it. The steps run in order in one test.
(`points import` against live NetBox: tests/integration/test_points_import.py.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sharpeyes.errors import (
    EXIT_CHANGES,
    EXIT_INVALID_INPUT,
    EXIT_OK,
    EXIT_TARGET_FAILED,
    EXIT_UNREACHABLE,
)
from sharpeyes.lab import netbox

pytestmark = pytest.mark.integration

BIN = str(Path(sys.executable).parent / "sharpeyes")
FIXTURE = Path(__file__).parent / "data" / "fixture"


@dataclass(frozen=True)
class Step:
    """`sharpeyes *argv` ({data}, {drifted}, {badyaml} are datasets) exits `code`, prints
    `fragment`; `env` overrides the lab credentials."""

    argv: str
    code: int
    fragment: str
    env: dict[str, str] = field(default_factory=dict)


STEPS = [
    Step("sot plan --data {data}", EXIT_CHANGES, "+ dcim.devices fx-cam01"),
    Step("sot plan --json --data {data}", EXIT_CHANGES, '"action": "create"'),
    Step("sot plan --data {badyaml}", EXIT_INVALID_INPUT, "dcim.sites.yml"),
    Step(
        "sot plan --data {data}",
        EXIT_UNREACHABLE,
        "rejected the token",
        env={"NETBOX_TOKEN": "0123456789abcdef0123456789abcdef01234567"},
    ),
    Step("sot apply --yes --data {data}", EXIT_OK, "Applied:"),
    Step("sot plan --data {data}", EXIT_OK, "no changes"),
    Step("sot apply --yes --data {data}", EXIT_OK, "Nothing to do: 0 writes."),
    Step("sot export --data {data}", EXIT_OK, "0 file(s) changed."),
    Step("sot export --data {badyaml}", EXIT_INVALID_INPUT, "dcim.sites.yml"),
    # the repo differs from NetBox: plan says so, a declined apply (no --yes, no tty) writes nothing
    Step("sot plan --data {drifted}", EXIT_CHANGES, "description: 'north gate' -> 'east gate'"),
    Step("sot apply --data {drifted}", EXIT_TARGET_FAILED, "aborted"),
    Step("sot plan --data {data}", EXIT_OK, "no changes"),
]


@pytest.fixture
def datasets(tmp_path: Path) -> dict[str, str]:
    data = tmp_path / "data" / "netbox"
    shutil.copytree(FIXTURE, data)
    drifted = tmp_path / "drifted" / "netbox"
    shutil.copytree(FIXTURE, drifted)
    devices = drifted / "estate" / "dcim.devices.yml"
    text = devices.read_text(encoding="utf-8")
    assert text.count("description: north gate") == 1
    devices.write_text(text.replace("north gate", "east gate"), encoding="utf-8")
    badyaml = tmp_path / "badyaml"
    (badyaml / "estate").mkdir(parents=True)
    (badyaml / "estate" / "dcim.sites.yml").write_text("objects: [\n", encoding="utf-8")
    return {"data": str(data), "drifted": str(drifted), "badyaml": str(badyaml)}


def test_exit_codes_against_live_netbox(
    lab_netbox: netbox.Credentials, datasets: dict[str, str]
) -> None:
    netbox.reset()
    base = {**os.environ, "NETBOX_API": lab_netbox.url, "NETBOX_TOKEN": lab_netbox.token}
    base.pop("SHARPEYES_DEBUG", None)
    for n, step in enumerate(STEPS, 1):
        argv = [a.format(**datasets) for a in step.argv.split()]
        proc = subprocess.run(
            [BIN, *argv],
            env={**base, **step.env},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        output = proc.stdout + proc.stderr
        where = f"step {n}: sharpeyes {step.argv}\n{output[-3000:]}"
        assert proc.returncode == step.code, where
        assert step.fragment in output, where
        assert "Traceback" not in proc.stderr, where
