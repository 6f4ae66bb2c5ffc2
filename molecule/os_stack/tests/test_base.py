"""Behaviour of the base role: host name and resolution, time zone, journal, kernel parameters
and open-file limits for video ingest, apt sources from the mirror only where one is set."""

from __future__ import annotations

import os
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import testinfra.utils.ansible_runner
from conftest import live_sysctl, role_file, scenario_vars, ssh, writable_proc_sys_hosts

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(
    os.environ["MOLECULE_INVENTORY_FILE"]
).get_hosts("all")

DEFAULTS = role_file("base", "defaults/main.yml")
VARS = role_file("base", "vars/main.yml")
MIRROR_HOST = "os_stack-debian12"


def _expected_hostname(host) -> str:
    return "qxdc-" + host.backend.get_hostname().replace("_", "-")


def test_host_name_is_set(host):
    assert host.check_output("hostname") == _expected_hostname(host)
    assert host.file("/etc/hostname").content_string.strip() == _expected_hostname(host)


def test_hosts_entries_resolve(host):
    own = host.check_output("getent hosts %s", _expected_hostname(host)).split()
    assert own[0] == "127.0.1.1"
    for entry in scenario_vars()["base_hosts_entries"]:
        for name in entry["names"]:
            assert host.check_output("getent hosts %s", name).split()[0] == entry["address"]
    assert host.file("/etc/hosts").contains("sharpeyes:base")


def test_time_zone_is_shanghai(host):
    expected = datetime.now(ZoneInfo(DEFAULTS["base_timezone"])).strftime("%z")
    assert host.check_output("date +%z") == expected
    assert host.file("/etc/timezone").content_string.strip() == DEFAULTS["base_timezone"]


def test_base_packages_are_installed(host):
    for name in VARS["__base_packages"]:
        assert host.package(name).is_installed, name


def test_journal_is_persistent_and_limited(host):
    assert host.service("systemd-journald").is_running
    machine_id = host.file("/etc/machine-id").content_string.strip()
    assert host.file(f"/var/log/journal/{machine_id}").is_directory
    config = host.check_output("systemd-analyze cat-config systemd/journald.conf")
    assert f"SystemMaxUse={DEFAULTS['base_journald_system_max_use']}" in config


def test_sysctl_file_holds_every_parameter(host):
    text = host.file(VARS["__base_sysctl_file"]).content_string
    written = dict(
        line.split(" = ", 1) for line in text.splitlines() if line and not line.startswith("#")
    )
    assert written == {key: str(value) for key, value in DEFAULTS["base_sysctl"].items()}


def test_namespaced_parameters_are_live_where_proc_sys_is_writable(host):
    pattern = re.compile(VARS["__base_sysctl_namespaced_pattern"].strip())
    namespaced = [key for key in DEFAULTS["base_sysctl"] if pattern.match(key)]
    assert namespaced
    writable = host.backend.get_hostname() in writable_proc_sys_hosts()
    mount = host.check_output("findmnt -n -o OPTIONS /proc/sys").split(",")
    assert ("rw" in mount) == writable
    differing = [
        key
        for key in namespaced
        if live_sysctl(host, key) != " ".join(str(DEFAULTS["base_sysctl"][key]).split())
    ]
    # Writable: every namespaced key is live. Read-only: the role wrote the file and set nothing
    # (and converge did not fail).
    assert (differing == []) == writable, differing


def test_host_wide_parameters_are_left_to_the_host(host):
    # fs.* and the global net.core buffers are the host kernel's, shared by every container: had
    # the role set them from a container, the shared kernel would now hold the role's values.
    for key in ("fs.file-max", "net.core.rmem_max"):
        assert live_sysctl(host, key) != str(DEFAULTS["base_sysctl"][key]), key


def test_open_file_limit_of_sessions_and_services(host):
    limit = str(scenario_vars()["base_nofile_limit"])
    assert host.check_output("systemctl show --property DefaultLimitNOFILE --value") == limit
    session = ssh(host, "opsadmin", "ulimit -n")
    assert session.rc == 0, session.stderr
    assert session.stdout.strip() == limit


def test_apt_sources_follow_the_mirror_only_where_set(host):
    mirror_file = host.file(VARS["__base_apt_sources_file"])
    if host.backend.get_hostname() == MIRROR_HOST:
        assert mirror_file.contains("URIs: http://deb.debian.org/debian-security")
        assert not host.file("/etc/apt/sources.list").contains("^deb ")
        policy = host.check_output("apt-cache policy")
        assert "-security/main" in policy
    else:
        assert not mirror_file.exists
        assert host.file("/etc/apt/sources.list").contains("^deb http")
