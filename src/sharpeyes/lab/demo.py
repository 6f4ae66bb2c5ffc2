"""The end-to-end demo pipeline behind `make demo`: each stage is a command a user would run.

Stages run in order and stop at the first failure. Each reports whether it changed anything so a
second run can say "no changes" for the whole pipeline.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sharpeyes.errors import TargetFailed
from sharpeyes.lab import control, netbox
from sharpeyes.paths import repo_root, state_dir

_RECAP = re.compile(r"^(?P<host>\S+)\s+:\s+ok=\d+\s+changed=(?P<changed>\d+)", re.MULTILINE)


@dataclass(frozen=True)
class StageResult:
    name: str
    seconds: float
    changes: int
    detail: str


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[[dict[str, str]], tuple[int, str]]  # env -> (changes, detail)


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def log_path() -> Path:
    return state_dir() / "demo.log"


def _run(argv: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)) -> tuple[int, str]:
    """Run a command, its output appended to the demo log; return (exit code, stdout)."""
    shown = " ".join(Path(a).name if i == 0 else a for i, a in enumerate(argv))
    print(f"$ {shown}", file=sys.stderr, flush=True)
    proc = subprocess.run(
        argv,
        env=env,
        cwd=repo_root(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    log_path().parent.mkdir(parents=True, exist_ok=True)
    with log_path().open("a", encoding="utf-8") as log:
        log.write(f"$ {shown}\n{proc.stdout}\n")
    if proc.returncode not in ok:
        sys.stderr.write("\n".join(proc.stdout.splitlines()[-40:]) + "\n")
        raise TargetFailed(
            f"demo stage failed: {shown} exited {proc.returncode}",
            hint=f"full output in {log_path()}",
        )
    return proc.returncode, proc.stdout


def _lab_up(env: dict[str, str]) -> tuple[int, str]:
    lines = control.up("all")
    started = [line for line in lines if "already" not in line]
    return len(started), "; ".join(lines)


def _sot_validate(env: dict[str, str]) -> tuple[int, str]:
    _, out = _run([_bin("sharpeyes"), "sot", "validate"], env)
    return 0, out.strip().splitlines()[-1] if out.strip() else "ok"


def _sot_apply(env: dict[str, str]) -> tuple[int, str]:
    code, _ = _run([_bin("sharpeyes"), "sot", "plan"], env, ok=(0, 2))
    if code == 0:
        return 0, "NetBox already matches the repo data"
    _run([_bin("sharpeyes"), "sot", "apply", "--yes"], env)
    _run([_bin("sharpeyes"), "sot", "plan"], env)  # must now be in sync (exit 0)
    return 1, "applied the repo data to NetBox; plan is now empty"


def _site(env: dict[str, str]) -> tuple[int, str]:
    _, out = _run(
        [
            _bin("ansible-playbook"),
            "playbooks/site.yml",
            "--flush-cache",  # NetBox may have changed a moment ago (sot apply)
            "-e",
            "@inventory/lab/connection.yml",
        ],
        env,
    )
    changed = sum(int(m["changed"]) for m in _RECAP.finditer(out))
    hosts = len(_RECAP.findall(out))
    return changed, f"{hosts} hosts, {changed} tasks changed"


STAGES: tuple[Stage, ...] = (
    Stage("lab up (NetBox + server containers)", _lab_up),
    Stage("sot validate (repo dataset, offline)", _sot_validate),
    Stage("sot plan/apply (repo -> NetBox)", _sot_apply),
    Stage("ansible-playbook playbooks/site.yml", _site),
)


def run() -> Iterator[StageResult]:
    log_path().unlink(missing_ok=True)
    creds = netbox.credentials() if netbox.status().get("healthy") else None
    env = dict(os.environ)
    env["ANSIBLE_CONFIG"] = str(repo_root() / "ansible.cfg")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    for stage in STAGES:
        if creds is None and stage.run is not _lab_up:
            creds = netbox.credentials()
        if creds is not None:
            env["NETBOX_API"], env["NETBOX_TOKEN"] = creds.url, creds.token
        start = time.monotonic()
        changes, detail = stage.run(env)
        yield StageResult(stage.name, time.monotonic() - start, changes, detail)
