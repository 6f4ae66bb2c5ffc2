"""site.yml on the ten lab servers: converge, then a second run and a check run change nothing."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from sharpeyes.paths import repo_root

pytestmark = pytest.mark.e2e
RECAP = re.compile(
    r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE
)


def _site(env: dict[str, str], *extra: str) -> dict[str, tuple[int, int, int, int]]:
    argv = [
        str(Path(sys.executable).parent / "ansible-playbook"),
        "playbooks/site.yml",
        "--flush-cache",
        "-e",
        "@inventory/lab/connection.yml",
        *extra,
    ]
    proc = subprocess.run(
        argv, env=env, cwd=repo_root(), capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return {m[1]: (int(m[2]), int(m[3]), int(m[4]), int(m[5])) for m in RECAP.finditer(proc.stdout)}


def test_site_converges_then_changes_nothing(lab_env: dict[str, str]) -> None:
    first = _site(lab_env)
    servers = {h for h in first if h != "localhost"}
    assert len(servers) == 10, f"expected the 10 video servers from NetBox, got {sorted(servers)}"
    assert all(r[2] == 0 and r[3] == 0 for r in first.values())

    second = _site(lab_env)
    assert {h: r[1] for h, r in second.items()} == dict.fromkeys(second, 0)

    check = _site(lab_env, "--check", "--diff")
    assert {h: r[1] for h, r in check.items()} == dict.fromkeys(check, 0)


def test_chrony_serves_time_on_every_server(lab_env: dict[str, str]) -> None:
    _site(lab_env, "--tags", "chrony")
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible"),
            "role_video_server",
            "-i",
            "inventory/netbox.yml",
            "--flush-cache",
            "-e",
            "@inventory/lab/connection.yml",
            "-m",
            "ansible.builtin.command",
            "-a",
            "chronyc -n tracking",
        ],
        env=lab_env,
        cwd=repo_root(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert proc.stdout.count("Reference ID") == 10


def test_pyinfra_reaches_a_server_through_its_docker_connector(lab_env: dict[str, str]) -> None:
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "pyinfra"),
            "-y",
            "@docker/qxdc-vc01",
            "exec",
            "--",
            "uname -n | tr a-z A-Z",  # upper case: proves the output came from the container
        ],
        env=lab_env,
        cwd=repo_root(),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "QXDC-VC01" in proc.stdout + proc.stderr
