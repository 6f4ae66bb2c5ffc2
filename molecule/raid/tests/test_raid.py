"""The raid role in a container: packages, configuration and tools in place, no array (no md)."""

from __future__ import annotations


def test_packages_installed(host):
    assert host.package("mdadm").is_installed
    assert host.package("xfsprogs").is_installed


def test_mdadm_conf_is_templated_with_no_array(host):
    conf = host.file("/etc/mdadm/mdadm.conf")
    assert conf.contains("sharpeyes:raid")
    assert conf.contains("^PROGRAM /usr/local/sbin/sharpeyes-raid-event$")
    assert not conf.contains("^ARRAY")


def test_rebuild_limits_written(host):
    limits = host.file("/etc/sysctl.d/60-sharpeyes-raid.conf")
    assert limits.contains("^dev.raid.speed_limit_min = 50000$")
    assert limits.contains("^dev.raid.speed_limit_max = 500000$")


def test_health_check_reports_nothing_when_no_array(host):
    run = host.run("/usr/local/sbin/sharpeyes-raid-health")
    assert run.rc == 0
    assert run.stdout == ""


def test_event_hook_appends_a_line(host):
    with host.sudo():
        log = "/var/log/sharpeyes-raid-events.log"
        before = host.file(log).content_string.count("\n") if host.file(log).exists else 0
        assert host.run("/usr/local/sbin/sharpeyes-raid-event DegradedArray /dev/md0").rc == 0
        lines = host.file(log).content_string.splitlines()
    assert len(lines) == before + 1
    assert lines[-1].endswith("event=DegradedArray array=/dev/md0 member=")
