"""Behavioural checks of the chrony role: chronyd runs, follows its sources and serves NTP.

chrony-debian12 is an isolated server (local stratum 10, no upstream); the other platforms follow
it over the scenario network and must end up at stratum 11 with it as their selected source.
"""

from __future__ import annotations

import os
import time

import pytest
import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(
    os.environ["MOLECULE_INVENTORY_FILE"]
).get_hosts("all")

UPSTREAM = "chrony-debian12"
LOCAL_STRATUM = 10
LOCAL_REFID = "7F7F0101"  # chrony's reference id for its local clock (127.127.1.1)

# An SNTP client run inside the container: one mode-3 request from SOURCE to 127.0.0.1:123,
# prints "<leap> <mode> <stratum> <refid>" of the reply, or "timeout".
NTP_QUERY = r"""
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
s.settimeout(float(sys.argv[2]))
now = time.time() + 2208988800
request = struct.pack("!B47x", 0x23)[:40] + struct.pack("!II", int(now), int(now % 1 * 2**32))
s.sendto(request, ("127.0.0.1", 123))
try:
    data, _ = s.recvfrom(512)
except socket.timeout:
    print("timeout")
else:
    print(data[0] >> 6, data[0] & 7, data[1], data[12:16].hex().upper())
"""


def _is_upstream(host) -> bool:
    return host.backend.get_hostname() == UPSTREAM


def _ntp_query(host, source: str, timeout: float = 2.0) -> str:
    return host.check_output("python3 -c %s %s %s", NTP_QUERY, source, str(timeout)).strip()


def _tracking(host) -> list[str]:
    # CSV: refid, address, stratum, ref time, system time, last offset, ..., leap status (last)
    return host.check_output("chronyc -n -c tracking").split(",")


@pytest.fixture(scope="module")
def synced(host):
    """Wait (at most 30 s) until chronyd has its reference: the local clock on the upstream
    server, the upstream server on the others (chronyc waitsync ignores the local reference)."""
    for _ in range(30):
        fields = _tracking(host)
        if fields[-1].strip() == "Normal" and (fields[0] == LOCAL_REFID) == _is_upstream(host):
            return host
        time.sleep(1)
    pytest.fail(f"chronyd did not synchronise: {','.join(fields)}")


def test_chronyd_is_enabled_and_running(host):
    service = host.service("chrony")
    assert service.is_enabled
    assert service.is_running


def test_conflicting_daemon_is_stopped_and_masked(host):
    timesyncd = host.service("systemd-timesyncd")
    assert not timesyncd.is_running
    if host.file("/lib/systemd/system/systemd-timesyncd.service").exists:
        assert host.run("systemctl is-enabled systemd-timesyncd").stdout.strip() == "masked"


def test_ntp_port_is_listening(host):
    assert host.socket("udp://0.0.0.0:123").is_listening


def test_chronyd_does_not_control_the_clock_in_a_container(host):
    # No CAP_SYS_TIME here: the role must run chronyd with -x instead of letting it fail.
    processes = host.process.filter(comm="chronyd")
    assert processes
    assert all("-x" in process.args.split() for process in processes)


def test_upstream_serves_from_its_local_clock(synced):
    if not _is_upstream(synced):
        pytest.skip("downstream server")
    fields = _tracking(synced)
    assert fields[0] == LOCAL_REFID
    assert int(fields[2]) == LOCAL_STRATUM
    assert fields[-1].strip() == "Normal"


def test_downstream_follows_the_upstream_server(synced):
    if _is_upstream(synced):
        pytest.skip("upstream server")
    upstream_ip = synced.check_output("getent ahostsv4 %s", UPSTREAM).split()[0]
    output = synced.check_output("chronyc -n -c sources")
    sources = [line.split(",") for line in output.splitlines()]
    selected = [src for src in sources if src[1] == "*"]
    assert [src[2] for src in selected] == [upstream_ip], sources
    fields = _tracking(synced)
    assert fields[1] == upstream_ip
    assert int(fields[2]) == LOCAL_STRATUM + 1
    assert fields[-1].strip() == "Normal"


def test_serves_ntp_to_an_allowed_client(synced):
    leap, mode, stratum, _refid = _ntp_query(synced, "127.0.0.1").split()
    assert mode == "4"  # server reply
    assert leap != "3"  # 3 = alarm: the server is not synchronised
    expected = LOCAL_STRATUM if _is_upstream(synced) else LOCAL_STRATUM + 1
    assert int(stratum) == expected


def test_ignores_a_client_outside_the_allowed_networks(synced):
    # 127.0.0.2 is not in chrony_allow: chronyd must not answer it (an allowed query first, so a
    # silent server cannot pass this test).
    assert _ntp_query(synced, "127.0.0.1") != "timeout"
    assert _ntp_query(synced, "127.0.0.2") == "timeout"


def test_configuration_carries_the_managed_header(host):
    config = host.file("/etc/chrony/chrony.conf")
    assert config.contains("sharpeyes:chrony")
    assert config.contains("Ansible managed")
