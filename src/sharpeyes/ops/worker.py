"""`python -m sharpeyes.ops.worker`: runs one day-2 action with pyinfra's Python API.

Reads a JSON request on stdin ({action, targets: [{name, data}], options}), logs progress on
stderr, writes the JSON report on stdout and exits 0 whenever it could report (host failures are
in the report). gevent is monkey-patched first, as pyinfra's own CLI does, so connections and
commands run on all hosts of a batch at once; that patching is why this is a process of its own.
"""

from gevent import monkey

monkey.patch_all()

# The imports below must follow the monkey-patching (E402 ignored for this file: pyproject).
import contextlib
import json
import logging
import shlex
import sys
from collections.abc import Callable, Sequence
from typing import Any

import gevent
from pyinfra.api.config import Config
from pyinfra.api.connect import connect_all, disconnect_all
from pyinfra.api.exceptions import PyinfraError
from pyinfra.api.facts import FactBase, get_fact
from pyinfra.api.host import Host
from pyinfra.api.inventory import Inventory
from pyinfra.api.operation import add_op
from pyinfra.api.operations import run_ops
from pyinfra.api.state import BaseStateCallback, State
from pyinfra.context import ctx_host, ctx_state
from pyinfra.facts.apt import SimulateOperationWillChange
from pyinfra.facts.server import KernelVersion, LinuxDistribution, Uptime
from pyinfra.operations import apt, systemd

from sharpeyes.ops.day2 import (
    HostResult,
    Target,
    run_batches,
    run_rolling,
    wait_for_gate,
)

log = logging.getLogger("sharpeyes.ops")


class Disks(FactBase[list[dict[str, Any]]]):
    """Mounted filesystems with sizes (`df`, POSIX output in KiB), pseudo filesystems left out."""

    def command(self) -> str:
        return "df -P -T -k -x tmpfs -x devtmpfs -x squashfs -x proc -x sysfs 2>/dev/null || true"

    def process(self, output: list[str]) -> list[dict[str, Any]]:
        disks = []
        for line in output[1:]:  # header: Filesystem Type 1024-blocks Used Available Capacity ...
            parts = line.split()
            if len(parts) < 7 or not parts[2].isdigit():
                continue
            if parts[1] == "overlay" and parts[6] != "/":  # container layers, not disks
                continue
            disks.append(
                {
                    "mount": " ".join(parts[6:]),
                    "fstype": parts[1],
                    "size_kb": int(parts[2]),
                    "used_kb": int(parts[3]),
                }
            )
        return disks


NO_SYSTEMD = "!systemctl-failed"


class FailedUnits(FactBase[list[str] | None]):
    """systemd units in the failed state (empty when there are none); None when systemctl itself
    fails (no systemd on the host)."""

    def command(self) -> str:
        return (
            "systemctl list-units --state=failed --plain --no-legend --no-pager 2>/dev/null"
            f" || echo {NO_SYSTEMD}"
        )

    @staticmethod
    def default() -> list[str]:
        """No output at all: systemctl ran and listed no failed unit (pyinfra skips process)."""
        return []

    def process(self, output: list[str]) -> list[str] | None:
        if NO_SYSTEMD in output:
            return None
        return [line.split()[0] for line in output if line.strip()]


class _Recorder(BaseStateCallback):
    """Keeps each host's connection error so the report can name it."""

    def __init__(self) -> None:
        self.connect_errors: dict[str, str] = {}

    def host_connect_error(self, state: State, host: Host, error: Exception) -> None:  # type: ignore[override]
        text = " ".join(str(error).split())  # one line, whatever the connector said
        self.connect_errors[host.name] = text[:300] or type(error).__name__


def _connect(targets: Sequence[Target]) -> tuple[State, _Recorder, dict[str, str]]:
    """A pyinfra State holding exactly `targets`, connected; the unreachable hosts with why."""
    inventory = Inventory(([(t.name, dict(t.data)) for t in targets], {}))
    state = State(inventory, Config(CONNECT_TIMEOUT=10))
    recorder = _Recorder()
    state.add_callback_handler(recorder)
    with contextlib.suppress(PyinfraError):  # "No hosts remaining!": every host failed
        connect_all(state)
    names = {h.name for h in state.active_hosts}
    unreachable = {
        t.name: recorder.connect_errors.get(t.name, "could not connect")
        for t in targets
        if t.name not in names
    }
    for name, why in unreachable.items():
        log.warning("%s: unreachable: %s", name, why)
    return state, recorder, unreachable


