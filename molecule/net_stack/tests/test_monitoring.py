"""Behavioural checks of the monitoring role: node-exporter serves its own and the role's textfile
metrics, the collector timer runs, and sharpeyes-health prints a machine-readable summary.
Containers have no md arrays, no disks and (in this scenario) no chrony: each is a metric, not an
error."""

from __future__ import annotations

import json
import os

import pytest
import testinfra.utils.ansible_runner
from conftest import run_playbook

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(
    os.environ["MOLECULE_INVENTORY_FILE"]
).get_hosts("all")

FETCH = "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:9100/metrics', timeout=5).read().decode())"

# /proc/mdstat of a RAID6 of 4 disks with one missing, and a healthy RAID1.
MDSTAT = """Personalities : [raid6] [raid5] [raid4] [raid1]
md0 : active raid6 sdd[3] sdc[2] sdb[1]
      2093056 blocks super 1.2 level 6, 512k chunk, algorithm 2 [4/3] [UUU_]

md1 : active raid1 sdf[1] sde[0]
      1046528 blocks super 1.2 [2/2] [UU]

unused devices: <none>
"""


def _metrics(host) -> dict[str, float]:
    values = {}
    for line in host.check_output("python3 -c %s", FETCH).splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


def test_node_exporter_is_enabled_and_running(host):
    service = host.service("prometheus-node-exporter")
    assert service.is_enabled
    assert service.is_running
    assert (
        host.socket("tcp://0.0.0.0:9100").is_listening or host.socket("tcp://:::9100").is_listening
    )


def test_endpoint_serves_node_and_textfile_metrics(host):
    metrics = _metrics(host)
    assert any(name.startswith("node_") for name in metrics)
    assert metrics["sharpeyes_md_arrays"] == 0  # no md in the container
    assert metrics["sharpeyes_md_arrays_degraded"] == 0
    assert metrics["sharpeyes_smart_available"] == 1
    assert metrics["sharpeyes_smart_disks"] == 0  # no disk: a metric saying so, no error
    assert metrics["sharpeyes_ntp_available"] == 0  # no chrony in this scenario
    # node-exporter read the role's file without complaint
    assert metrics["node_textfile_scrape_error"] == 0


def test_collector_timer_is_active(host):
    timer = host.service("sharpeyes-health-textfile.timer")
    assert timer.is_enabled
    assert timer.is_running


def test_health_command_prints_a_summary(host):
    summary = json.loads(host.check_output("/usr/local/sbin/sharpeyes-health --json"))
    assert summary["status"] in ("ok", "warning")  # warning: NTP unknown without chrony
    assert summary["unknown"] == ["ntp"]
    assert summary["problems"] == []
    assert summary["node_exporter"]["active"] is True
    assert summary["raid"] == {"available": False, "arrays": 0, "degraded": 0, "details": []}
    assert summary["smart"]["disks"] == 0


def test_md_parser_counts_a_degraded_array(host):
    host.run("printf '%%s' %s > /tmp/mdstat.sample", MDSTAT)
    program = (
        "import importlib.machinery, json; "
        "m = importlib.machinery.SourceFileLoader('h', '/usr/local/sbin/sharpeyes-health').load_module(); "
        "print(json.dumps(m.md_state('/tmp/mdstat.sample')))"
    )
    state = json.loads(host.check_output("python3 -c %s", program))
    assert (state["arrays"], state["degraded"]) == (2, 1)
    assert [a["name"] for a in state["details"] if a["degraded"]] == ["md0"]


def test_smartd_is_off_in_a_container(host):
    assert not host.service("smartmontools").is_running


def test_arguments_are_validated(host):
    if host.backend.get_hostname() != "net_stack-debian12":
        pytest.skip("runs on the controller once")
    rc, output = run_playbook(host, "arguments.yml", "monitoring", local=True)
    assert rc == 0, output
    assert "rescued=1" in output
