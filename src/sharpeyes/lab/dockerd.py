"""The Docker daemon for the lab: connect, start it when absent, stop only what we started.

LAB-NOTES: never start a second dockerd (and never with `--bridge=none`, it deletes docker0).
An explicit DOCKER_HOST is respected: we connect there and never start a daemon for it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import docker
import requests
from docker.errors import DockerException

from sharpeyes.errors import DependencyUnavailable
from sharpeyes.lab._proc import pid_alive
from sharpeyes.paths import state_dir

log = logging.getLogger(__name__)

DEFAULT_SOCKET = Path("/var/run/docker.sock")
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0


def _dir() -> Path:
    return state_dir() / "docker"


def _marker() -> Path:
    """Exists (holding dockerd's pid) only while a dockerd started by the lab runs."""
    return _dir() / "started-by-lab.pid"


def _pidfile() -> Path:
    return _dir() / "dockerd.pid"


def _running_dockerd_pids() -> list[int]:
    """Every dockerd process on the machine (by /proc comm), whoever started it."""
    pids: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() == "dockerd":
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def explicit_host() -> str | None:
    """DOCKER_HOST when the user set one; the lab then never starts a daemon."""
    return os.environ.get("DOCKER_HOST") or None


def try_client() -> docker.DockerClient | None:
    """A client whose daemon answers a ping, else None (never raises)."""
    try:
        client = docker.from_env(timeout=120)
        client.ping()
    except (DockerException, requests.RequestException):
        return None
    return client


def ensure_daemon() -> tuple[docker.DockerClient, bool]:
    """A connected client, plus True when this call started dockerd.

    Raises DependencyUnavailable (nothing left running) when Docker cannot be reached or started.
    """
    client = try_client()
    if client is not None:
        return client, False
    host = explicit_host()
    if host:
        raise DependencyUnavailable(
            f"Docker daemon at DOCKER_HOST={host} does not answer",
            hint="start that daemon, or unset DOCKER_HOST to let the lab start the local dockerd",
        )
    if _running_dockerd_pids():
        # Someone's dockerd is starting or wedged: wait for it, never start a second one.
        client = _wait_for_daemon(None)
        if client is None:
            raise DependencyUnavailable(
                "a dockerd process runs but its socket does not answer",
                hint=f"check that dockerd (pids {_running_dockerd_pids()}) and {DEFAULT_SOCKET}",
            )
        return client, False
    return _start_daemon(), True


def _wait_for_daemon(proc: subprocess.Popen[bytes] | None) -> docker.DockerClient | None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return None
        if DEFAULT_SOCKET.exists():
            client = try_client()
            if client is not None:
                return client
        time.sleep(0.5)
    return None


def _log_tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _start_daemon() -> docker.DockerClient:
    binary = shutil.which("dockerd")
    if binary is None:
        raise DependencyUnavailable(
            "Docker is not installed (no dockerd binary)",
            hint="apt-get install docker.io",
        )
    _dir().mkdir(parents=True, exist_ok=True)
    log_path = _dir() / "dockerd.log"
    log.info("starting %s (log %s)", binary, log_path)
    with log_path.open("ab") as out:
        # Equivalent of `setsid dockerd >log 2>&1 &`: own session, survives this process.
        proc = subprocess.Popen(
            [binary, "--pidfile", str(_pidfile())],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _marker().write_text(f"{proc.pid}\n")
    client = _wait_for_daemon(proc)
    if client is None:
        _terminate(proc.pid)
        proc.poll()
        _marker().unlink(missing_ok=True)
        raise DependencyUnavailable(
            f"dockerd did not start within {START_TIMEOUT_S:.0f} s: {_log_tail(log_path)}",
            hint=f"see {log_path}",
        )
    log.info("dockerd started (pid %d)", proc.pid)
    return client


def _terminate(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline and pid_alive(pid):
        with contextlib.suppress(ChildProcessError):  # reap it if it is our child
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.2)
    if pid_alive(pid):
        os.kill(pid, signal.SIGKILL)


def started_by_lab() -> int | None:
    """Pid of the dockerd the lab started, when it still runs."""
    try:
        pid = int(_marker().read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if pid_alive(pid) else None


def stop_daemon_if_ours() -> str | None:
    """Stop dockerd only when the lab started it; a line for the report, else None."""
    pid = started_by_lab()
    if pid is None:
        _marker().unlink(missing_ok=True)  # stale marker
        return None
    log.info("stopping dockerd (pid %d)", pid)
    _terminate(pid)
    _marker().unlink(missing_ok=True)
    return f"dockerd stopped (pid {pid}, started by the lab)"
