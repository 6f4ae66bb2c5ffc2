"""Bootstrap a bare server with pyinfra: from "root with a password or a one-time key, no Python"
to "Ansible reaches it as the ops user" (docs/runbooks/bootstrap.md).

pyinfra needs only a POSIX shell on the target, which is why it, not Ansible, does this step.
The deploy: Python 3 and sudo from the host's apt sources; the ops account with exactly the
given public key; passwordless sudo for it (a sudoers.d drop-in, checked by `visudo` before it
is installed); sshd hardened to keys only and no root login (a drop-in checked by `sshd -t`, then
a reload); root's one-time key removed. Idempotent: a second run changes nothing.

Which login: each host is first tried as the ops user with its key (an already bootstrapped host,
reached with sudo); only when that key is refused is the vendor login (root, a key or a password)
used. Afterwards each host is checked as Ansible will use it: ops key, `sudo -n`, python3.
Host keys are always checked against a known_hosts file (never trust on first use).
"""

from __future__ import annotations

import io
import logging
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paramiko
from pyinfra.api.config import Config
from pyinfra.api.connect import connect_all, disconnect_all
from pyinfra.api.deploy import add_deploy
from pyinfra.api.exceptions import PyinfraError
from pyinfra.api.inventory import Inventory
from pyinfra.api.operations import run_ops
from pyinfra.api.state import State, StateStage
from pyinfra.operations import apt, files, server, systemd

from sharpeyes.errors import InputError

log = logging.getLogger(__name__)
logging.getLogger("paramiko").setLevel(logging.WARNING)  # one line per connect otherwise

OPS_USER = "sharpeyes-ops"
SUDOERS_DROPIN = "/etc/sudoers.d/sharpeyes-ops"
SSHD_DROPIN = "/etc/ssh/sshd_config.d/01-sharpeyes-hardening.conf"
STAGING_DIR = "/etc/sharpeyes/staged"  # validated copies; installed only once they pass
PACKAGES = ("python3", "sudo")
APT_CACHE_S = 86400
SSHD_HARDENING = """\
# Managed by `sharpeyes ops bootstrap`: keys only, no root login.
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
"""
CONNECT_TIMEOUT_S = 15


@dataclass(frozen=True)
class Target:
    """One host to bootstrap: a name to report, the address and port to reach it at."""

    name: str
    address: str
    port: int = 22

    @classmethod
    def parse(cls, spec: str) -> Target:
        """`HOST` or `HOST:PORT` (an IPv6 address as `[ADDR]:PORT`)."""
        host, port = spec, 22
        if spec.startswith("["):
            inner, _, rest = spec[1:].partition("]")
            host = inner
            if rest.startswith(":"):
                port = _port(spec, rest[1:])
        elif spec.count(":") == 1:
            host, raw = spec.split(":")
            port = _port(spec, raw)
        if not host:
            raise InputError(f"ops bootstrap: {spec!r} names no host")
        return cls(name=spec, address=host, port=port)


