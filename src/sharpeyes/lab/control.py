"""Compose the lab parts: `up`/`down`/`status` over NetBox, the server containers and the
switch simulators.

Parts are registered in `PARTS` (in bring-up order): each has an `up() -> list[PartResult]` and a
`down() -> list[str]`. `up` is idempotent and, when it fails, stops whatever that part's call
started before re-raising.

The host containers stand in for the video servers NetBox lists, so `up("hosts")` reads NetBox
first (with the production client and the lab's credentials) and fails loudly when it cannot.
While NetBox holds no video servers yet (a fresh lab, or one reset by the integration tests:
the dataset is applied later, by `sot apply`), it starts the dataset's ten servers
(`DEFAULT_SERVERS`) and says so in a warning; `sharpeyes demo` applies the dataset before it
brings the hosts up, so it never needs that fallback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pynetbox  # type: ignore[import-untyped]
import requests

from sharpeyes.errors import DependencyUnavailable
from sharpeyes.lab import hosts, inventory_layer, netbox, ssh, switches, vm
from sharpeyes.lab.parts import PartResult
from sharpeyes.sot import client
from sharpeyes.vocab import SERVER_ROLE

log = logging.getLogger(__name__)

# The estate's video servers (netbox/estate dcim.devices, role video-server), for a NetBox that
# holds none yet. NetBox stays the source: as soon as it lists servers, only those are started.
DEFAULT_SERVERS = tuple(f"qxdc-vc{i:02d}" for i in range(1, 11))
# A server as the vendor delivers it, for `sharpeyes ops bootstrap` (not part of `lab up all`).
BARE_HOSTS = ("sharpeyes-bare1",)
BARE_IMAGE = "debian12-bare"


@dataclass(frozen=True)
class LabPart:
    up: Callable[[], list[PartResult]]
    down: Callable[[], list[str]]
    in_all: bool = True  # brought up by `lab up all` (`lab down all` stops every part)


def server_names() -> list[str]:
    """The video servers (device role `video-server`) the lab NetBox lists, sorted.

    DependencyUnavailable when the lab NetBox cannot be read; the default ten, with a warning,
    when it answers but lists no video servers yet.
    """
    try:
        creds = netbox.credentials()
        api = client.connect(creds.url, creds.token)
        role = api.dcim.device_roles.get(slug=SERVER_ROLE)
        # Filter by id: an unknown role slug is a 400 from NetBox, not an empty list.
        devices = list(api.dcim.devices.filter(role_id=role.id)) if role is not None else []
    except DependencyUnavailable as exc:
        raise DependencyUnavailable(
            f"lab hosts: cannot read the video servers from the lab NetBox: {exc.message}",
            hint="bring NetBox up first: sharpeyes lab up netbox (or lab up all)",
        ) from exc
    except (pynetbox.RequestError, requests.RequestException) as exc:
        raise DependencyUnavailable(
            f"lab hosts: reading the video servers from the lab NetBox failed: {exc}",
            hint="sharpeyes lab status",
        ) from exc
    names = sorted(d.name for d in devices if d.name)
    if not names:
        log.warning(
            "NetBox lists no %s devices yet (dataset not applied): starting the default %d "
            "servers %s..%s; apply the dataset with `sharpeyes --lab sot apply`",
            SERVER_ROLE,
            len(DEFAULT_SERVERS),
            DEFAULT_SERVERS[0],
            DEFAULT_SERVERS[-1],
        )
        return list(DEFAULT_SERVERS)
    return names


def _netbox_up() -> list[PartResult]:
    before = netbox.status()  # healthy and ours: `netbox.up` only confirms it
    already = bool(before["running"] and before["healthy"])
    lines = netbox.up()
    if already:
        detail = f"NetBox {before['version']}"
        return [PartResult("netbox", netbox.credentials().url, "already running", detail)]
    for line in lines[:-1]:  # what it started, step by step; the last line sums up
        log.info("netbox: %s", line)
    return [PartResult("netbox", netbox.credentials().url, "started", lines[-1] if lines else "")]


def _hosts_up() -> list[PartResult]:
    names = server_names()
    results = hosts.up(names)
    # The RAID VM, while it runs, is the server it stands in for: its host_vars stay.
    standing_in = {vm.load_state().get("server")} if vm.status()["running"] else set()
    ports = {n: p for n, p in ssh.ports_for(names).items() if n not in standing_in}
    if inventory_layer.write(ports):
        log.info("wrote the lab inventory layer in %s", inventory_layer.layer_dir())
    return results


def _hosts_down() -> list[str]:
    return hosts.down() + inventory_layer.remove()


def _switches_up() -> list[PartResult]:
    results = switches.up()
    endpoints = switches.endpoints() if switches.status()["running"] else {}
    if inventory_layer.write_switches(endpoints, switches.credentials()[0]):
        log.info("wrote the switches to the lab inventory layer in %s", inventory_layer.layer_dir())
    return results


def _switches_down() -> list[str]:
    return switches.down() + inventory_layer.remove(inventory_layer.SWITCHES)


def _raidvm_down() -> list[str]:
    """Stop the VM; the container of the server it stood in for gets its host_vars back."""
    lines = vm.down()
    running = [h["name"] for h in hosts.status()["hosts"] if h["running"]]
    if running and inventory_layer.write(ssh.ports_for(running)):
        lines.append(f"inventory layer: host_vars of {len(running)} server containers rewritten")
    return lines


def _bare_up() -> list[PartResult]:
    return hosts.up(BARE_HOSTS, distro=BARE_IMAGE, kind=hosts.BARE)


def _bare_down() -> list[str]:
    return hosts.down(kind=hosts.BARE)


PARTS: dict[str, LabPart] = {
    "netbox": LabPart(up=_netbox_up, down=netbox.down),
    "hosts": LabPart(up=_hosts_up, down=_hosts_down),
    "switches": LabPart(up=_switches_up, down=_switches_down),
    "bare": LabPart(up=_bare_up, down=_bare_down, in_all=False),
    # QEMU (TCG) with real disks for the RAID role; slow to boot, so not part of `all`.
    "raidvm": LabPart(up=vm.up, down=_raidvm_down, in_all=False),
}


def _selected(part: str, *, up: bool = False) -> list[str]:
    if part == "all":
        return [name for name, p in PARTS.items() if p.in_all or not up]
    if part not in PARTS:
        raise ValueError(f"unknown lab part {part!r} (one of {', '.join(PARTS)}, all)")
    return [part]


def up(part: str = "all") -> list[PartResult]:
    """Bring `part` (or every part, in order) up; one result per thing it started or found up."""
    results: list[PartResult] = []
    for name in _selected(part, up=True):
        results += PARTS[name].up()
    return results


def down(part: str = "all") -> list[str]:
    """Stop `part` (or all parts, in reverse order); what each did, as lines."""
    lines: list[str] = []
    for name in reversed(_selected(part)):
        lines += PARTS[name].down()
    return lines


def status() -> dict[str, Any]:
    return {
        "netbox": netbox.status(),
        "hosts": hosts.status()["hosts"],
        "switches": switches.status(),
        "bare": hosts.status(hosts.BARE)["hosts"],
        "raidvm": vm.status(),
    }


def format_status(report: dict[str, Any]) -> str:
    nb = report["netbox"]
    lines = [
        f"netbox  {nb.get('url') or '-'}  version {nb.get('version') or '-'}  "
        f"{'healthy' if nb.get('healthy') else 'not healthy'}"
    ]
    for kind in ("hosts", "bare"):
        for host in report.get(kind, []):
            state = "running" if host["running"] else "stopped"
            lines.append(
                f"{kind[:4]:<7} {host['name']:<15} ssh {host.get('ssh') or '-':<16} "
                f"{host['image']:<30} {state}"
            )
    if not report["hosts"]:
        lines.append("hosts   none")
    raid = report.get("raidvm") or {}
    if raid.get("running"):
        pulled = f", pulled slots {sorted(raid['pulled'], key=int)}" if raid.get("pulled") else ""
        lines.append(
            f"raidvm  {raid['server']:<15} ssh {raid.get('ssh') or '-':<16} "
            f"{len(raid.get('slots', {}))} disks{pulled}  running"
        )
    else:
        lines.append("raidvm  not running")
    sims = report.get("switches") or {}
    rows = sims.get("switches", [])
    if sims.get("running"):
        span = f"127.0.0.1:{rows[0]['port']}-{rows[-1]['port']}" if rows else "-"
        platforms = {
            p: sum(r["platform"] == p for r in rows) for p in sorted({r["platform"] for r in rows})
        }
        detail = ", ".join(f"{n} {p}" for p, n in platforms.items())
        lines.append(f"switches {len(rows)} simulated ({detail})  {span}  pid {sims['pid']}")
    else:
        lines.append("switches not running")
    return "\n".join(lines)
