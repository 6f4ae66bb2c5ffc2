"""site.yml on the ten lab servers: converge, then a second run and a check run change nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sharpeyes.lab import control
from sharpeyes.paths import repo_root
from sharpeyes.playbook import PlaybookResult, run_playbook

pytestmark = pytest.mark.e2e


def _site(env: dict[str, str], *extra: str) -> PlaybookResult:
    """site.yml on the lab; a failed or unreachable host raises PlaybookFailed."""
    return run_playbook(
        "playbooks/site.yml",
        "--flush-cache",
        "-e",
        "@inventory/lab/connection.yml",
        *extra,
        env=env,
        cwd=repo_root(),
    )


def _changed(result: PlaybookResult) -> dict[str, int]:
    return {host: r.changed for host, r in result.recap.items()}


def test_site_converges_then_changes_nothing(lab_env: dict[str, str]) -> None:
    first = _site(lab_env)
    servers = set(first.recap) - {"localhost"}
    assert len(servers) == 10, f"expected the 10 video servers from NetBox, got {sorted(servers)}"
    assert servers == set(control.server_names())

    second = _site(lab_env)
    assert _changed(second) == dict.fromkeys(second.recap, 0)

    check = _site(lab_env, "--check", "--diff")
    assert _changed(check) == dict.fromkeys(check.recap, 0)


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