def _port(spec: str, raw: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise InputError(f"ops bootstrap: {spec!r}: port {raw!r} is not 1..65535")
    return int(raw)


@dataclass(frozen=True)
class Access:
    """How to reach the hosts: the ops key pair (the private key, `.pub` next to it), the
    vendor login (user + a one-time key or a password) and the known_hosts file."""

    ops_key: Path
    known_hosts: Path
    login_user: str = "root"
    login_key: Path | None = None
    login_password: str | None = field(default=None, repr=False)
    ops_user: str = OPS_USER

    def public_key(self) -> str:
        pub = self.ops_key.with_name(self.ops_key.name + ".pub")
        try:
            line = pub.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise InputError(f"ops bootstrap: cannot read the ops public key {pub}: {exc}") from exc
        if not line.startswith(("ssh-", "ecdsa-")):
            raise InputError(f"ops bootstrap: {pub} holds no OpenSSH public key")
        return line

    def check(self) -> None:
        """Input errors (exit 3) before any host is contacted."""
        for label, path in (("ops key", self.ops_key), ("known_hosts", self.known_hosts)):
            if not path.is_file():
                raise InputError(f"ops bootstrap: {label} {path} does not exist")
        if self.login_key is not None and not self.login_key.is_file():
            raise InputError(f"ops bootstrap: login key {self.login_key} does not exist")
        self.public_key()


@dataclass
class HostResult:
    name: str
    login: str = ""  # the user the deploy ran as ("sharpeyes-ops" via sudo, or "root")
    changed: int = 0  # operations that changed something
    error: str = ""
    verified: bool = False  # reached afterwards as Ansible will: ops key, sudo -n, python3

    @property
    def ok(self) -> bool:
        return not self.error and self.verified


# --- reaching a host ------------------------------------------------------------------------


def _client(target: Target, known_hosts: Path) -> paramiko.SSHClient:
    client = paramiko.SSHClient()
    client.load_host_keys(str(known_hosts))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    return client


def _connect(
    target: Target, access: Access, user: str, key: Path | None, password: str | None
) -> paramiko.SSHClient:
    client = _client(target, access.known_hosts)
    client.connect(
        target.address,
        port=target.port,
        username=user,
        key_filename=str(key) if key else None,
        password=password,
        look_for_keys=False,
        allow_agent=False,
        timeout=CONNECT_TIMEOUT_S,
        banner_timeout=CONNECT_TIMEOUT_S,
        auth_timeout=CONNECT_TIMEOUT_S,
    )
    return client


def _reach_error(target: Target, exc: Exception) -> str:
    if isinstance(exc, paramiko.BadHostKeyException | paramiko.SSHException) and (
        "known_hosts" in str(exc) or isinstance(exc, paramiko.BadHostKeyException)
    ):
        return f"host key of {target.address}:{target.port} not in known_hosts or changed: {exc}"
    if isinstance(exc, OSError | socket.timeout):
        return f"cannot reach {target.address}:{target.port}: {exc}"
    return f"{type(exc).__name__}: {exc}"


def probe_ops(target: Target, access: Access) -> bool | str:
    """True when the ops key already logs in (bootstrapped), False when it is refused, else an
    error (unreachable, unknown host key)."""
    try:
        client = _connect(target, access, access.ops_user, access.ops_key, None)
    except paramiko.AuthenticationException:
        return False
    except (OSError, paramiko.SSHException) as exc:
        return _reach_error(target, exc)
    client.close()
    return True


def verify(target: Target, access: Access) -> str:
    """ "" when Ansible's way in works: ops key, passwordless sudo, python3; else why not."""
    try:
        client = _connect(target, access, access.ops_user, access.ops_key, None)
    except (OSError, paramiko.SSHException) as exc:
        return f"ops login failed after bootstrap: {_reach_error(target, exc)}"
    try:
        _stdin, stdout, stderr = client.exec_command(
            "sudo -n /usr/bin/python3 -c 'import os; print(os.geteuid())'", timeout=30
        )
        out = stdout.read().decode().strip()
        code = stdout.channel.recv_exit_status()
        err = stderr.read().decode().strip()
    finally:
        client.close()
    if code != 0 or out != "0":
        return f"ops user cannot run python3 with sudo -n (exit {code}): {err or out}"
    return ""


# --- the deploy -----------------------------------------------------------------------------


def _deploy(access: Access) -> None:
    """Queue the bootstrap operations (pyinfra deploy code: runs once per host)."""
    public_key = access.public_key()
    rule = f"{access.ops_user} ALL=(ALL:ALL) NOPASSWD: ALL\n"
    apt.packages(
        name="Install Python for Ansible, and sudo",
        packages=list(PACKAGES),
        update=True,
        cache_time=APT_CACHE_S,
    )
    server.user(
        name=f"Create the ops account {access.ops_user}",
        user=access.ops_user,
        shell="/bin/bash",
        create_home=True,
        comment="sharpeyes ops",
    )
    server.user_authorized_keys(
        name=f"Authorise exactly the ops key for {access.ops_user}",
        user=access.ops_user,
        group=access.ops_user,
        public_keys=[public_key],
        delete_keys=True,
    )
    staged_sudo = files.put(
        name="Stage the sudo rule",
        src=io.StringIO(rule),
        dest=f"{STAGING_DIR}/sudoers-ops",
        user="root",
        group="root",
        mode="440",
    )
    server.shell(
        name="Check the sudo rule with visudo",
        commands=[f"visudo -cqf {STAGING_DIR}/sudoers-ops"],
        _if=staged_sudo.did_change,
    )
    files.put(
        name="Install the sudo rule",
        src=io.StringIO(rule),
        dest=SUDOERS_DROPIN,
        user="root",
        group="root",
        mode="440",
    )
    staged_sshd = files.put(
        name="Stage the sshd hardening",
        src=io.StringIO(SSHD_HARDENING),
        dest=f"{STAGING_DIR}/sshd-hardening.conf",
        user="root",
        group="root",
        mode="644",
    )
    server.shell(
        name="Check the sshd hardening with sshd -t",
        commands=[f"/usr/sbin/sshd -t -f {STAGING_DIR}/sshd-hardening.conf"],
        _if=staged_sshd.did_change,
    )
    installed = files.put(
        name="Harden sshd: keys only, no root login",
        src=io.StringIO(SSHD_HARDENING),
        dest=SSHD_DROPIN,
        user="root",
        group="root",
        mode="644",
    )
    systemd.service(
        name="Reload sshd", service="ssh", running=True, reloaded=True, _if=installed.did_change
    )
    files.file(
        name="Remove root's one-time login key",
        path="/root/.ssh/authorized_keys",
        present=False,
    )


def _host_data(target: Target, access: Access, as_ops: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ssh_hostname": target.address,
        "ssh_port": target.port,
        "ssh_known_hosts_file": str(access.known_hosts),
        "ssh_strict_host_key_checking": "yes",
        "ssh_look_for_keys": False,
        "ssh_allow_agent": False,
    }
    if as_ops:
        data |= {"ssh_user": access.ops_user, "ssh_key": str(access.ops_key), "_sudo": True}
    else:
        data["ssh_user"] = access.login_user
        if access.login_key is not None:
            data["ssh_key"] = str(access.login_key)
        if access.login_password is not None:
            data["ssh_password"] = access.login_password
        if access.login_user != "root":
            data["_sudo"] = True
    return data


def _run(hosts: list[tuple[str, dict[str, Any]]], access: Access) -> dict[str, HostResult]:
    """Connect, queue the deploy, run it; one result per host name."""
    results = {name: HostResult(name=name) for name, _ in hosts}
    inventory = Inventory((hosts, {}))  # type: ignore[no-untyped-call]
    state = State()
    state.init(inventory, Config(FAIL_PERCENT=100))  # type: ignore[no-untyped-call]
    try:
        state.set_stage(StateStage.Connect)
        connect_all(state)
        state.set_stage(StateStage.Prepare)
        add_deploy(state, _deploy, access)
        state.set_stage(StateStage.Execute)
        run_ops(state)
    except PyinfraError as exc:
        for result in results.values():
            result.error = result.error or f"pyinfra: {exc}"
    finally:
        state.set_stage(StateStage.Disconnect)
        disconnect_all(state)
    for host in inventory:
        result = results[host.name]
        if host in state.failed_hosts or host not in state.activated_hosts:
            result.error = result.error or "pyinfra could not connect or an operation failed"
        for op_hash in state.get_op_order():  # type: ignore[no-untyped-call]
            op = state.ops[host].get(op_hash)
            if op is None:
                continue
            meta = op.operation_meta
            if not meta.did_succeed(_raise_if_not_complete=False):
                if meta.is_complete():
                    names = ", ".join(sorted(state.op_meta[op_hash].names))
                    result.error = f"operation failed: {names}"
                    break
            elif meta.did_change():
                result.changed += 1
    return results


def bootstrap(targets: Sequence[Target], access: Access) -> list[HostResult]:
    """Bootstrap each target (already bootstrapped ones run as the ops user and change nothing).

    One result per target, in order; a host that cannot be reached or fails gets `error`, the
    others go on.
    """
    access.check()
    names = [t.name for t in targets]
    if len(set(names)) != len(names):
        raise InputError("ops bootstrap: a host is named twice")
    results: dict[str, HostResult] = {}
    hosts: list[tuple[str, dict[str, Any]]] = []
    for target in targets:
        state = probe_ops(target, access)
        if isinstance(state, str):
            results[target.name] = HostResult(name=target.name, error=state)
            continue
        if not state and access.login_key is None and access.login_password is None:
            results[target.name] = HostResult(
                name=target.name,
                error="the ops key is refused and no vendor login is given "
                "(--login-key, or the password in SHARPEYES_BOOTSTRAP_PASSWORD)",
            )
            continue
        login = access.ops_user if state else access.login_user
        log.info("%s: running the bootstrap deploy as %s", target.name, login)
        results[target.name] = HostResult(name=target.name, login=login)
        hosts.append((target.name, _host_data(target, access, as_ops=state)))
    if hosts:
        for name, ran in _run(hosts, access).items():
            ran.login = results[name].login
            results[name] = ran
    for target in targets:
        result = results[target.name]
        if not result.error:
            result.error = verify(target, access)
            result.verified = not result.error
    return [results[t.name] for t in targets]
