"""Behaviour of the users role: the listed accounts log in with exactly their keys and get their
sudo rights; an account no longer listed is locked with its keys gone and its home kept; the
emergency account has its vaulted password and no key."""

from __future__ import annotations

import os

import testinfra.utils.ansible_runner
from conftest import SECRETS, ops_public_key, role_file, scenario_vars, ssh

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(
    os.environ["MOLECULE_INVENTORY_FILE"]
).get_hosts("all")

DEFAULTS = role_file("users", "defaults/main.yml")
VARS = role_file("users", "vars/main.yml")
REMOVED = "formerops"  # created by prepare.yml in the marker group, not in users_accounts
EMERGENCY = DEFAULTS["users_emergency_name"]


def _shadow(host, name: str) -> list[str]:
    return host.check_output("getent shadow %s", name).split(":")


def _keys(host, name: str) -> list[str]:
    home = host.user(name).home
    text = host.file(f"{home}/.ssh/authorized_keys").content_string
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_listed_accounts_exist_in_their_groups(host):
    for account in scenario_vars()["users_accounts"]:
        user = host.user(account["name"])
        assert user.exists
        wanted = {*account.get("groups", []), DEFAULTS["users_managed_group"]}
        assert wanted <= set(user.groups)


def test_listed_accounts_log_in_with_their_key_only(host):
    for account in scenario_vars()["users_accounts"]:
        assert _keys(host, account["name"]) == [ops_public_key()]
        session = ssh(host, account["name"], "id -un")
        assert session.rc == 0, session.stderr
        assert session.stdout.strip() == account["name"]


def test_sudo_rights_follow_the_policy(host):
    assert "NOPASSWD: ALL" in host.check_output("sudo -l -U sharpeyes-ops")
    rights = host.check_output("sudo -l -U opsadmin")
    assert "(ALL : ALL) ALL" in rights and "NOPASSWD" not in rights
    # opsadmin needs its password (it has none: keys only), so sudo refuses without one.
    refused = ssh(host, "opsadmin", "sudo -n true")
    assert refused.rc != 0
    assert "a password is required" in refused.stderr
    assert ssh(host, "sharpeyes-ops", "sudo -n true").rc == 0
    assert host.run("visudo -c").rc == 0


def test_removed_account_is_locked_and_its_key_gone(host):
    user = host.user(REMOVED)
    assert user.exists
    assert host.file(user.home).is_directory  # home kept
    assert not host.file(f"{user.home}/.ssh/authorized_keys").exists
    shadow = _shadow(host, REMOVED)
    assert shadow[1].startswith("!")  # password locked
    assert shadow[7] == str(VARS["__users_locked_expiry"] // 86400)  # expired on day 1
    refused = ssh(host, REMOVED)
    assert refused.rc == 255
    assert "Permission denied" in refused.stderr
    assert not host.file(f"/etc/sudoers.d/{VARS['__users_sudoers_prefix']}{REMOVED}").exists


def test_emergency_account_has_the_vaulted_password_and_no_key(host):
    expected = (SECRETS / "emergency.hash").read_text(encoding="utf-8").strip()
    assert _shadow(host, EMERGENCY)[1] == expected
    assert not host.file(f"{host.user(EMERGENCY).home}/.ssh/authorized_keys").exists
    assert "(ALL : ALL) ALL" in host.check_output("sudo -l -U %s", EMERGENCY)


def test_sudoers_files_carry_the_managed_header(host):
    path = f"/etc/sudoers.d/{VARS['__users_sudoers_prefix']}opsadmin"
    assert host.file(path).contains("sharpeyes:users")
    assert host.file(path).mode == 0o440
