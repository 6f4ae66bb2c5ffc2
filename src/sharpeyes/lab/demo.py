"""The end-to-end demo pipeline behind `make demo`: each stage is a command a user would run.

Stages run in order and stop at the first failure. Each reports whether it changed anything so a
second run can say "no changes" for the whole pipeline. The dataset is applied before the host
containers start, so they are exactly the video servers NetBox lists.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sharpeyes.errors import EXIT_OK
from sharpeyes.lab import commands, control
from sharpeyes.lab.env import lab_env
from sharpeyes.paths import repo_root, state_dir
from sharpeyes.playbook import PlaybookFailed, PlaybookResult, run_playbook

log = logging.getLogger(__name__)

# NetBox's hosts plus the lab's SSH layer, written by `lab up hosts`.
LAB_INVENTORY = ("-i", "inventory/netbox.yml", "-i", "inventory/lab")


@dataclass(frozen=True)
class StageResult:
    name: str
    seconds: float
    changes: int
    detail: str


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[[dict[str, str]], tuple[int, str]]  # lab env -> (changes, detail)


def log_path() -> Path:
    return state_dir() / "demo.log"


def _log(shown: str, output: str) -> None:
    log_path().parent.mkdir(parents=True, exist_ok=True)
    with log_path().open("a", encoding="utf-8") as handle:
        handle.write(f"$ {shown}\n{output}\n")


def _run(
    argv: Sequence[str], env: Mapping[str, str], ok: tuple[int, ...] = (EXIT_OK,)
) -> tuple[int, str]:
    """`commands.run_command`, logged as `$ cmd`; output to the demo log, also on failure."""
    shown = commands.shown(argv)
    log.info("$ %s", shown)
    try:
        code, out = commands.run_command(argv, env, ok)
    except commands.CommandFailed as exc:
        _log(shown, exc.output)
        exc.hint = f"full output in {log_path()}"
        raise
    _log(shown, out)
    return code, out


def _lab_up(part: str) -> tuple[int, str]:
    results = control.up(part)
    started = [r for r in results if r.started]
    return len(started), f"{len(started)} started, {len(results) - len(started)} already running"


def _sot_validate(env: dict[str, str]) -> tuple[int, str]:
    _, out = _run(commands.sharpeyes("sot", "validate"), env)
    return 0, out.strip().splitlines()[-1] if out.strip() else "ok"


def _sot_apply(env: dict[str, str]) -> tuple[int, str]:
    how = commands.sot_converge(env, run=_run)
    if how == "in sync":
        return 0, "NetBox already matches the repo data"
    if how == "restored":
        return 1, "NetBox restored from the dataset's loaded snapshot; plan is now empty"
    if how == "updated":
        return 1, "NetBox restored from an older snapshot, the difference applied; plan empty"
    return 1, "applied the repo data to NetBox (saved as a snapshot if it was empty); plan empty"


def _hosts_up(env: dict[str, str]) -> tuple[int, str]:
    return _lab_up("hosts")


def _site(env: dict[str, str]) -> tuple[int, str]:
    # NetBox may have just changed (--flush-cache); the lab layer says how to reach the servers
    # over SSH (inventory/lab/README.md).
    args = ("--flush-cache", *LAB_INVENTORY)
    shown = " ".join(("ansible-playbook", "playbooks/site.yml", *args))
    log.info("$ %s", shown)
    try:
        result: PlaybookResult = run_playbook("playbooks/site.yml", *args, env=env, cwd=repo_root())
    except PlaybookFailed as exc:
        _log(shown, exc.result.output)
        exc.hint = f"full output in {log_path()}"
        raise
    _log(shown, result.output)
    hosts = len(result.recap)
    return result.changed, f"{hosts} hosts, {result.changed} tasks changed"


def _switches_up(env: dict[str, str]) -> tuple[int, str]:
    return _lab_up("switches")


def _switch_push(env: dict[str, str]) -> tuple[int, str]:
    """Every access switch to NetBox's configuration (canary, batches; backups first)."""
    _, out = _run(commands.sharpeyes("switch", "push", "--json"), env)
    results = json.loads(out)
    changed = sum(r["result"] == "changed" for r in results)
    sent = sum(len(r["commands"]) for r in results)
    return changed, f"{len(results)} switches, {changed} changed, {sent} commands sent"


def _switch_verify(env: dict[str, str]) -> tuple[int, str]:
    _, out = _run(commands.sharpeyes("switch", "verify", "--json"), env)
    return 0, f"{len(json.loads(out))} switches compliant with NetBox"


STAGES: tuple[Stage, ...] = (
    Stage("sot validate (repo dataset, offline)", _sot_validate),
    Stage("sot plan/apply (repo -> NetBox)", _sot_apply),
    Stage("lab up hosts (NetBox's video servers)", _hosts_up),
    Stage("ansible-playbook playbooks/site.yml", _site),
    Stage("lab up switches (NetBox's access switches, simulated)", _switches_up),
    Stage("sharpeyes switch push (all access switches)", _switch_push),
    Stage("sharpeyes switch verify", _switch_verify),
)


def run() -> Iterator[StageResult]:
    """Bring NetBox up, then run STAGES in the lab environment; one result per stage."""
    log_path().unlink(missing_ok=True)
    start = time.monotonic()
    changes, detail = _lab_up("netbox")
    yield StageResult("lab up netbox", time.monotonic() - start, changes, detail)
    env = lab_env()  # NetBox is up: its credentials exist now
    for stage in STAGES:
        start = time.monotonic()
        changes, detail = stage.run(env)
        yield StageResult(stage.name, time.monotonic() - start, changes, detail)
