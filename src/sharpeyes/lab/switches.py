"""The switch simulators: one SSH endpoint per access switch the lab NetBox lists, all served by
one background process (`python -m sharpeyes.switches.sim`, docs/switch-simulator.md).

State in `<state dir>/switches/` (git-ignored): `credentials.json` (the lab AAA user and its
generated password, mode 0600), `switches.json` (what the simulator serves: name, platform,
ports from the NetBox device type's interface templates, SSH port), `lab.json` (the pid), the
simulator's own files (per-switch saved configuration, host key, control socket, log).

Ports are deterministic: switches sorted by name get consecutive ports from a base derived from
the lab's NetBox port (8800 -> 20000, 8801 -> 20200, ...; SHARPEYES_SWITCH_BASE_PORT overrides),
so labs with different NetBox ports never collide.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any

import pynetbox  # type: ignore[import-untyped]
import requests

from sharpeyes import paths
from sharpeyes.errors import DependencyUnavailable, LabError
from sharpeyes.lab import _proc, netbox
from sharpeyes.lab.parts import PartResult
from sharpeyes.sot import client
from sharpeyes.switches.sim import control
from sharpeyes.switches.sim.model import SwitchSpec
from sharpeyes.switches.sim.server import HOST, READY_FILE, SPEC_FILE
from sharpeyes.vocab import SWITCH_PLATFORMS, SWITCH_ROLE

log = logging.getLogger(__name__)

LAB_USER = "sharpeyes"
BASE_PORT = 20000
PORT_STRIDE = 200  # ports reserved per lab instance
START_TIMEOUT = 60.0
MODULE = "sharpeyes.switches.sim"
UP_HINT = "run: sharpeyes lab up switches"


def sim_dir() -> Path:
    return paths.state_dir() / "switches"


def _lab_state_path() -> Path:
    return sim_dir() / "lab.json"


def base_port() -> int:
    raw = os.environ.get("SHARPEYES_SWITCH_BASE_PORT", "").strip()
    if raw:
        if not raw.isdigit() or not 1024 <= int(raw) <= 65535 - PORT_STRIDE:
            raise LabError(f"SHARPEYES_SWITCH_BASE_PORT={raw!r} is not a port from 1024")
        return int(raw)
    offset = (netbox.configured_port() - netbox.DEFAULT_PORT) % 200
    return BASE_PORT + offset * PORT_STRIDE


def _write_private(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    tmp.chmod(0o600)
    tmp.replace(path)


def credentials() -> tuple[str, str]:
    """The lab AAA user and its password (generated on first use, kept in the state dir)."""
    path = sim_dir() / "credentials.json"
    if path.is_file():
        data = json.loads(path.read_text())
        return str(data["user"]), str(data["password"])
    password = secrets.token_urlsafe(18)
    _write_private(path, {"user": LAB_USER, "password": password})
    return LAB_USER, password


def env_vars() -> dict[str, str]:
    """SHARPEYES_SWITCH_USER / SHARPEYES_SWITCH_PASSWORD for `sharpeyes lab env`, and the
    stored form the templates write for that user (SHARPEYES_SWITCH_PASSWORD_HASH): a lab
    stand-in derived from the password (the simulator keeps configured passwords as typed)."""
    user, password = credentials()
    digest = hashlib.sha256(password.encode()).hexdigest()[:32]
    return {
        "SHARPEYES_SWITCH_USER": user,
        "SHARPEYES_SWITCH_PASSWORD": password,
        "SHARPEYES_SWITCH_PASSWORD_HASH": f"$lab${digest}$",
    }


def endpoints() -> dict[str, tuple[str, int]]:
    """Switch name -> (host, port) of its simulator, from the lab state (for the inventory's
    lab layer: ansible_host / ansible_port). DependencyUnavailable if never brought up."""
    path = sim_dir() / SPEC_FILE
    if not path.is_file():
        raise DependencyUnavailable(
            f"the switch simulators were never brought up (no {path})", hint=UP_HINT
        )
    data = json.loads(path.read_text())
    return {s["name"]: (HOST, int(s["port"])) for s in data["switches"]}


def read_netbox() -> list[SwitchSpec]:
    """The access switches (role access-switch, a simulated platform) the lab NetBox lists, with
    their device type's port names, sorted by name; ports not yet assigned."""
    try:
        creds = netbox.credentials()
        api = client.connect(creds.url, creds.token)
        role = api.dcim.device_roles.get(slug=SWITCH_ROLE)
        devices = list(api.dcim.devices.filter(role_id=role.id)) if role is not None else []
        wanted = [d for d in devices if d.platform and d.platform.slug in SWITCH_PLATFORMS]
        ports: dict[int, list[str]] = {}
        for type_id in sorted({d.device_type.id for d in wanted}):
            templates = api.dcim.interface_templates.filter(device_type_id=type_id)
            ports[type_id] = [t.name for t in templates if not getattr(t, "mgmt_only", False)]
    except DependencyUnavailable as exc:
        raise DependencyUnavailable(
            f"lab switches: cannot read the access switches from the lab NetBox: {exc.message}",
            hint="bring NetBox up first: sharpeyes lab up netbox",
        ) from exc
    except (pynetbox.RequestError, requests.RequestException) as exc:
        raise DependencyUnavailable(
            f"lab switches: reading the access switches from the lab NetBox failed: {exc}",
            hint="sharpeyes lab status",
        ) from exc
    specs = [
        SwitchSpec(
            name=d.name,
            platform=d.platform.slug,
            ports=sorted(ports[d.device_type.id], key=_port_key),
            model=str(d.device_type.model),
        )
        for d in sorted(wanted, key=lambda d: d.name)
    ]
    for spec in specs:
        if not spec.ports:
            raise LabError(
                f"lab switches: device type {spec.model} of {spec.name} has no "
                "interface templates in NetBox"
            )
    return specs


