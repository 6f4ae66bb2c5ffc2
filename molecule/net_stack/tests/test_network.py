"""Behavioural checks of the network role: networkd brings the addresses up on the lab link,
accepts the bond and VLAN files, refuses to remove the management address in safe mode, and rolls
back a configuration that loses the management path.

The kernel here cannot create bonds or VLANs (no bonding/8021q modules): their files are checked as
networkd reads them; the bond itself is tested in the QEMU VM (roles/network/README.md)."""

from __future__ import annotations

import configparser
import os
import re
import time

import pytest
import testinfra.utils.ansible_runner
from conftest import run_playbook

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(
    os.environ["MOLECULE_INVENTORY_FILE"]
).get_hosts("all")

CONFIG = "/etc/systemd/network"
PREFIX = "50-sharpeyes-"
MANAGEMENT = "198.51.100.10/24"
PEER = "198.51.100.1"


def test_arguments_are_validated(host):
    _one_platform(host)
    rc, output = run_playbook(host, "arguments.yml", "network", local=True)
    assert rc == 0, output
    assert "rescued=2" in output  # both invalid cases refused with their exact message


def _unit(host, name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(host.file(f"{CONFIG}/{PREFIX}{name}").content_string)
    return parser


def _addresses(host, link: str) -> list[str]:
    fields = [
        line.split() for line in host.check_output("ip -o address show dev %s", link).splitlines()
    ]
    return [f[3] for f in fields if len(f) > 3 and f[2] in ("inet", "inet6")]


def test_networkd_is_enabled_and_running(host):
    service = host.service("systemd-networkd")
    assert service.is_enabled
    assert service.is_running


def test_networkd_configured_the_management_address(host):
    assert MANAGEMENT in _addresses(host, "sxmgmt0")
    status = host.check_output("networkctl status sxmgmt0 --no-pager")
    assert f"{CONFIG}/{PREFIX}sxmgmt0.network" in status


def test_the_far_end_answers_across_the_link(host):
    # Not a local address: the reply comes from the namespace peer, over sxmgmt0.
    assert host.run("ping -n -c 1 -w 3 %s", PEER).rc == 0


def test_bond_is_rendered_as_lacp(host):
    bond = _unit(host, "bond0.netdev")
    assert bond["NetDev"]["Kind"] == "bond"
    assert bond["Bond"]["Mode"] == "802.3ad"
    assert bond["Bond"]["LACPTransmitRate"] == "fast"
    assert bond["Bond"]["TransmitHashPolicy"] == "layer3+4"
    for member in ("sxbond0", "sxbond1"):
        assert _unit(host, f"{member}.network")["Network"]["Bond"] == "bond0"
    assert _unit(host, "bond0.network")["Network"]["VLAN"] == "bond0.20"
    vlan = _unit(host, "bond0.20.netdev")
    assert (vlan["NetDev"]["Kind"], vlan["VLAN"]["Id"]) == ("vlan", "20")


def test_networkd_accepts_the_files(host):
    # networkd read every file: the members are configured from theirs, and the bond failed only in
    # the kernel (no bonding module here), not in parsing. No line of ours was rejected.
    log = host.check_output("journalctl --unit systemd-networkd --output cat --no-pager")
    rejected = re.compile(re.escape(f"{CONFIG}/{PREFIX}") + r"\S*:\d+:")  # file:line: complaint
    assert [line for line in log.splitlines() if rejected.search(line)] == []
    assert re.search(r"bond0: .*Operation not supported", log)
    for member in ("sxbond0", "sxbond1"):
        assert f"{CONFIG}/{PREFIX}{member}.network" in host.check_output(
            "networkctl status %s --no-pager", member
        )


def test_files_carry_the_managed_header(host):
    text = host.file(f"{CONFIG}/{PREFIX}sxmgmt0.network").content_string
    assert "sharpeyes:network" in text
    assert "Ansible managed" in text


BROKEN = {"network_interfaces": [{"name": "sxmgmt0", "addresses": ["203.0.113.10/24"]}]}


def _one_platform(host) -> None:
    """The negative runs need one platform only (same code everywhere, each run costs ~30 s)."""
    if host.backend.get_hostname() != "net_stack-debian12":
        pytest.skip("negative runs on net_stack-debian12 only")


def test_safe_mode_refuses_to_remove_the_management_address(host):
    _one_platform(host)
    before = host.file(f"{CONFIG}/{PREFIX}sxmgmt0.network").sha256sum
    rc, output = run_playbook(host, "converge.yml", "network", BROKEN)
    assert rc == 2, output
    assert (
        "network: safe mode: 198.51.100.10 carries the management connection on sxmgmt0, and the new "
        "configuration removes it from sxmgmt0; set network_safe_mode: false to allow it." in output
    )
    assert "changed=0" in output
    assert host.file(f"{CONFIG}/{PREFIX}sxmgmt0.network").sha256sum == before
    assert _addresses(host, "sxmgmt0")[0] == MANAGEMENT


def test_a_configuration_that_loses_the_management_path_is_rolled_back(host):
    _one_platform(host)
    before = host.file(f"{CONFIG}/{PREFIX}sxmgmt0.network").sha256sum
    rc, output = run_playbook(
        host, "converge.yml", "network", {**BROKEN, "network_safe_mode": False}
    )
    assert rc == 2, output
    assert (
        "network: the management path did not come back within 5 s (probe 198.51.100.1 icmp); the "
        "previous configuration was restored and re-applied (management path back)." in output
    )
    assert host.file(f"{CONFIG}/{PREFIX}sxmgmt0.network").sha256sum == before
    for _ in range(10):  # networkd re-applies asynchronously; the module already saw the probe back
        if MANAGEMENT in _addresses(host, "sxmgmt0"):
            break
        time.sleep(0.5)
    assert MANAGEMENT in _addresses(host, "sxmgmt0")
    assert "203.0.113.10/24" not in _addresses(host, "sxmgmt0")
    assert host.run("ping -n -c 1 -w 3 %s", PEER).rc == 0
