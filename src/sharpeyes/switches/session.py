"""One SSH session to a switch through netmiko (device types `huawei`, `hp_comware`).

System view is entered and left by prompt pattern: netmiko's stock huawei config-mode check
waits ~2 s for the channel to go quiet, each time (docs/switch-simulator.md).
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netmiko import ConnectHandler

from sharpeyes.errors import InputError, TargetFailed
from sharpeyes.inventory import source
from sharpeyes.paths import repo_root

logging.getLogger("paramiko").setLevel(logging.WARNING)  # no per-login INFO lines

PASSWORD_ENV = "SHARPEYES_SWITCH_PASSWORD"
USER_ENV = "SHARPEYES_SWITCH_USER"
DEVICE_TYPES = {"huawei-vrp5": "huawei", "h3c-comware7": "hp_comware"}
# VRP `Error: ...`, Comware ` % Unrecognized ...` / `%Wrong parameter`
_ERROR = re.compile(r"^\s*(Error:|%\s*\S)", re.MULTILINE)


@dataclass(frozen=True)
class Target:
    name: str
    host: str
    port: int
    user: str
    password: str
    device_type: str


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def default_sources() -> list[Path]:
    """NetBox, plus the lab's layer while the lab has written one (`lab up switches`)."""
    root = repo_root() / "inventory"
    sources = [root / "netbox.yml"]
    if (root / "lab").is_dir() and any((root / "lab" / "host_vars").glob("*.yml")):
        sources.append(root / "lab")
    return sources


def targets(names: list[str], sources: list[Path] | None = None) -> dict[str, Target]:
    """How to reach each named switch: the inventory's ansible_host/port/user/network_os; the
    password from SHARPEYES_SWITCH_PASSWORD (an Ansible lookup in the inventory)."""
    inventory = source.load(sources or default_sources()).inventory
    password = os.environ.get(PASSWORD_ENV, "")
    out: dict[str, Target] = {}
    for name in names:
        if name not in inventory.hosts:
            raise InputError(f"switch {name}: not in the inventory")
        v = inventory.resolved_vars(name)
        secret = str(v.get("ansible_password") or "")
        if not secret or "{{" in secret:
            secret = password
        if not secret:
            raise InputError(f"switch {name}: no password (set {PASSWORD_ENV})")
        host = str(v.get("ansible_host", name))
        if v.get("sharpeyes_lab") and not _loopback(host):
            raise InputError(
                f"switch {name}: the lab inventory layer gives no simulator address for it "
                f"(would reach {host})",
                hint="run `sharpeyes lab up switches`",
            )
        out[name] = Target(
            name=name,
            host=host,
            port=int(v.get("ansible_port", 22)),
            user=str(v.get("ansible_user") or os.environ.get(USER_ENV, "")),
            password=secret,
            device_type=str(v.get("ansible_network_os") or "huawei"),
        )
    return out


class Session:
    def __init__(
        self, target: Target, *, timeout: float = 20.0, read_timeout: float = 10.0
    ) -> None:
        self.target = target
        self.read_timeout = read_timeout  # per command: a dropped session fails after this
        try:
            self.conn: Any = ConnectHandler(
                device_type=target.device_type,
                host=target.host,
                port=target.port,
                username=target.user,
                password=target.password,
                conn_timeout=timeout,
                auth_timeout=timeout,
                fast_cli=True,
            )
        except Exception as exc:
            raise TargetFailed(f"switch {target.name}: cannot log in: {exc}") from exc

    def running(self) -> str:
        return str(self.conn.send_command("display current-configuration", read_timeout=60))

    def display(self, command: str) -> str:
        return str(self.conn.send_command(command))

    def configure(self, commands: list[str]) -> str:
        """Send `commands` in system view; TargetFailed names the first rejected command."""
        out = str(
            self.conn.send_command(
                "system-view", expect_string=r"\]", read_timeout=self.read_timeout
            )
        )
        out += str(
            self.conn.send_config_set(
                commands,
                enter_config_mode=False,
                exit_config_mode=False,
                read_timeout=self.read_timeout,
            )
        )
        out += str(
            self.conn.send_command("return", expect_string=r">", read_timeout=self.read_timeout)
        )
        lines = out.splitlines()
        for i, line in enumerate(lines):
            if _ERROR.match(line):
                echoed = [x for x in lines[:i] if "]" in x]
                cmd = echoed[-1].split("]", 1)[1].strip() if echoed else "?"
                raise TargetFailed(f"switch {self.target.name}: `{cmd}` rejected: {line.strip()}")
        return out

    def save(self) -> None:
        out = str(self.conn.save_config())
        if _ERROR.search(out):
            raise TargetFailed(f"switch {self.target.name}: save failed: {out.strip()[-200:]}")

    def close(self) -> None:
        """Log out and close; netmiko's own huawei cleanup waits ~2 s for a reply to `quit`."""
        with contextlib.suppress(Exception):  # a dropped session has nothing left to close
            self.conn.write_channel("quit" + self.conn.RETURN)
        with contextlib.suppress(Exception):
            self.conn.paramiko_cleanup()