def _spawn_per_host[T](
    state: State, hosts: dict[str, Host], fn: Callable[[Host], T]
) -> dict[str, tuple[T | None, str]]:
    """Run `fn(host)` on every host at once (one greenlet each, in pyinfra's host context, as
    its facts expect); per name, the value or the error."""

    def in_context(host: Host) -> T:
        with ctx_state.use(state), ctx_host.use(host):
            return fn(host)

    greenlets = {name: gevent.spawn(in_context, host) for name, host in hosts.items()}
    gevent.joinall(list(greenlets.values()))
    return {
        name: (g.value, "") if g.successful() else (None, str(g.exception) or repr(g.exception))
        for name, g in greenlets.items()
    }


def _close(state: State) -> None:
    try:
        disconnect_all(state)
    except Exception as exc:  # a host that dropped mid-run; nothing left to do on it
        log.debug("disconnect: %s", exc)


def _first_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1].strip()[:200] if lines else ""


# --- facts ----------------------------------------------------------------------------------


def _fact(state: State, host: Host, cls: type[FactBase[Any]], what: str) -> Any:
    """One fact; its failure is this host's alone (pyinfra would fail the host in the state,
    and "No hosts remaining!" on the last one) and named: `what` could not be read."""
    value = get_fact(state, host, cls, apply_failed_hosts=False)
    if value is None:
        raise _FactMissing(f"could not read the {what}")
    return value


class _FactMissing(Exception):
    pass


def _host_facts(state: State) -> Callable[[Host], dict[str, Any]]:
    def one(host: Host) -> dict[str, Any]:
        item: dict[str, Any] = {"name": host.name}
        try:
            distro = _fact(state, host, LinuxDistribution, "distribution (/etc/os-release)")
            meta = distro.get("release_meta") or {}
            pretty = meta.get("PRETTY_NAME") or f"{distro.get('name')} {distro.get('major')}"
            item["os"] = str(pretty)
            item["kernel"] = str(_fact(state, host, KernelVersion, "kernel version (uname -r)"))
            item["uptime_s"] = int(_fact(state, host, Uptime, "uptime (/proc/uptime)"))
            item["disks"] = _fact(state, host, Disks, "filesystems (df)")
            units = get_fact(state, host, FailedUnits, apply_failed_hosts=False)
            item["failed_units"] = units or []
            if units is None:
                item["error"] = "systemctl failed: is systemd running?"
        except (_FactMissing, PyinfraError, ValueError) as exc:
            item["error"] = str(exc)
        return item

    return one


def facts(targets: Sequence[Target], _options: dict[str, Any]) -> dict[str, Any]:
    state, _recorder, unreachable = _connect(targets)
    got = _spawn_per_host(state, {h.name: h for h in state.active_hosts}, _host_facts(state))
    hosts = []
    for t in targets:
        value, error = got.get(t.name, (None, ""))
        if t.name in unreachable:
            hosts.append({"name": t.name, "error": f"unreachable: {unreachable[t.name]}"})
        elif value is None:
            hosts.append({"name": t.name, "error": f"facts failed: {error}"})
        else:
            hosts.append(value)
    _close(state)
    return {"hosts": hosts}


# --- update ---------------------------------------------------------------------------------


def _op_result(name: str, metas: list[Any]) -> HostResult:
    """One host's result from its operations' metadata (pyinfra OperationMeta, in order)."""
    for meta in metas:
        if meta.is_complete() and not meta.did_succeed():
            return HostResult(name, "failed", _first_line(meta.stderr or meta.stdout) or "failed")
    changed = any(meta.is_complete() and meta.did_change() for meta in metas)
    return HostResult(name, "changed" if changed else "ok", "upgraded" if changed else "up to date")


def _update_batch(options: dict[str, Any]) -> Callable[[int, list[Target]], list[HostResult]]:
    apply = bool(options["apply"])
    cache_time = int(options["cache_time_s"])

    def apply_batch(number: int, group: list[Target]) -> list[HostResult]:
        log.info("batch %d: %s", number, ", ".join(t.name for t in group))
        state, _recorder, unreachable = _connect(group)
        try:
            if unreachable:  # the batch stops: nothing runs on any of its hosts
                names = ", ".join(unreachable)
                return [
                    HostResult(t.name, "unreachable", unreachable[t.name])
                    if t.name in unreachable
                    else HostResult(t.name, "not-reached", f"batch stopped: {names} unreachable")
                    for t in group
                ]
            if not apply:
                return _simulate(state, group)
            update_ops = add_op(
                state,
                apt.update,
                name="Refresh the package lists",
                cache_time=cache_time,
                _sudo=True,
            )
            upgrade_ops = add_op(state, apt.upgrade, name="Upgrade packages", _sudo=True)
            try:
                run_ops(state)
            except PyinfraError as exc:  # every host of the batch failed
                log.warning("batch %d: %s", number, exc)
            return [
                _op_result(
                    t.name,
                    [
                        m
                        for ops in (update_ops, upgrade_ops)
                        for h, m in ops.items()
                        if h.name == t.name
                    ],
                )
                for t in group
            ]
        finally:
            _close(state)

    return apply_batch


