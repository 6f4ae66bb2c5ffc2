"""Process and port utilities for the lab: run a tool, spawn a detached daemon, stop it, wait."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from sharpeyes.errors import LabError

log = logging.getLogger(__name__)


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """True when something already listens on host:port (a bind test, as the daemon would do)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return True
            raise
    return False


def pid_alive(pid: int | None) -> bool:
    """True when the process exists and is not a zombie."""
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(OSError):
        # Field 3 is the state; "Z" is a zombie waiting for its parent.
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return True


def cmdline(pid: int) -> str:
    """The process's command line ('' when it is gone), to check a pid still is our daemon."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def run(
    argv: Sequence[str],
    *,
    what: str,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 900,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a tool to completion; on failure raise LabError naming `what` and the tool's message."""
    log.debug("run %s", argv[0] if argv else "?")
    try:
        proc = subprocess.run(
            list(argv),
            input=stdin,
            capture_output=True,
            text=True,
            env=dict(env) if env is not None else None,
            timeout=timeout,
            cwd=cwd,
            check=False,
        )
    except FileNotFoundError as exc:
        raise LabError(f"{what}: {argv[0]} not found", hint="is the package installed?") from exc
    except subprocess.TimeoutExpired as exc:
        raise LabError(f"{what}: {argv[0]} did not finish within {timeout:.0f} s") from exc
    if proc.returncode != 0:
        raise LabError(
            f"{what} failed (exit {proc.returncode}): {tail(proc.stderr or proc.stdout)}"
        )
    return proc


def tail(text: str, lines: int = 3) -> str:
    """The last non-empty lines of a tool's output, joined on one line."""
    kept = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " | ".join(kept[-lines:]) or "no output"


def spawn_detached(
    argv: Sequence[str], *, log_path: Path, env: Mapping[str, str], cwd: Path | None = None
) -> int:
    """Start a daemon in its own session (setsid), output appended to log_path; return its pid."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as out:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )
    return proc.pid


def reap(pid: int) -> None:
    """Collect a child that exited, so it does not linger as a zombie in this process."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def terminate(
    pid: int, *, timeout: float = 20, group: bool = True, sig: signal.Signals = signal.SIGTERM
) -> bool:
    """Send `sig` (its whole session group when `group`), SIGKILL the group after timeout.

    Returns True when something was running.
    """
    if not pid_alive(pid):
        reap(pid)
        return False

    def send(signum: signal.Signals, to_group: bool) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if to_group:
                os.killpg(pid, signum)
            else:
                os.kill(pid, signum)

    send(sig, group)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reap(pid)
        if not pid_alive(pid):
            return True
        time.sleep(0.2)
    log.info("pid %d still running %.0f s after %s; sending SIGKILL", pid, timeout, sig.name)
    send(signal.SIGKILL, True)  # the daemons we start lead their own process group
    send(signal.SIGKILL, False)
    reap(pid)
    return True


def wait_until(check: Callable[[], bool], *, timeout: float, interval: float = 0.5) -> bool:
    """Poll `check` until it returns True or timeout seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
