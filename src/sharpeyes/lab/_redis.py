"""Redis for the lab NetBox: reuse one that answers on the port, else start Debian's redis-server.

A redis we start runs daemonized on 127.0.0.1 without persistence, its pidfile and log under the
lab state directory, so `down` can stop exactly that process.
"""

from __future__ import annotations

import logging
import shutil
import socket
from pathlib import Path

from sharpeyes.errors import LabError
from sharpeyes.lab import _proc

log = logging.getLogger(__name__)

HOST = "127.0.0.1"


def command(port: int, *words: str, timeout: float = 2.0) -> list[str]:
    """Send inline commands (one per word list item, e.g. "PING") and return the reply lines."""
    payload = "".join(f"{w}\r\n" for w in words).encode()
    with socket.create_connection((HOST, port), timeout=timeout) as sock:
        sock.sendall(payload)
        data = b""
        while data.count(b"\r\n") < len(words):
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.decode(errors="replace").splitlines()


def answers(port: int) -> bool:
    try:
        return command(port, "PING") == ["+PONG"]
    except OSError:
        return False


def start(port: int, workdir: Path) -> int | None:
    """Ensure a redis answers on port; return the pid when this call started it, else None."""
    if answers(port):
        return None
    if _proc.port_in_use(port, HOST):
        raise LabError(
            f"port {HOST}:{port} is in use by something that is not Redis",
            hint="free the port or set SHARPEYES_NETBOX_REDIS_PORT",
        )
    if shutil.which("redis-server") is None:
        raise LabError("redis-server not found", hint="apt-get install redis-server")
    workdir.mkdir(parents=True, exist_ok=True)
    pidfile = workdir / "redis.pid"
    pidfile.unlink(missing_ok=True)
    log.info("starting redis-server on %s:%d", HOST, port)
    _proc.run(
        [
            "redis-server", "--daemonize", "yes", "--bind", HOST, "--port", str(port),
            "--pidfile", str(pidfile), "--dir", str(workdir),
            "--logfile", str(workdir / "redis.log"), "--save", "", "--appendonly", "no",
        ],
        what="starting redis-server",
        timeout=60,
    )  # fmt: skip
    if not _proc.wait_until(lambda: answers(port) and pidfile.is_file(), timeout=15, interval=0.2):
        raise LabError(
            f"redis-server on {HOST}:{port} did not answer within 15 s",
            hint=f"see {workdir / 'redis.log'}",
        )
    return int(pidfile.read_text().strip())


def stop(pid: int) -> bool:
    """Stop a redis-server we started (checked by its command line); True when it was running."""
    if "redis-server" not in _proc.cmdline(pid):
        return False
    return _proc.terminate(pid, group=False)


def flush_db(port: int, database: int) -> None:
    """Empty one logical database (the caching one after a reset)."""
    reply = command(port, f"SELECT {database}", "FLUSHDB")
    if reply != ["+OK", "+OK"]:
        raise LabError(f"redis on {HOST}:{port} refused FLUSHDB: {' '.join(reply)}")
