"""Client of the simulator's control socket: status, faults, reboot, configuration, manual
changes; one JSON request per line, one JSON reply."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

from sharpeyes.errors import DependencyUnavailable, InputError
from sharpeyes.switches.sim.server import CONTROL_SOCKET


def request(directory: Path, payload: dict[str, Any], timeout: float = 10.0) -> dict[str, Any]:
    """Send one request; DependencyUnavailable when the simulator is not running, InputError
    when it refuses the request (unknown switch, bad op)."""
    path = directory / CONTROL_SOCKET
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(path))
            sock.sendall(json.dumps(payload).encode() + b"\n")
            data = b""
            while not data.endswith(b"\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
    except OSError as exc:
        raise DependencyUnavailable(
            f"switch simulator: control socket {path}: {exc}",
            hint="sharpeyes lab up switches",
        ) from exc
    reply: dict[str, Any] = json.loads(data)
    if not reply.get("ok"):
        raise InputError(f"switch simulator: {reply.get('error')}")
    return reply


def set_faults(
    directory: Path,
    switch: str,
    *,
    drop_after: int | None = None,
    reject: list[str] | None = None,
    delay: float | None = None,
    clear: bool = False,
) -> dict[str, Any]:
    payload: dict[str, Any] = {"op": "faults", "switch": switch, "clear": clear}
    if drop_after is not None:
        payload["drop_after"] = drop_after
    if reject is not None:
        payload["reject"] = reject
    if delay is not None:
        payload["delay"] = delay
    return dict(request(directory, payload)["faults"])


def reboot(directory: Path, switch: str) -> None:
    request(directory, {"op": "reboot", "switch": switch})


def configuration(directory: Path, switch: str, *, saved: bool = False) -> str:
    return str(request(directory, {"op": "config", "switch": switch, "saved": saved})["config"])


def execute(directory: Path, switch: str, lines: list[str]) -> list[str]:
    return [
        str(x)
        for x in request(directory, {"op": "exec", "switch": switch, "lines": lines})["output"]
    ]


def status(directory: Path) -> dict[str, Any]:
    return request(directory, {"op": "status"})
