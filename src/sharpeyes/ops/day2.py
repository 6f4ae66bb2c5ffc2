"""Day-2 work on the servers with pyinfra: package updates in batches, a rolling restart with a
health gate between hosts, and a facts report.

The policy lives here and is pure (`batches`, `run_batches`, `wait_for_gate`, `run_rolling`): the
worker process (`sharpeyes.ops.worker`) supplies the pyinfra steps. `update`, `restart` and
`facts` hand the targets to the worker and return its report.

Stop rules (Ansible's `serial` with `max_fail_percentage: 0`): a batch whose hosts cannot all be
reached runs nothing; a host that fails stops the run after its batch; hosts of later batches are
never contacted ("not reached"). A rolling restart stops at the first host whose gate fails.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from sharpeyes.errors import (
    EXIT_OK,
    EXIT_TARGET_FAILED,
    DependencyUnavailable,
    InputError,
    TargetFailed,
)

log = logging.getLogger(__name__)

# Per-host outcome. "pending": a dry run found work; "not-reached": a later batch or host that
# the run never contacted because an earlier one failed.
Status = Literal["ok", "changed", "pending", "failed", "unreachable", "not-reached"]
FAILED: frozenset[str] = frozenset({"failed", "unreachable"})

Action = Literal["facts", "update", "restart"]

WORKER_MODULE = "sharpeyes.ops.worker"
DEFAULT_APT_CACHE_S = 3600  # `apt-get update` at most hourly, like Ansible's cache_valid_time
DEFAULT_GATE_TIMEOUT_S = 60.0
DEFAULT_GATE_INTERVAL_S = 1.0


@dataclass(frozen=True)
class Target:
    """A host pyinfra reaches: its inventory name and pyinfra connector data (`ssh_hostname`,
    `ssh_port`, `ssh_user`, `ssh_key`, ...)."""

    name: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class HostResult:
    name: str
    status: Status
    detail: str = ""
    batch: int | None = None  # 1-based; None for a rolling restart


@dataclass
class RunReport:
    """What `update` or `restart` did (or, without apply, would do) on each host."""

    action: Action
    applied: bool
    hosts: list[HostResult]
    batch_size: int | None = None
    service: str | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> list[HostResult]:
        return [h for h in self.hosts if h.status in FAILED]

    @property
    def exit_code(self) -> int:
        return EXIT_TARGET_FAILED if self.failed else EXIT_OK

    def to_json(self) -> str:
        data = asdict(self)
        data["failed_hosts"] = [h.name for h in self.failed]
        return json.dumps(data, indent=2, ensure_ascii=False)


@dataclass
class Disk:
    mount: str
    fstype: str
    size_kb: int
    used_kb: int

    @property
    def use_pct(self) -> int:
        return round(100 * self.used_kb / self.size_kb) if self.size_kb else 0


@dataclass
class HostFacts:
    name: str
    os: str = ""
    kernel: str = ""
    uptime_s: int | None = None
    disks: list[Disk] = field(default_factory=list)
    failed_units: list[str] = field(default_factory=list)
    error: str = ""  # unreachable or a fact failed: the rest may be empty


@dataclass
class FactsReport:
    hosts: list[HostFacts]
    seconds: float = 0.0

    @property
    def failed(self) -> list[HostFacts]:
        return [h for h in self.hosts if h.error]

    @property
    def exit_code(self) -> int:
        return EXIT_TARGET_FAILED if self.failed else EXIT_OK

    def to_json(self) -> str:
        hosts = []
        for h in self.hosts:
            item = asdict(h)
            item["disks"] = [asdict(d) | {"use_pct": d.use_pct} for d in h.disks]
            hosts.append(item)
        return json.dumps({"hosts": hosts}, indent=2, ensure_ascii=False)


# --- policy (pure) --------------------------------------------------------------------------


def batches[T](items: Sequence[T], size: int) -> list[list[T]]:
    """Split `items` into consecutive batches of `size` (the last may be smaller)."""
    if size < 1:
        raise InputError(f"--batch must be at least 1, got {size}")
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def run_batches(
    targets: Sequence[Target],
    size: int,
    apply_batch: Callable[[int, list[Target]], list[HostResult]],
) -> list[HostResult]:
    """Run `apply_batch(number, hosts)` batch by batch; stop after the first batch with a failed
    or unreachable host. Later hosts are reported "not-reached" and never passed on."""
    results: list[HostResult] = []
    groups = batches(targets, size)
    for number, group in enumerate(groups, start=1):
        got = {r.name: r for r in apply_batch(number, group)}
        for target in group:
            result = got.get(target.name) or HostResult(
                target.name, "failed", "no result from the worker"
            )
            result.batch = number
            results.append(result)
        if any(got.get(t.name) is None or got[t.name].status in FAILED for t in group):
            bad = ", ".join(r.name for r in results if r.status in FAILED)
            for later, rest in enumerate(groups[number:], start=number + 1):
                results.extend(
                    HostResult(
                        t.name, "not-reached", f"stopped after batch {number} ({bad})", later
                    )
                    for t in rest
                )
            break
    return results


def wait_for_gate(
    probe: Callable[[], tuple[bool, str]],
    timeout_s: float,
    interval_s: float = DEFAULT_GATE_INTERVAL_S,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[bool, str]:
    """Call `probe` (-> healthy, why) until it passes or `timeout_s` has passed; at least once.
    Returns the last answer, with the time waited on failure."""
    deadline = clock() + timeout_s
    while True:
        healthy, why = probe()
        if healthy:
            return True, why
        if clock() >= deadline:
            return False, f"{why} (gave up after {timeout_s:g} s)"
        sleep(interval_s)


def run_rolling(
    targets: Sequence[Target],
    restart_one: Callable[[Target], HostResult],
) -> list[HostResult]:
    """Restart hosts one at a time (`restart_one` restarts and gates one host); stop at the first
    host that fails; the rest are "not-reached"."""
    results: list[HostResult] = []
    for index, target in enumerate(targets):
        result = restart_one(target)
        results.append(result)
        if result.status in FAILED:
            results.extend(
                HostResult(t.name, "not-reached", f"stopped at {target.name}")
                for t in targets[index + 1 :]
            )
            break
    return results


# --- formatting -----------------------------------------------------------------------------


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    rows = [list(header), *[list(r) for r in rows]]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip() for r in rows]
    return "\n".join(lines)


def format_uptime(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    return f"{days}d {hours}h {rest // 60}m" if days else f"{hours}h {rest // 60}m"


def format_facts(report: FactsReport) -> str:
    rows = []
    for h in report.hosts:
        if h.error and not h.os:
            rows.append([h.name, "-", "-", "-", "-", f"ERROR {h.error}"])
            continue
        disks = " ".join(f"{d.mount}:{d.use_pct}%" for d in h.disks) or "-"
        failed = ",".join(h.failed_units) or "none"
        if h.error:
            failed += f" ERROR {h.error}"
        rows.append([h.name, h.os, h.kernel, format_uptime(h.uptime_s), disks, failed])
    table = _table(["host", "os", "kernel", "uptime", "disks (use)", "failed units"], rows)
    bad = len(report.failed)
    return f"{table}\n{len(report.hosts)} host(s), {bad} failed ({report.seconds:.1f} s)"


def format_run(report: RunReport) -> str:
    header = ["host", "batch", "status", "detail"]
    rows = [
        [h.name, "-" if h.batch is None else str(h.batch), h.status, h.detail] for h in report.hosts
    ]
    what = report.action if report.service is None else f"{report.action} {report.service}"
    mode = "applied" if report.applied else "dry run (nothing changed; --apply to run)"
    counts: dict[str, int] = {}
    for h in report.hosts:
        counts[h.status] = counts.get(h.status, 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in counts.items())
    lines = [_table(header, rows), f"{what}: {mode}; {summary} ({report.seconds:.1f} s)"]
    if report.failed:
        lines.append("failed: " + ", ".join(f"{h.name} ({h.detail})" for h in report.failed))
    return "\n".join(lines)


# --- the worker -----------------------------------------------------------------------------


def call_worker(action: Action, targets: Sequence[Target], options: Mapping[str, Any]) -> Any:
    """Run the pyinfra worker on `targets`; its JSON answer. No targets: refused (never run
    against zero hosts)."""
    if not targets:
        raise InputError("no hosts selected: nothing to run against (check --site/--role/--name)")
    request = {
        "action": action,
        "targets": [{"name": t.name, "data": dict(t.data)} for t in targets],
        "options": dict(options),
    }
    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    try:
        proc = subprocess.run(
            [sys.executable, "-m", WORKER_MODULE],
            input=json.dumps(request),
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            check=False,
        )
    except OSError as exc:
        raise DependencyUnavailable(f"cannot start the pyinfra worker: {exc}") from exc
    if proc.returncode != 0:
        raise TargetFailed(
            f"the pyinfra worker ({WORKER_MODULE}) exited {proc.returncode} before reporting",
            hint="re-run with --debug for its log on stderr",
        )
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise TargetFailed(f"the pyinfra worker's answer is not JSON: {exc}") from exc


def _host_results(items: Iterable[Mapping[str, Any]]) -> list[HostResult]:
    return [
        HostResult(str(i["name"]), i["status"], str(i.get("detail", "")), i.get("batch"))
        for i in items
    ]


def update(
    targets: Sequence[Target],
    *,
    batch: int,
    apply: bool,
    cache_time_s: int = DEFAULT_APT_CACHE_S,
) -> RunReport:
    """Upgrade packages (`apt-get update` within `cache_time_s`, then `apt-get upgrade` only when
    it would change something) batch by batch; without `apply`, report what would change."""
    batches(targets, batch)  # checks the size before any host is contacted
    t0 = time.monotonic()
    answer = call_worker(
        "update", targets, {"batch": batch, "apply": apply, "cache_time_s": cache_time_s}
    )
    return RunReport(
        "update",
        apply,
        _host_results(answer["hosts"]),
        batch_size=batch,
        seconds=time.monotonic() - t0,
    )


def restart(
    targets: Sequence[Target],
    service: str,
    *,
    apply: bool,
    check: str | None = None,
    timeout_s: float = DEFAULT_GATE_TIMEOUT_S,
) -> RunReport:
    """Restart `service` host by host; after each, wait until it is active and `check` (a shell
    command run on the host) exits 0, else stop. Without `apply`, check each host has the unit."""
    if not service or any(c.isspace() or c in "'\";|&$`" for c in service):
        raise InputError(f"bad service name {service!r}: one systemd unit name, no spaces")
    if timeout_s <= 0:
        raise InputError(f"--timeout must be positive, got {timeout_s:g}")
    t0 = time.monotonic()
    answer = call_worker(
        "restart",
        targets,
        {"service": service, "apply": apply, "check": check, "timeout_s": timeout_s},
    )
    return RunReport(
        "restart",
        apply,
        _host_results(answer["hosts"]),
        service=service,
        seconds=time.monotonic() - t0,
    )


def facts(targets: Sequence[Target]) -> FactsReport:
    """OS, kernel, uptime, disks and failed systemd units of each host, in parallel."""
    t0 = time.monotonic()
    answer = call_worker("facts", targets, {})
    return FactsReport([facts_from_json(h) for h in answer["hosts"]], seconds=time.monotonic() - t0)


def facts_from_json(item: Mapping[str, Any]) -> HostFacts:
    return HostFacts(
        name=str(item["name"]),
        os=str(item.get("os", "")),
        kernel=str(item.get("kernel", "")),
        uptime_s=item.get("uptime_s"),
        disks=[
            Disk(str(d["mount"]), str(d["fstype"]), int(d["size_kb"]), int(d["used_kb"]))
            for d in item.get("disks", [])
        ],
        failed_units=[str(u) for u in item.get("failed_units", [])],
        error=str(item.get("error", "")),
    )
