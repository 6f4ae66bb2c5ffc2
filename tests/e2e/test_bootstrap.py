"""`sharpeyes ops bootstrap` on a bare lab container (sshd and root with a one-time key, no Python,
no ops account): afterwards Ansible reaches it as the ops user; a second run changes nothing; root
and passwords are refused. Needs Docker only (not NetBox)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest

from sharpeyes.errors import SharpeyesError
from sharpeyes.lab import control, dockerd, hosts, ssh
from sharpeyes.paths import repo_root

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent
NAME = control.BARE_HOSTS[0]


@pytest.fixture(scope="module")
def bare_port() -> Iterator[int]:
    """A fresh bare container (any earlier one is removed first); its SSH port."""
    try:
        hosts.down([NAME], kind=hosts.BARE)
        control.up("bare")
    except SharpeyesError as exc:  # a missing lab service fails the tier, never skips
        pytest.fail(f"bare lab host could not come up: {exc.message} ({exc.hint or 'no hint'})")
    try:
        yield ssh.ports_for([NAME])[NAME]
    finally:
        hosts.down([NAME], kind=hosts.BARE)


def _exec(cmd: list[str]) -> tuple[int, str]:
    client = dockerd.try_client()
    assert client is not None
    return hosts.exec_text(client.containers.get(NAME), cmd)


def _bootstrap(port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(BIN / "sharpeyes"),
            "ops",
            "bootstrap",
            f"127.0.0.1:{port}",
            "--ops-key",
            str(ssh.ops_key()),
            "--known-hosts",
            str(ssh.known_hosts()),
            "--login-key",
            str(ssh.bootstrap_key()),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_bootstrap_brings_a_bare_host_to_ansible(bare_port: int, tmp_path: Path) -> None:
    assert _exec(["sh", "-c", "command -v python3 sudo; id sharpeyes-ops"])[0] != 0  # bare

    first = _bootstrap(bare_port)
    assert first.returncode == 0, first.stdout + first.stderr[-3000:]
    assert "ok" in first.stdout and "as root" in first.stdout and "change(s)" in first.stdout

    second = _bootstrap(bare_port)  # root is locked out now: reached as the ops user
    assert second.returncode == 0, second.stdout + second.stderr[-3000:]
    assert f"as {ssh.OPS_USER}" in second.stdout and "no changes" in second.stdout

    inventory = tmp_path / "bare.yml"
    inventory.write_text(
        "all:\n  hosts:\n    bare:\n"
        f"      ansible_host: 127.0.0.1\n      ansible_port: {bare_port}\n"
        f"      ansible_user: {ssh.OPS_USER}\n"
        f"      ansible_ssh_private_key_file: {ssh.ops_key()}\n"
        f"      ansible_ssh_common_args: -o UserKnownHostsFile={ssh.known_hosts()}"
        " -o StrictHostKeyChecking=yes\n"
    )
    ping = subprocess.run(
        [str(BIN / "ansible"), "bare", "-i", str(inventory), "-b", "-m", "ansible.builtin.ping"],
        capture_output=True,
        text=True,
        check=False,
        cwd=repo_root(),
    )
    assert ping.returncode == 0, ping.stdout[-2000:] + ping.stderr[-2000:]
    assert '"ping": "pong"' in ping.stdout

    client = paramiko.SSHClient()
    client.load_host_keys(str(ssh.known_hosts()))
    with pytest.raises(paramiko.AuthenticationException):
        client.connect(
            "127.0.0.1",
            port=bare_port,
            username="root",
            key_filename=str(ssh.bootstrap_key()),
            look_for_keys=False,
            allow_agent=False,
        )
    code, effective = _exec(["/usr/sbin/sshd", "-T"])
    assert code == 0
    assert {"passwordauthentication no", "permitrootlogin no"} <= set(effective.splitlines())


def test_unknown_host_key_is_refused(bare_port: int, tmp_path: Path) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    proc = subprocess.run(
        [
            str(BIN / "sharpeyes"),
            "ops",
            "bootstrap",
            f"127.0.0.1:{bare_port}",
            "--ops-key",
            str(ssh.ops_key()),
            "--known-hosts",
            str(empty),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "not in known_hosts" in proc.stdout