def _simulate(state: State, group: list[Target]) -> list[HostResult]:
    """Dry run: what `apt-get upgrade` would do with the lists as they are (nothing refreshed)."""

    def one(host: Host) -> HostResult:
        sim = host.get_fact(SimulateOperationWillChange, "upgrade")
        if not sim:
            return HostResult(host.name, "failed", "apt-get upgrade --dry-run failed")
        if sim["upgraded"] or sim["newly_installed"] or sim["removed"]:
            return HostResult(host.name, "pending", f"{sim['upgraded']} package(s) to upgrade")
        return HostResult(host.name, "ok", "up to date (package lists as cached)")

    got = _spawn_per_host(state, {h.name: h for h in state.active_hosts}, one)
    results = []
    for t in group:
        value, error = got.get(t.name, (None, "not connected"))
        results.append(value or HostResult(t.name, "failed", error))
    return results


def update(targets: Sequence[Target], options: dict[str, Any]) -> dict[str, Any]:
    results = run_batches(targets, int(options["batch"]), _update_batch(options))
    return {"hosts": [vars(r) for r in results]}


# --- rolling restart ------------------------------------------------------------------------


def _shell(host: Host, command: str, sudo: bool = False) -> tuple[bool, str]:
    ok, output = host.run_shell_command(command, _sudo=sudo)
    return bool(ok), output.stdout + ("\n" + output.stderr if output.stderr else "")


def _gate_probe(host: Host, service: str, check: str | None) -> Callable[[], tuple[bool, str]]:
    def probe() -> tuple[bool, str]:
        _ok, out = _shell(host, f"systemctl is-active {shlex.quote(service)}")
        state = _first_line(out) or "unknown"
        if state != "active":
            return False, f"{service} is {state}"
        if check:
            ok, out = _shell(host, check)
            if not ok:
                return False, f"check `{check}` failed: {_first_line(out) or 'no output'}"
        return True, f"{service} active" + (", check passed" if check else "")

    return probe


def _restart_one(options: dict[str, Any]) -> Callable[[Target], HostResult]:
    service = str(options["service"])
    apply = bool(options["apply"])
    check = options.get("check") or None
    timeout_s = float(options["timeout_s"])

    def restart_one(target: Target) -> HostResult:
        state, _recorder, unreachable = _connect([target])
        try:
            if unreachable:
                return HostResult(target.name, "unreachable", unreachable[target.name])
            host = next(iter(state.active_hosts))
            _ok, out = _shell(host, f"systemctl show -p LoadState --value {shlex.quote(service)}")
            if _first_line(out) != "loaded":
                return HostResult(target.name, "failed", f"no unit {service} on this host")
            if not apply:
                probe = _gate_probe(host, service, None)
                _healthy, why = probe()
                return HostResult(target.name, "pending", f"would restart ({why} now)")
            log.info("%s: restarting %s", target.name, service)
            metas = add_op(
                state,
                systemd.service,
                name=f"Restart {service}",
                service=service,
                running=True,
                restarted=True,
                _sudo=True,
            )
            try:
                run_ops(state)
            except PyinfraError as exc:
                log.warning("%s: %s", target.name, exc)
            meta = metas[host]
            if not meta.is_complete() or not meta.did_succeed():
                why = _first_line(meta.stderr or meta.stdout) if meta.is_complete() else ""
                return HostResult(target.name, "failed", f"restart failed: {why or 'no detail'}")
            healthy, why = wait_for_gate(_gate_probe(host, service, check), timeout_s)
            if not healthy:
                return HostResult(target.name, "failed", f"health gate: {why}")
            return HostResult(target.name, "changed", f"restarted; {why}")
        finally:
            _close(state)

    return restart_one


def restart(targets: Sequence[Target], options: dict[str, Any]) -> dict[str, Any]:
    results = run_rolling(targets, _restart_one(options))
    return {"hosts": [vars(r) for r in results]}


ACTIONS: dict[str, Callable[[Sequence[Target], dict[str, Any]], dict[str, Any]]] = {
    "facts": facts,
    "update": update,
    "restart": restart,
}


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    logging.getLogger("pyinfra").setLevel(logging.CRITICAL)  # we report failures ourselves
    request = json.load(sys.stdin)
    targets = [Target(str(t["name"]), dict(t.get("data") or {})) for t in request["targets"]]
    answer_to, sys.stdout = sys.stdout, sys.stderr  # stdout carries the report and nothing else
    try:
        answer = ACTIONS[request["action"]](targets, dict(request.get("options") or {}))
    finally:
        sys.stdout = answer_to
    json.dump(answer, answer_to)
    answer_to.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
