"""backup | diff | push | verify | rollback over many switches.

Per switch (STYLE 9.9): connect → read the running configuration → back it up → remediation
(sharpeyes.switches.diff) → send → read back and verify → `save`; a failed send or verify is
rolled back to the backup just taken. Switches go canary first, then in batches of `batch`
parallel sessions; after `max_failures` failed switches the rest are skipped.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ntc_templates.parse import parse_output  # type: ignore[import-untyped]

from sharpeyes.errors import SharpeyesError
from sharpeyes.paths import state_dir
from sharpeyes.switches import diff
from sharpeyes.switches.model import Switch
from sharpeyes.switches.render import render
from sharpeyes.switches.session import Session, Target
from sharpeyes.vocab import PLATFORM_VRP

log = logging.getLogger(__name__)

# results, worst last
OK = "ok"
UNCHANGED = "unchanged"
CHANGED = "changed"  # push: sent and verified; diff/check: changes pending
DRIFT = "drift"
ROLLED_BACK = "rolled back"
FAILED = "failed"
SKIPPED = "skipped"


@dataclass
class Result:
    switch: str
    result: str
    commands: list[str] = field(default_factory=list)  # sent (push) or to send (diff)
    detail: str = ""
    seconds: float = 0.0
    found: list[str] = field(default_factory=list)  # verify: the device's lines NetBox lacks


def default_backup_dir() -> Path:
    return state_dir() / "switch-backups"


# -- backups -------------------------------------------------------------------------------------
def write_backup(directory: Path, name: str, text: str, when: datetime | None = None) -> Path:
    """`<dir>/<name>.cfg` (the latest, diff-able in git) and `<dir>/history/<name>/<UTC>.cfg`."""
    stamp = (when or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S.%fZ")
    hist = directory / "history" / name
    hist.mkdir(parents=True, exist_ok=True)
    (hist / f"{stamp}.cfg").write_text(text, encoding="utf-8")
    latest = directory / f"{name}.cfg"
    latest.write_text(text, encoding="utf-8")
    return latest


def read_backup(directory: Path, name: str, at: str | None = None) -> str:
    """The latest backup of `name`, or the history entry whose stamp starts with `at`."""
    if at is None:
        path = directory / f"{name}.cfg"
    else:
        matches = sorted((directory / "history" / name).glob(f"{at}*.cfg"))
        if not matches:
            raise SharpeyesError(f"switch {name}: no backup {at} in {directory / 'history'}")
        path = matches[-1]
    if not path.is_file():
        raise SharpeyesError(f"switch {name}: no backup in {directory} (run `switch backup`)")
    return path.read_text(encoding="utf-8")


# -- verification against NetBox ----------------------------------------------------------------
def _expand(items: Sequence[str]) -> set[int]:
    out: set[int] = set()
    for item in items:
        for part in str(item).split():
            a, _, b = part.partition("-")
            out.update(range(int(a), int(b or a) + 1))
    return out


def state_problems(sw: Switch, sess: Session) -> list[str]:
    """ntc-templates parse of the switch's VLAN displays compared with NetBox."""
    problems: list[str] = []
    if sw.platform == PLATFORM_VRP:
        rows = parse_output(
            platform="huawei_vrp",
            command="display port vlan",
            data=sess.display("display port vlan"),
        )
        got = {r["interface"]: r for r in rows}
        for port in sw.ports.values():
            row = got.get(port.name)
            if row is None:
                problems.append(f"{port.name}: missing from `display port vlan`")
                continue
            if port.mode == "access" and (row["link_type"], row["vlan_id"]) != (
                "access",
                str(port.access_vid),
            ):
                problems.append(
                    f"{port.name}: {row['link_type']} VLAN {row['vlan_id']}, "
                    f"NetBox access VLAN {port.access_vid}"
                )
            if port.mode == "trunk":
                vids = _expand(row["trunk_vlan_list"])
                if row["link_type"] != "trunk" or vids != set(port.trunk_vids):
                    problems.append(
                        f"{port.name}: {row['link_type']} {sorted(vids)}, "
                        f"NetBox trunk {sorted(port.trunk_vids)}"
                    )
        return problems
    vlans = sess.conn.send_command("display vlan brief", use_textfsm=True)
    have = {int(r["vlan_id"]) for r in vlans} if isinstance(vlans, list) else set()
    want = {v.vid for v in sw.vlans} | {1}
    if have != want:
        problems.append(f"VLANs {sorted(have)}, NetBox {sorted(want)}")
    brief = sess.conn.send_command("display interface brief", use_textfsm=True)
    rows = {r["interface"]: r for r in brief} if isinstance(brief, list) else {}
    for port in sw.ports.values():
        short = re.sub(r"^GigabitEthernet", "GE", port.name)
        row = rows.get(short)
        if row is None:
            problems.append(f"{port.name}: missing from `display interface brief`")
            continue
        if port.mode == "access" and (row["type"], row["vlan_id"]) != ("A", str(port.access_vid)):
            problems.append(
                f"{port.name}: type {row['type']} VLAN {row['vlan_id']}, "
                f"NetBox access VLAN {port.access_vid}"
            )
        if port.mode == "trunk" and row["type"] != "T":
            problems.append(f"{port.name}: type {row['type']}, NetBox trunk")
    return problems


# -- one switch ----------------------------------------------------------------------------------
Connect = Callable[[Target], Session]