def _port_key(name: str) -> tuple[str, list[int]]:
    head = name.rstrip("0123456789/")
    return head, [int(x) for x in name[len(head) :].split("/") if x.isdigit()]


def assign_ports(specs: list[SwitchSpec], base: int) -> list[SwitchSpec]:
    if len(specs) > PORT_STRIDE:
        raise LabError(
            f"lab switches: {len(specs)} switches exceed the {PORT_STRIDE} ports reserved per lab"
        )
    ordered = sorted(specs, key=lambda s: s.name)
    for i, spec in enumerate(ordered):
        spec.port = base + i
    return ordered


def _pid() -> int | None:
    path = _lab_state_path()
    if not path.is_file():
        return None
    pid = json.loads(path.read_text()).get("pid")
    if isinstance(pid, int) and _proc.pid_alive(pid) and MODULE in _proc.cmdline(pid):
        return pid
    return None


def up(specs: list[SwitchSpec] | None = None) -> list[PartResult]:
    """Serve one simulator per switch (NetBox's access switches unless `specs` is given).

    Idempotent: a running simulator serving the same switches is left alone; a changed switch
    list restarts it (saved configurations are kept: a restart is a reboot).
    """
    t0 = time.monotonic()
    specs = assign_ports(read_netbox() if specs is None else specs, base_port())
    if not specs:
        log.warning(
            "NetBox lists no %s devices on %s yet: no switch simulators started; "
            "apply the dataset with `sharpeyes --lab sot apply`",
            SWITCH_ROLE,
            "/".join(sorted(SWITCH_PLATFORMS)),
        )
        return [PartResult("switches", "none", "started", "NetBox lists no access switches")]
    user, password = credentials()
    wanted = {"user": user, "password": password, "switches": [s.to_json() for s in specs]}
    spec_path = sim_dir() / SPEC_FILE
    current = json.loads(spec_path.read_text()) if spec_path.is_file() else None
    pid = _pid()
    span = f"{HOST}:{specs[0].port}-{specs[-1].port}"
    if pid is not None and current == wanted:
        return [
            PartResult("switches", span, "already running", f"{len(specs)} switches, pid {pid}")
        ]
    if pid is not None:
        log.info("switch list changed: restarting the simulator (pid %d)", pid)
        down()
    busy = [s.port for s in specs if _proc.port_in_use(s.port)]
    if busy:
        raise LabError(
            f"lab switches: port(s) {', '.join(map(str, busy[:5]))} already in use",
            hint="set SHARPEYES_SWITCH_BASE_PORT to a free range",
        )
    _write_private(spec_path, wanted)
    directory = sim_dir()
    (directory / READY_FILE).unlink(missing_ok=True)
    pid = _proc.spawn_detached(
        [sys.executable, "-m", MODULE, str(directory)],
        log_path=directory / "simulator.log",
        env=dict(os.environ),
    )
    _write_private(_lab_state_path(), {"pid": pid})

    def ready() -> bool:
        path = directory / READY_FILE
        return path.is_file() and path.read_text().strip() == str(pid)

    if not _proc.wait_until(ready, timeout=START_TIMEOUT, interval=0.1):
        alive = _proc.pid_alive(pid)
        _proc.terminate(pid)
        _proc.reap(pid)
        tail = _proc.tail((directory / "simulator.log").read_text(errors="replace"))
        raise LabError(
            f"lab switches: the simulator {'did not get ready' if alive else 'exited'}: {tail}",
            hint=f"see {directory / 'simulator.log'}",
        )
    took = time.monotonic() - t0
    return [PartResult("switches", span, "started", f"{len(specs)} switches in {took:.1f} s")]


def down() -> list[str]:
    pid = _pid()
    _lab_state_path().unlink(missing_ok=True)
    if pid is None:
        return ["switch simulator not running"]
    _proc.terminate(pid, timeout=10)
    return [f"switch simulator stopped (pid {pid})"]


def status() -> dict[str, Any]:
    """`{"running", "pid", "switches": [{"name", "platform", "port", "sessions", ...}]}`;
    never raises."""
    pid = _pid()
    if pid is None:
        return {"running": False, "pid": None, "switches": []}
    try:
        reply = control.status(sim_dir())
    except (DependencyUnavailable, ValueError) as exc:
        log.debug("switch simulator status failed: %s", exc)
        return {"running": True, "pid": pid, "switches": []}
    rows = [{"name": name, **info} for name, info in sorted(reply["switches"].items())]
    return {"running": True, "pid": pid, "switches": rows}
