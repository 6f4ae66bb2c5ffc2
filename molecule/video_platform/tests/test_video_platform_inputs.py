"""Negative checks (LSR pattern): bad NetBox input stops the role with its message, naming the host
and the field, before any change; in normal and in check mode."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(
    os.environ["MOLECULE_INVENTORY_FILE"]
).get_hosts("all")

CONVERGE = Path(os.environ["MOLECULE_SCENARIO_DIRECTORY"]) / "converge.yml"
CONF = "/etc/sharpeyes-fixture-platform/platform.conf"

CASES = {
    "missing-sip-id": (
        {"video_platform_sip_server_id": ""},
        "video_platform_sip_server_id (NetBox config context video-platform,"
        ' sharpeyes_gb28181.sip_server_id) "": missing',
    ),
    "sip-id-wrong-type": (
        {"video_platform_sip_server_id": "44180300002020000001"},
        "video_platform_sip_server_id (NetBox config context video-platform,"
        ' sharpeyes_gb28181.sip_server_id) "44180300002020000001": type code 202, expected 200',
    ),
    "node-id-wrong-type": (
        {"video_platform_node_id": "44180300002100000009"},
        'video_platform_node_id (NetBox custom field gb28181_id) "44180300002100000009" of duty'
        ' "media-distribution" (custom field platform_duty): type code 210, expected 202',
    ),
    "storage-off-raid": (
        {"video_platform_storage_path": "/var/lib/platform"},
        'video_platform_storage_path "/var/lib/platform": not on a RAID volume (not under the'
        " mount root of the RAID arrays, video_platform_raid_mount_root /srv/video)",
    ),
    "storage-not-an-md-mount": (
        {"video_platform_storage_check": "mount"},
        'video_platform_storage_path "/srv/video/video0/platform": not on a RAID volume'
        " (/srv/video/video0 is not a mount point, expected an md array)",
    ),
}


@pytest.mark.parametrize("check", [False, True], ids=["run", "check"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_names_host_and_field_and_changes_nothing(host, case, check):
    extra_vars, message = CASES[case]
    before = host.file(CONF).sha256sum
    name = host.backend.get_hostname()
    run = subprocess.run(
        [
            "ansible-playbook",
            "--inventory",
            os.environ["MOLECULE_INVENTORY_FILE"],
            "--limit",
            name,
            "--extra-vars",
            json.dumps(extra_vars),
            *(["--check"] if check else []),
            str(CONVERGE),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode != 0
    # task failures go to stderr, their msg JSON-encoded (quotes escaped)
    output = " ".join((run.stdout + run.stderr).replace('\\"', '"').split())
    assert f"{name}: {message}" in output, output[-3000:]
    assert "changed=0" in run.stdout
    assert host.file(CONF).sha256sum == before
