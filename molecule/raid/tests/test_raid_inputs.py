"""Negative checks (LSR pattern): invalid inputs and unsafe disks stop the role with the exact
message before any change. Runs the scenario's converge playbook once more against one platform,
in normal and in check mode (check mode shows the refusal too)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(
    os.environ["MOLECULE_INVENTORY_FILE"]
).get_hosts("raid-debian12")

CONVERGE = Path(os.environ["MOLECULE_SCENARIO_DIRECTORY"]) / "converge.yml"
SERIALS = [f"ZRTEST{i:02d}" for i in range(1, 5)]


def _array(**kw):
    return {"name": "video0", "members": SERIALS, "mount_path": "/srv/video/video0", **kw}


CASES = {
    "level-not-a-choice": (
        {"raid_arrays": [_array(level=7)]},
        "value of level must be one of: 0, 1, 5, 6, 10, got: 7",
    ),
    "too-few-members": (
        {"raid_disk_serials": SERIALS, "raid_arrays": [_array(members=SERIALS[:3])]},
        "raid_arrays: video0: level 6 needs at least 4 members, got 3",
    ),
    "member-not-listed": (
        {"raid_disk_serials": SERIALS[:3], "raid_arrays": [_array()]},
        "unlisted ['ZRTEST04']",
    ),
    "chunk-not-power-of-two": (
        {"raid_disk_serials": SERIALS, "raid_arrays": [_array(chunk_kib=384)]},
        "raid_arrays: video0: chunk_kib 384 is not a power of two in 4..4096",
    ),
    "disks-not-present": (
        {"raid_disk_serials": SERIALS, "raid_arrays": [_array()]},
        "raid: refused, nothing changed: array video0: member disks not present: "
        "ZRTEST01, ZRTEST02, ZRTEST03, ZRTEST04",
    ),
    "present-disks-do-not-match": (
        {"raid_disk_serials": SERIALS, "raid_match_required": True, "raid_arrays": []},
        "raid: refused, nothing changed: the disks present do not match the source of truth: "
        "missing ZRTEST01, ZRTEST02, ZRTEST03, ZRTEST04;",
    ),
}


def _state(host):
    return (
        host.file("/etc/mdadm/mdadm.conf").sha256sum,
        host.file("/etc/sysctl.d/60-sharpeyes-raid.conf").sha256sum,
        host.file("/srv/video").exists,
    )


@pytest.mark.parametrize("check", [False, True], ids=["run", "check"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_invalid_input_fails_with_its_message_and_changes_nothing(host, case, check):
    extra_vars, message = CASES[case]
    before = _state(host)
    run = subprocess.run(
        [
            "ansible-playbook",
            "--inventory",
            os.environ["MOLECULE_INVENTORY_FILE"],
            "--limit",
            host.backend.get_hostname(),
            "--extra-vars",
            json.dumps(extra_vars),
            *(["--check"] if check else []),
            str(CONVERGE),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
    )
    output = " ".join((run.stdout + run.stderr).split())
    assert run.returncode == 2, output
    assert message in output
    assert "changed=0" in output
    assert _state(host) == before
