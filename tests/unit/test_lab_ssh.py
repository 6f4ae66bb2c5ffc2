"""The lab's SSH pieces without Docker: keys, ports, known_hosts, the inventory layer, and the
bootstrap's input checks."""

from __future__ import annotations

import socket
import stat
from pathlib import Path

import pytest
import yaml

from sharpeyes.errors import InputError, LabError
from sharpeyes.lab import inventory_layer, ssh
from sharpeyes.ops.bootstrap import Access, Target


@pytest.fixture
def state(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("SHARPEYES_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("SHARPEYES_REPO", str(tmp_path / "repo"))
    monkeypatch.delenv("SHARPEYES_LAB_SSH_PORT_BASE", raising=False)
    return tmp_path


def test_key_pair_is_created_once_private_and_openssh(state: Path) -> None:
    line = ssh.ensure_key(ssh.ops_key(), "ops@lab")
    assert line.startswith("ssh-ed25519 ") and line.endswith(" ops@lab")
    private = ssh.ops_key()
    assert private.read_text().startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert ssh.ensure_key(ssh.ops_key(), "other") == line  # kept, not regenerated
    assert private.is_relative_to(state / "state")


def test_ports_are_assigned_once_and_kept(state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ssh, "_bindable", lambda port: True)  # a running lab holds 22001..
    assert ssh.ports_for(["b", "a"]) == {"b": 22001, "a": 22002}
    assert ssh.ports_for(["c", "a"]) == {"c": 22003, "a": 22002}  # a keeps its port
    assert ssh.ports_for(["a", "b", "c"]) == {"a": 22002, "b": 22001, "c": 22003}


def test_port_base_is_checked(state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ssh, "_bindable", lambda port: True)
    monkeypatch.setenv("SHARPEYES_LAB_SSH_PORT_BASE", "30000")
    assert ssh.ports_for(["x"]) == {"x": 30001}
    monkeypatch.setenv("SHARPEYES_LAB_SSH_PORT_BASE", "22")
    with pytest.raises(LabError, match=r"outside 1024\.\.65000"):
        ssh.ports_for(["y"])


def test_known_hosts_lines_name_the_published_port(state: Path) -> None:
    entries = {22002: ["ssh-rsa BBB", "ssh-ed25519 AAA"], 22001: ["ssh-ed25519 CCC"]}
    assert ssh.known_hosts_text(entries) == (
        "[127.0.0.1]:22001 ssh-ed25519 CCC\n"
        "[127.0.0.1]:22002 ssh-ed25519 AAA\n"
        "[127.0.0.1]:22002 ssh-rsa BBB\n"
    )
    assert ssh.write_known_hosts(entries) is True
    assert ssh.write_known_hosts(entries) is False  # unchanged: not rewritten


def test_inventory_layer_is_written_for_exactly_the_servers(state: Path) -> None:
    assert inventory_layer.write({"qxdc-vc01": 22001, "qxdc-vc02": 22002}) is True
    root = state / "repo" / "inventory" / "lab"
    hv = inventory_layer.parse((root / "host_vars" / "qxdc-vc01.yml").read_text())
    assert hv["ansible_host"] == "127.0.0.1" and hv["ansible_port"] == 22001
    assert hv["ansible_user"] == ssh.OPS_USER and hv["ansible_become"] is True
    assert hv["ansible_ssh_private_key_file"] == str(ssh.ops_key())
    assert f"UserKnownHostsFile={ssh.known_hosts()}" in hv["ansible_ssh_common_args"]
    assert "StrictHostKeyChecking=yes" in hv["ansible_ssh_common_args"]
    assert hv["sharpeyes_ntp_servers"] == []
    assert yaml.safe_load((root / "lab.yml").read_text()) == {
        "all": {"vars": {"sharpeyes_lab": True}}
    }

    assert inventory_layer.write({"qxdc-vc01": 22001, "qxdc-vc02": 22002}) is False  # no-op
    (root / "host_vars" / "hand-made.yml").write_text("foo: 1\n")
    assert inventory_layer.write({"qxdc-vc01": 22001}) is True
    assert sorted(p.name for p in (root / "host_vars").iterdir()) == [
        "hand-made.yml",
        "qxdc-vc01.yml",
    ]

    assert inventory_layer.remove() == [f"inventory layer removed (2 generated files in {root})"]
    assert not (root / "lab.yml").exists() and (root / "host_vars" / "hand-made.yml").exists()


@pytest.mark.parametrize(
    ("spec", "address", "port"),
    [
        ("srv1", "srv1", 22),
        ("192.0.2.7:2222", "192.0.2.7", 2222),
        ("[2001:db8::1]:22", "2001:db8::1", 22),
    ],
)
def test_bootstrap_target_parsing(spec: str, address: str, port: int) -> None:
    assert Target.parse(spec) == Target(name=spec, address=address, port=port)


@pytest.mark.parametrize("spec", ["srv:x", "srv:70000", ":22"])
def test_bad_bootstrap_targets_are_input_errors(spec: str) -> None:
    with pytest.raises(InputError):
        Target.parse(spec)


def test_bootstrap_access_is_checked_before_any_host(tmp_path: Path) -> None:
    key = tmp_path / "ops"
    known = tmp_path / "known_hosts"
    with pytest.raises(InputError, match=f"ops key {key} does not exist"):
        Access(ops_key=key, known_hosts=known).check()
    ssh.ensure_key(key, "ops")
    with pytest.raises(InputError, match=f"known_hosts {known} does not exist"):
        Access(ops_key=key, known_hosts=known).check()
    known.write_text("")
    Access(ops_key=key, known_hosts=known).check()
    key.with_name("ops.pub").write_text("not a key\n")
    with pytest.raises(InputError, match="holds no OpenSSH public key"):
        Access(ops_key=key, known_hosts=known).check()


def test_a_port_in_use_is_skipped(state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))  # an ephemeral port: 32768..60999 on Linux
        busy.listen()
        port = busy.getsockname()[1]
        monkeypatch.setenv("SHARPEYES_LAB_SSH_PORT_BASE", str(port - 1))
        assert ssh.ports_for(["x"])["x"] > port  # the first candidate, `port`, is taken


def test_servers_and_switches_keep_each_others_layer_files(state: Path) -> None:
    """`lab up hosts` and `lab up switches` each rewrite only their own host_vars."""
    root = state / "repo" / "inventory" / "lab"
    assert inventory_layer.write({"qxdc-vc01": 22001}) is True
    switch = {"qx-ps01-sw01": ("127.0.0.1", 28000)}
    assert inventory_layer.write_switches(switch, "sharpeyes") is True
    hv = yaml.safe_load((root / "host_vars" / "qx-ps01-sw01.yml").read_text())
    assert (hv["ansible_host"], hv["ansible_port"], hv["ansible_user"]) == (
        "127.0.0.1",
        28000,
        "sharpeyes",
    )
    assert "SHARPEYES_SWITCH_PASSWORD" in hv["ansible_password"]  # a lookup, never the secret
    assert inventory_layer.write({"qxdc-vc01": 22001}) is False  # the switch file stays
    assert (root / "host_vars" / "qx-ps01-sw01.yml").is_file()
    assert inventory_layer.remove(inventory_layer.SWITCHES) == [
        f"inventory layer removed (1 generated files in {root})"
    ]
    assert (root / "lab.yml").is_file()  # the servers still use it
    assert inventory_layer.remove() == [f"inventory layer removed (2 generated files in {root})"]
