"""Compose the lab parts: `up`/`down`/`status`/`env` over NetBox and the server containers.

Each part module (`sharpeyes.lab.netbox`, `sharpeyes.lab.hosts`) exposes the same small API:
`up() -> list[str]`, `down() -> list[str]`, `status() -> dict` (hosts: `{"hosts": [...]}`).
`up` is idempotent and, when it fails, stops whatever this call started before re-raising.
"""

from __future__ import annotations

from typing import Any

from sharpeyes.lab import hosts, netbox

PARTS = ("netbox", "hosts")


def _selected(part: str) -> tuple[str, ...]:
    return PARTS if part == "all" else (part,)


def up(part: str = "all") -> list[str]:
    lines: list[str] = []
    for name in _selected(part):
        lines += netbox.up() if name == "netbox" else hosts.up()
    return lines


def down(part: str = "all") -> list[str]:
    lines: list[str] = []
    for name in reversed(_selected(part)):
        lines += netbox.down() if name == "netbox" else hosts.down()
    return lines


def status() -> dict[str, Any]:
    return {"netbox": netbox.status(), "hosts": hosts.status()["hosts"]}


def format_status(report: dict[str, Any]) -> str:
    nb = report["netbox"]
    lines = [
        f"netbox  {nb.get('url') or '-'}  version {nb.get('version') or '-'}  "
        f"{'healthy' if nb.get('healthy') else 'not healthy'}"
    ]
    for host in report["hosts"]:
        state = "running" if host["running"] else "stopped"
        lines.append(f"host    {host['name']:<14} {host['image']:<36} {state}")
    if not report["hosts"]:
        lines.append("hosts   none")
    return "\n".join(lines)


def env_exports() -> str:
    creds = netbox.credentials()
    return f"export NETBOX_API={creds.url} NETBOX_TOKEN={creds.token}"
