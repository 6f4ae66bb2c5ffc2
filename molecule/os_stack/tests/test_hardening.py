"""Behaviour of the hardening role: sshd refuses root and passwords while the ops key works and
offers only the configured algorithms; kernel/network parameters, audit rules, password policy,
masked services and forbidden kernel modules are in effect."""

from __future__ import annotations

import os
import re

import testinfra.utils.ansible_runner
from conftest import live_sysctl, role_file, ssh, writable_proc_sys_hosts

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(
    os.environ["MOLECULE_INVENTORY_FILE"]
).get_hosts("all")

DEFAULTS = role_file("hardening", "defaults/main.yml")
VARS = role_file("hardening", "vars/main.yml")

# pam_pwquality's own library, called as the PAM module calls it: the score (>= 0) or an error.
PWQUALITY = r"""
import ctypes, sys
lib = ctypes.CDLL("libpwquality.so.1")
lib.pwquality_default_settings.restype = ctypes.c_void_p
settings = ctypes.c_void_p(lib.pwquality_default_settings())
assert lib.pwquality_read_config(settings, None, None) == 0
print(lib.pwquality_check(settings, sys.argv[1].encode(), None, b"opsadmin", None))
"""


def test_ops_key_logs_in(host):
    session = ssh(host, "opsadmin", "id -un")
    assert session.rc == 0, session.stderr
    assert session.stdout.strip() == "opsadmin"


def test_root_login_is_refused_even_with_a_valid_key(host):
    # prepare.yml gave root the same key that lets opsadmin in.
    refused = ssh(host, "root")
    assert refused.rc == 255
    assert "Permission denied" in refused.stderr


def test_password_login_is_refused(host):
    refused = ssh(
        host,
        "opsadmin",
        "true",
        "-o",
        "PubkeyAuthentication=no",
        "-o",
        "PreferredAuthentications=password,keyboard-interactive",
    )
    assert refused.rc == 255
    assert "Permission denied (publickey)" in refused.stderr


def test_emergency_account_is_denied_over_ssh(host):
    refused = ssh(host, "sharpeyes-emergency")
    assert refused.rc == 255
    assert "Permission denied" in refused.stderr


def test_weak_cipher_is_refused(host):
    refused = ssh(host, "opsadmin", "true", "-c", "aes128-cbc")
    assert refused.rc == 255
    assert "no matching cipher found" in refused.stderr


def test_sshd_runs_with_the_hardened_settings(host):
    effective = dict(
        line.split(" ", 1) for line in host.check_output("sshd -T").splitlines() if " " in line
    )
    assert effective["permitrootlogin"] == "no"
    assert effective["passwordauthentication"] == "no"
    assert effective["kbdinteractiveauthentication"] == "no"
    assert effective["ciphers"] == ",".join(VARS["__hardening_ssh_ciphers"])
    assert effective["macs"] == ",".join(VARS["__hardening_ssh_macs"])
    assert effective["kexalgorithms"].split(",")[-2:] == VARS["__hardening_ssh_kex_algorithms"][-2:]


def test_namespaced_sysctls_are_live_where_proc_sys_is_writable(host):
    text = host.file(VARS["__hardening_sysctl_file"]).content_string
    written = dict(
        line.split(" = ", 1) for line in text.splitlines() if line and not line.startswith("#")
    )
    assert written == {key: str(value) for key, value in DEFAULTS["hardening_sysctl"].items()}
    if host.backend.get_hostname() not in writable_proc_sys_hosts():
        return
    pattern = re.compile(VARS["__hardening_sysctl_namespaced_pattern"].strip())
    applied = [key for key in DEFAULTS["hardening_sysctl"] if pattern.match(key)]
    assert "net.ipv4.conf.all.rp_filter" in applied
    for key in applied:
        if host.file("/proc/sys/" + key.replace(".", "/")).exists:
            assert live_sysctl(host, key) == str(DEFAULTS["hardening_sysctl"][key]), key


def test_audit_rules_installed_and_auditd_kept_off_in_containers(host):
    rules = host.file(VARS["__hardening_audit_rules_file"])
    assert rules.contains("-w /etc/sudoers -p wa -k scope")
    assert rules.contains("^-e 2$")
    auditd = host.service("auditd")
    assert not auditd.is_running
    assert not auditd.is_enabled


def test_new_accounts_get_the_login_policy(host):
    created = host.run("useradd --create-home os-stack-probe")
    try:
        assert created.rc == 0
        assert "configuration error" not in created.stderr, created.stderr
        shadow = host.check_output("getent shadow os-stack-probe").split(":")
        assert shadow[4] == str(DEFAULTS["hardening_password_max_days"])
        assert shadow[3] == str(DEFAULTS["hardening_password_min_days"])
        assert host.file("/home/os-stack-probe").mode == 0o750
    finally:
        host.run("userdel --remove os-stack-probe")


def test_weak_passwords_are_rejected(host):
    weak = int(host.check_output("python3 -c %s %s", PWQUALITY, "Short1!"))
    strong = int(host.check_output("python3 -c %s %s", PWQUALITY, "Vid30-Cloud/Gb28181:Ops"))
    assert weak < 0
    assert strong >= 0
    assert "pam_pwquality.so" in host.file("/etc/pam.d/common-password").content_string


def test_unneeded_service_is_stopped_and_masked(host):
    assert not host.service("rpcbind").is_running
    assert host.run("systemctl is-enabled rpcbind.service").stdout.strip() == "masked"
    assert not host.socket("tcp://0.0.0.0:111").is_listening


def test_forbidden_kernel_modules_cannot_load(host):
    for module in ("cramfs", "usb-storage"):
        dry_run = host.run("modprobe --dry-run --verbose %s", module)
        assert "install /bin/false" in dry_run.stdout + dry_run.stderr, module
