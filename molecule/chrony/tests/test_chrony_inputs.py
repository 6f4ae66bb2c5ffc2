"""Negative checks (LSR pattern): invalid inputs stop the role with the exact message, and the
host is left as it was. Runs the scenario's converge playbook once more against one platform."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(
    os.environ["MOLECULE_INVENTORY_FILE"]
).get_hosts("chrony-debian12")

CONVERGE = Path(os.environ["MOLECULE_SCENARIO_DIRECTORY"]) / "converge.yml"

CASES = {
    "allow-not-cidr": (
        {"chrony_allow": ["192.0.2.0/33", "192.0.2.0/24"]},
        "chrony: chrony_allow entries must be networks in CIDR notation; invalid: 192.0.2.0/33.",
    ),
    "serve-without-allow": (
        {"chrony_allow": []},
        "chrony: chrony_allow is empty while chrony_serve_enabled is true; "
        "list the client networks.",
    ),
    "no-time-source": (
        {"chrony_servers": [], "chrony_pools": [], "chrony_local_enabled": False},
        "chrony: no time source; set chrony_servers, chrony_pools or chrony_local_enabled: true.",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_invalid_input_fails_with_its_message_and_changes_nothing(host, case):
    extra_vars, message = CASES[case]
    config = host.file("/etc/chrony/chrony.conf")
    before = (config.sha256sum, host.service("chrony").is_running)
    run = subprocess.run(
        [
            "ansible-playbook",
            "--inventory",
            os.environ["MOLECULE_INVENTORY_FILE"],
            "--limit",
            host.backend.get_hostname(),
            "--extra-vars",
            json.dumps(extra_vars),
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
    assert (config.sha256sum, host.service("chrony").is_running) == before
