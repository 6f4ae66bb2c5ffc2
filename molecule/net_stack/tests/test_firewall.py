"""Behavioural checks of the firewall role: packets from the far end of the lab link (namespace
peer) are accepted or dropped as the prefixes say, the live ruleset holds the rules, and a ruleset
that would lock out the controller is refused with the live ruleset unchanged.

Lab link: 198.51.100.1 is in the management prefix (198.51.100.0/25), 198.51.100.129 in the camera
prefix (198.51.100.128/25); the server is 198.51.100.10."""

from __future__ import annotations

import os

import pytest
import testinfra.utils.ansible_runner
from conftest import reach, run_playbook

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(
    os.environ["MOLECULE_INVENTORY_FILE"]
).get_hosts("all")

SERVER = "198.51.100.10"
MANAGEMENT = "198.51.100.1"
CAMERA = "198.51.100.129"


def _one_platform(host) -> None:
    """The negative runs need one platform only (same code everywhere, each run costs ~30 s)."""
    if host.backend.get_hostname() != "net_stack-debian12":
        pytest.skip("negative runs on net_stack-debian12 only")


def test_nftables_is_enabled(host):
    assert host.service("nftables").is_enabled


def test_live_ruleset_holds_the_rules(host):
    ruleset = host.check_output("nft list table inet sharpeyes")
    assert "policy drop;" in ruleset
    assert 'ip saddr 198.51.100.0/25 tcp dport 22 accept comment "ssh from management"' in ruleset
    assert "udp dport 5060 accept" in ruleset
    assert "udp dport 30000-31999 accept" in ruleset
    assert 'comment "node_exporter"' in ruleset  # an extra rule, state present
    assert "8080" not in ruleset  # an extra rule, state absent


@pytest.mark.parametrize(
    ("source", "port", "proto", "allowed"),
    [
        (MANAGEMENT, 22, "tcp", True),  # SSH from the management prefix
        (CAMERA, 22, "tcp", False),  # SSH from anywhere else
        (CAMERA, 5060, "tcp", True),  # SIP from the cameras
        (CAMERA, 5060, "udp", True),
        (MANAGEMENT, 5060, "udp", False),  # SIP from the management prefix: not a camera
        (CAMERA, 30000, "udp", True),  # RTP range
        (MANAGEMENT, 8080, "tcp", False),  # a port nothing opens
        (MANAGEMENT, 9100, "tcp", True),  # node-exporter, the extra rule
        (CAMERA, 9100, "tcp", False),
    ],
)
def test_packets_are_filtered_by_source_and_port(host, source, port, proto, allowed):
    result = reach(host, source, SERVER, port, proto)
    if allowed:
        assert result in ("open", "refused"), (
            result
        )  # reached the host (a service or a closed port)
    else:
        assert result == "timeout", result  # dropped by the input policy


def test_ruleset_file_is_checked_and_managed(host):
    assert host.run("nft -c -f /etc/nftables.conf").rc == 0
    assert host.file("/etc/nftables.conf").contains("sharpeyes:firewall")


def test_arguments_are_validated(host):
    _one_platform(host)
    rc, output = run_playbook(host, "arguments.yml", "firewall", local=True)
    assert rc == 0, output
    assert "rescued=2" in output


def test_a_ruleset_that_locks_out_the_controller_is_refused(host):
    _one_platform(host)
    before = (
        host.check_output("nft list table inet sharpeyes"),
        host.file("/etc/nftables.conf").sha256sum,
    )
    rc, output = run_playbook(
        host, "converge.yml", "firewall", {"firewall_management_prefixes": ["192.0.2.0/24"]}
    )
    assert rc == 2, output
    assert (
        "firewall: refusing to load a ruleset that locks out the controller: the controller "
        "198.51.100.1 (tcp/22) matches no rule of chain input, whose policy is drop; set "
        "firewall_allow_lockout: true to load it anyway." in output
    )
    assert "changed=0" in output
    assert (
        host.check_output("nft list table inet sharpeyes"),
        host.file("/etc/nftables.conf").sha256sum,
    ) == before