def diff_one(sw: Switch, target: Target, connect: Connect = Session) -> Result:
    start = time.monotonic()
    sess = connect(target)
    try:
        cmds = diff.remediation(sw.platform, sess.running(), render(sw))
    finally:
        sess.close()
    return Result(sw.name, CHANGED if cmds else UNCHANGED, cmds, seconds=time.monotonic() - start)


def backup_one(target: Target, directory: Path, connect: Connect = Session) -> Result:
    start = time.monotonic()
    sess = connect(target)
    try:
        path = write_backup(directory, target.name, sess.running())
    finally:
        sess.close()
    return Result(target.name, OK, detail=str(path), seconds=time.monotonic() - start)


def verify_one(sw: Switch, target: Target, connect: Connect = Session) -> Result:
    start = time.monotonic()
    sess = connect(target)
    try:
        running, intended = sess.running(), render(sw)
        cmds = diff.remediation(sw.platform, running, intended)
        problems = state_problems(sw, sess)
    finally:
        sess.close()
    if cmds or problems:
        return Result(
            sw.name,
            DRIFT,
            cmds,
            "; ".join(problems),
            seconds=time.monotonic() - start,
            found=diff.remediation(sw.platform, intended, running),
        )
    return Result(sw.name, OK, seconds=time.monotonic() - start)


def push_one(sw: Switch, target: Target, directory: Path, connect: Connect = Session) -> Result:
    """Backup, send, verify, save; on any failure roll back to the backup just taken."""
    start = time.monotonic()
    intended = render(sw)
    backup: str | None = None
    cmds: list[str] = []
    try:
        sess = connect(target)
        try:
            backup = sess.running()
            write_backup(directory, sw.name, backup)
            cmds = diff.remediation(sw.platform, backup, intended)
            if not cmds:
                return Result(sw.name, UNCHANGED, seconds=time.monotonic() - start)
            sess.configure(cmds)
            left = diff.remediation(sw.platform, sess.running(), intended)
            problems = state_problems(sw, sess)
            if left or problems:
                raise SharpeyesError(
                    "verify after push: "
                    + "; ".join([*problems, *(f"still to send: {c}" for c in left[:5])])
                )
            sess.save()
        finally:
            sess.close()
    except Exception as exc:  # any failure of this switch: roll back, report, go on
        detail = describe(exc)
        if backup is None:
            return Result(sw.name, FAILED, cmds, detail, time.monotonic() - start)
        try:
            restore(sw.name, sw.platform, target, backup, connect)
        except Exception as rexc:
            return Result(
                sw.name,
                FAILED,
                cmds,
                f"{detail}; ROLLBACK FAILED: {rexc}",
                time.monotonic() - start,
            )
        return Result(sw.name, ROLLED_BACK, cmds, detail, time.monotonic() - start)
    return Result(sw.name, CHANGED, cmds, seconds=time.monotonic() - start)


def restore(
    name: str,
    platform: str,
    target: Target,
    backup: str,
    connect: Connect = Session,
    *,
    attempts: int = 3,
) -> list[str]:
    """Bring the switch back to `backup` (hier_config remediation from what it runs now). A
    session that drops is retried from what the switch then runs, up to `attempts` times."""
    sent: list[str] = []
    last = ""
    for _ in range(attempts):
        try:
            sess = connect(target)
            try:
                cmds = diff.rollback(platform, sess.running(), backup)
                if not cmds:
                    return sent
                sent += cmds
                sess.configure(cmds)
                if not diff.remediation(platform, sess.running(), backup):
                    return sent
            finally:
                sess.close()
        except Exception as exc:
            last = describe(exc)
    raise SharpeyesError(f"switch {name}: rollback incomplete after {attempts} attempts: {last}")


def describe(exc: BaseException) -> str:
    """One line for the summary table (netmiko's timeouts carry a page of advice)."""
    if isinstance(exc, SharpeyesError):
        return exc.message
    text = str(exc).strip().splitlines()
    first = next((line for line in text if line.strip()), "")
    if "Pattern not detected" in first or isinstance(exc, (OSError, EOFError)):
        return f"session lost ({type(exc).__name__}: {first})"
    return f"{type(exc).__name__}: {first}"


# -- many switches -------------------------------------------------------------------------------
def run_batched(
    names: Sequence[str],
    work: Callable[[str], Result],
    *,
    batch: int = 8,
    max_failures: int = 1,
    canary: bool = True,
    progress: Callable[[Result], None] | None = None,
) -> list[Result]:
    """The canary alone, then batches of `batch` in parallel; stop after `max_failures` failed
    switches (a failed canary stops at once); the switches not started are `skipped`."""
    results: list[Result] = []
    failures = 0
    order = list(names)
    groups = ([order[:1]] if canary and order else []) + [
        order[i : i + batch] for i in range(1 if canary else 0, len(order), batch)
    ]
    with ThreadPoolExecutor(max_workers=max(1, batch)) as pool:
        for group in groups:
            if failures >= max_failures:
                results += [Result(n, SKIPPED, detail="max failures reached") for n in group]
                continue
            for res in pool.map(_guard(work), group):
                results.append(res)
                if res.result in (FAILED, ROLLED_BACK):
                    failures += 1
                    if canary and group is groups[0]:
                        failures = max_failures  # a failed canary stops the run
                if progress:
                    progress(res)
    return results


def _guard(work: Callable[[str], Result]) -> Callable[[str], Result]:
    def run(name: str) -> Result:
        start = time.monotonic()
        try:
            return work(name)
        except Exception as exc:
            return Result(name, FAILED, detail=describe(exc), seconds=time.monotonic() - start)

    return run
