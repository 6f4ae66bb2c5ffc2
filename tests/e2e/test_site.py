"""site.yml on the ten lab servers over SSH (NetBox's inventory + the lab layer): converge, then a
second run and a check run change nothing; ad-hoc Ansible and pyinfra reach the servers as the ops
user."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sharpeyes.lab import control, ssh, vault
from sharpeyes.lab.demo import LAB_INVENTORY
from sharpeyes.paths import repo_root
from sharpeyes.playbook import PlaybookResult, run_playbook

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent
JOURNALD_DROP_IN = "/etc/systemd/journald.conf.d/60-sharpeyes-base.conf"  # the base role's


def _site(env: dict[str, str], *extra: str) -> PlaybookResult:
    """site.yml on the lab; a failed or unreachable host raises PlaybookFailed."""
    return run_playbook(
        "playbooks/site.yml", "--flush-cache", *LAB_INVENTORY, *extra, env=env, cwd=repo_root()
    )


def _changed(result: PlaybookResult) -> dict[str, int]:
    return {host: r.changed for host, r in result.recap.items()}


def _run(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(argv), env=env, cwd=repo_root(), capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def converged(lab_env: dict[str, str]) -> PlaybookResult:
    """One converge shared by the checks below."""
    return _site(lab_env)


def test_site_converges_then_changes_nothing(
    lab_env: dict[str, str], converged: PlaybookResult
) -> None:
    servers = set(converged.recap) - {"localhost"}
    assert len(servers) == 10, f"expected the 10 video servers from NetBox, got {sorted(servers)}"
    assert servers == set(control.server_names())

    second = _site(lab_env)
    assert _changed(second) == dict.fromkeys(second.recap, 0)


def test_check_diff_shows_exactly_a_manual_change(
    lab_env: dict[str, str], converged: PlaybookResult
) -> None:
    """Someone edits a managed file on one server: --check --diff shows that edit and only it
    (nothing is changed), and the next run puts the file back."""
    host, path = "qxdc-vc01", JOURNALD_DROP_IN
    edit = f"echo 'SystemMaxUse=99G' >> {path}"
    assert _run(lab_env, "docker", "exec", host, "sh", "-c", edit).returncode == 0
    check = _site(lab_env, "--check", "--diff", "--limit", host)
    assert [h for h, n in _changed(check).items() if n] == [host]
    assert "-SystemMaxUse=99G" in check.output
    assert _run(lab_env, "docker", "exec", host, "grep", "-c", "99G", path).stdout.strip() == "1"
    fixed = _site(lab_env, "--limit", host)
    assert [h for h, n in _changed(fixed).items() if n] == [host]
    assert _run(lab_env, "docker", "exec", host, "grep", "-c", "99G", path).stdout.strip() == "0"


def test_emergency_account_gets_the_vaulted_hash_and_no_ssh(
    lab_env: dict[str, str], converged: PlaybookResult
) -> None:
    """The lab's secrets are vaulted like production's: the inventory layer holds the emergency
    account's hash only as vault ciphertext (password generated in the lab state, out of git);
    the users role decrypts it onto every server, and sshd denies the account."""
    crypt_hash = vault.decrypt(vault.emergency_hash())
    assert crypt_hash.startswith("$6$")
    layer = sorted((repo_root() / "inventory" / "lab" / "host_vars").glob("qxdc-vc*.yml"))
    assert len(layer) == 10
    for path in layer:
        text = path.read_text(encoding="utf-8")
        assert "users_emergency_password_hash: !vault |" in text and crypt_hash not in text
    for host in control.server_names():
        shadow = _run(lab_env, "docker", "exec", host, "getent", "shadow", "sharpeyes-emergency")
        assert shadow.stdout.split(":")[1] == crypt_hash, host
    sshd = _run(lab_env, "docker", "exec", "qxdc-vc01", "sshd", "-T")
    denied = [line.split()[1:] for line in sshd.stdout.splitlines() if line.startswith("denyusers")]
    assert any("sharpeyes-emergency" in users for users in denied), sshd.stdout[-2000:]


def test_inventory_is_netboxs_hosts_reached_over_ssh(lab_env: dict[str, str]) -> None:
    proc = _run(lab_env, str(BIN / "ansible-inventory"), *LAB_INVENTORY, "--list")
    assert proc.returncode == 0, proc.stderr[-2000:]
    inv = json.loads(proc.stdout)
    hostvars = inv["_meta"]["hostvars"]
    servers = set(inv["role_video_server"]["hosts"])
    assert len(servers) == 10 and len(inv["role_access_switch"]["hosts"]) == 80
    assert len(hostvars) == 90  # servers and switches only: no camera is a host
    for name in servers:
        assert hostvars[name]["ansible_host"] == "127.0.0.1"
        assert hostvars[name]["ansible_user"] == ssh.OPS_USER
        assert hostvars[name]["sharpeyes_ntp_servers"] == []  # the lab's value beats NetBox's


def test_ansible_reaches_every_server_as_the_ops_user(
    lab_env: dict[str, str], converged: PlaybookResult
) -> None:
    proc = _run(
        lab_env,
        str(BIN / "ansible"),
        "role_video_server",
        *LAB_INVENTORY,
        "-m",
        "ansible.builtin.command",
        "-a",
        "chronyc -n tracking",
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert proc.stdout.count("Reference ID") == 10
    # logged in as the ops user, root through sudo (ansible_become from the lab layer)
    who = _run(
        lab_env,
        str(BIN / "ansible"),
        "qxdc-vc01",
        *LAB_INVENTORY,
        "-m",
        "ansible.builtin.command",
        "-a",
        "printenv SUDO_USER USER",
    )
    assert who.returncode == 0, who.stdout[-2000:]
    assert who.stdout.split()[-2:] == [ssh.OPS_USER, "root"], who.stdout


def test_pyinfra_reaches_a_server_over_ssh(lab_env: dict[str, str]) -> None:
    port = ssh.ports_for(["qxdc-vc01"])["qxdc-vc01"]
    proc = _run(
        lab_env,
        str(BIN / "pyinfra"),
        "-y",
        "--user",
        ssh.OPS_USER,
        "--key",
        str(ssh.ops_key()),
        "--port",
        str(port),
        "--data",
        f"ssh_known_hosts_file={ssh.known_hosts()}",
        "--data",
        "ssh_strict_host_key_checking=yes",
        "127.0.0.1",
        "exec",
        "--",
        "uname -n | tr a-z A-Z",  # upper case: proves the output came from the container
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "QXDC-VC01" in proc.stdout + proc.stderr
