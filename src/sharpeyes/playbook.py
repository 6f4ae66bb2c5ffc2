"""Run ansible-playbook, read its PLAY RECAP into typed per-host counts, raise on failure.

The one way the package (demo, tests, the commands that run playbooks) runs a playbook:

    result = run_playbook("playbooks/site.yml", "--check", env=env, cwd=repo_root())
    result.changed          # tasks changed, all hosts
    result.recap["qxdc-vc01"].failed

A non-zero exit or any failed/unreachable host raises PlaybookFailed (a TargetFailed: exit 1)
naming the hosts and carrying the tail of the output; the whole run stays on `.result`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from sharpeyes.errors import DependencyUnavailable, TargetFailed

TAIL_LINES = 30
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_RECAP_HEADER = re.compile(r"^PLAY RECAP \*+\s*$", re.MULTILINE)
_RECAP_LINE = re.compile(r"^(?P<host>\S+)\s+:\s+(?P<counts>(?:[a-z]+=\d+\s*)+)$")
_COUNT = re.compile(r"([a-z]+)=(\d+)")


@dataclass(frozen=True)
class HostRecap:
    """One host's PLAY RECAP line."""

    host: str
    ok: int = 0
    changed: int = 0
    unreachable: int = 0
    failed: int = 0
    skipped: int = 0
    rescued: int = 0
    ignored: int = 0

    @property
    def bad(self) -> bool:
        return self.failed > 0 or self.unreachable > 0


_COUNTS = frozenset(f.name for f in fields(HostRecap)) - {"host"}


def parse_recap(output: str) -> dict[str, HostRecap]:
    """Per-host counts from the PLAY RECAP of ansible-playbook's default output; {} without one.

    Only lines after the last `PLAY RECAP` header count (profile_tasks' TASKS RECAP and any
    task output above cannot be mistaken for hosts).
    """
    text = _ANSI.sub("", output)
    headers = list(_RECAP_HEADER.finditer(text))
    if not headers:
        return {}
    recap: dict[str, HostRecap] = {}
    for raw in text[headers[-1].end() :].splitlines():
        line = raw.strip()
        if not line:
            if recap:
                break  # the recap block ends at the first blank line after it
            continue
        match = _RECAP_LINE.match(line)
        if match is None:
            break
        counts = {k: int(v) for k, v in _COUNT.findall(match["counts"]) if k in _COUNTS}
        recap[match["host"]] = HostRecap(host=match["host"], **counts)
    return recap


@dataclass(frozen=True)
class PlaybookResult:
    argv: tuple[str, ...]
    returncode: int
    output: str  # stdout and stderr, interleaved as ansible-playbook wrote them
    recap: dict[str, HostRecap]

    @property
    def changed(self) -> int:
        return sum(r.changed for r in self.recap.values())

    @property
    def failed_hosts(self) -> list[str]:
        return sorted(h for h, r in self.recap.items() if r.failed)

    @property
    def unreachable_hosts(self) -> list[str]:
        return sorted(h for h, r in self.recap.items() if r.unreachable)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not any(r.bad for r in self.recap.values())

    def tail(self, lines: int = TAIL_LINES) -> str:
        return "\n".join(self.output.rstrip().splitlines()[-lines:])


class PlaybookFailed(TargetFailed):
    """ansible-playbook exited non-zero or a host failed or was unreachable."""

    def __init__(self, result: PlaybookResult, shown: str) -> None:
        self.result = result
        where = []
        if result.failed_hosts:
            where.append("failed on " + ", ".join(result.failed_hosts))
        if result.unreachable_hosts:
            where.append("unreachable: " + ", ".join(result.unreachable_hosts))
        if not result.recap:
            where.append("no PLAY RECAP (stopped before any host ran)")
        super().__init__(
            f"{shown} exited {result.returncode}: {'; '.join(where) or 'see the output'}\n"
            + result.tail(),
        )


def ansible_playbook() -> str:
    """ansible-playbook beside this Python (the venv), else the one on PATH."""
    local = Path(sys.executable).parent / "ansible-playbook"
    return str(local) if local.is_file() else "ansible-playbook"


def run_playbook(
    playbook: str | Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float | None = None,
) -> PlaybookResult:
    """Run `ansible-playbook <playbook> <args>`; the parsed result, or PlaybookFailed."""
    argv = (ansible_playbook(), str(playbook), *args)
    shown = " ".join(["ansible-playbook", *argv[1:]])
    try:
        proc = subprocess.run(
            argv,
            env=dict(os.environ if env is None else env),
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
            timeout=timeout,
        )
    except FileNotFoundError as exc:
        raise DependencyUnavailable(
            f"ansible-playbook not found ({argv[0]})", hint="make venv (installs ansible-core)"
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise TargetFailed(f"{shown} did not finish within {timeout:.0f} s") from exc
    result = PlaybookResult(argv, proc.returncode, proc.stdout, parse_recap(proc.stdout))
    if not result.ok:
        raise PlaybookFailed(result, shown)
    return result
