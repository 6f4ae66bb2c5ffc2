"""Negative checks (LSR pattern) of base, users and hardening: wrong types and unknown choices
are rejected by argument_specs, a sudoers or sshd_config syntax error never reaches the host, and
the users role refuses to lock the account Ansible is connected as. Each case asserts the exact
message and that nothing changed. Runs negative.yml against one platform."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import testinfra.utils.ansible_runner
from conftest import SCENARIO, ops_public_key, scenario_vars

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(
    os.environ["MOLECULE_INVENTORY_FILE"]
).get_hosts("os_stack-debian12")

PLAYBOOK = Path(SCENARIO) / "negative.yml"


def _accounts(**opsadmin_changes: object) -> list[dict[str, object]]:
    """users_accounts of the scenario with its keys filled in, opsadmin changed as given."""
    accounts = []
    for listed in scenario_vars()["users_accounts"]:
        account = {**listed, "ssh_keys": [ops_public_key()]}
        if account["name"] == "opsadmin":
            account.update(opsadmin_changes)
        accounts.append(account)
    return accounts


def _run(host, role: str, extra_vars: dict[str, object]) -> tuple[int, str]:
    run = subprocess.run(
        [
            "ansible-playbook",
            "--inventory",
            os.environ["MOLECULE_INVENTORY_FILE"],
            "--limit",
            host.backend.get_hostname(),
            "--extra-vars",
            json.dumps({"os_stack_role": role, **extra_vars}),
            str(PLAYBOOK),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
    )
    return run.returncode, " ".join((run.stdout + run.stderr).split())


def _state(host, *paths: str) -> dict[str, str]:
    """Checksums of the files under the given paths: what a failed run must leave as it was.
    Backups (`*~`) are left out: Ansible's `backup: true` copies the current file before it runs
    `validate`, so a rejected file leaves one more identical copy of the file it did not replace."""
    listing = host.check_output(
        "find " + " ".join("%s" for _ in paths) + " -type f ! -name '*~' -exec sha256sum {} +",
        *paths,
    )
    return dict(reversed(line.split()) for line in listing.splitlines())


ARGUMENT_CASES = {
    "base-unknown-choice": (
        "base",
        {"base_sysctl_apply": "sometimes"},
        "value of base_sysctl_apply must be one of: all, namespaced, none, got: sometimes",
    ),
    "users-unknown-choice": (
        "users",
        {"users_accounts": [{"name": "x", "sudo": "always"}]},
        "value of sudo must be one of: none, password, nopasswd, got: always "
        "found in users_accounts",
    ),
    "hardening-wrong-type": (
        "hardening",
        {"hardening_ssh_port": "twenty-two"},
        "argument 'hardening_ssh_port' is of type str and we were unable to convert to int",
    ),
}


@pytest.mark.parametrize("case", sorted(ARGUMENT_CASES))
def test_argument_specs_reject_bad_input(host, case):
    role, extra_vars, message = ARGUMENT_CASES[case]
    before = _state(host, "/etc/ssh", "/etc/sudoers.d", "/etc/sysctl.d")
    code, output = _run(host, role, extra_vars)
    assert code == 2, output
    assert "Validation of arguments failed" in output
    assert message in output
    assert "changed=0" in output
    assert _state(host, "/etc/ssh", "/etc/sudoers.d", "/etc/sysctl.d") == before


def test_sudoers_syntax_error_never_reaches_the_host(host):
    before = _state(host, "/etc/sudoers.d")
    code, output = _run(host, "users", {"users_accounts": _accounts(sudo_commands=["ALL,,"])})
    assert code == 2, output
    assert "failed to validate" in output
    assert "syntax error" in output  # visudo's own message
    assert "changed=0" in output
    assert _state(host, "/etc/sudoers.d") == before


def test_sshd_config_error_never_reaches_the_host(host):
    before = _state(host, "/etc/ssh")
    code, output = _run(host, "hardening", {"hardening_ssh_ciphers": ["bogus-cipher"]})
    assert code == 2, output
    assert "failed to validate" in output
    assert "Bad SSH2 cipher spec 'bogus-cipher'" in output  # sshd -t's own message
    assert "changed=0" in output
    assert _state(host, "/etc/ssh") == before
    assert host.service("ssh").is_running


def test_users_refuses_to_lock_the_connection_account(host):
    before = _state(host, "/etc/sudoers.d", "/home/sharpeyes-ops")
    shadow = host.check_output("getent shadow sharpeyes-ops")
    accounts = [a for a in _accounts() if a["name"] != "sharpeyes-ops"]
    code, output = _run(
        host,
        "users",
        {"users_accounts": accounts, "ansible_user": "sharpeyes-ops", "ansible_become": True},
    )
    assert code == 2, output
    assert (
        "users: refusing to lock sharpeyes-ops, the account Ansible is connected as; list it in "
        "users_accounts with state present, or run the play as another account."
    ) in output
    assert "changed=0" in output
    assert host.check_output("getent shadow sharpeyes-ops") == shadow
    assert _state(host, "/etc/sudoers.d", "/home/sharpeyes-ops") == before
