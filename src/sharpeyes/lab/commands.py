"""CLI commands run as a user would run them, for the demo and the e2e tests.

`sot_converge` is the one "plan, then apply on exit 2" sequence: NetBox made to match the repo
dataset through `sharpeyes sot plan` / `sot apply --yes`, checked by a final empty plan.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from sharpeyes.errors import EXIT_CHANGES, EXIT_OK, TargetFailed
from sharpeyes.lab.env import venv_bin
from sharpeyes.paths import repo_root

TAIL_LINES = 40

# argv, env, accepted exit codes -> (exit code, output); raises CommandFailed on any other code.
Runner = Callable[[Sequence[str], Mapping[str, str], tuple[int, ...]], tuple[int, str]]


class CommandFailed(TargetFailed):
    """A command exited with a code the caller did not accept; `output` holds all it printed."""

    def __init__(self, argv: Sequence[str], returncode: int, output: str) -> None:
        self.returncode = returncode
        self.output = output
        tail = "\n".join(output.rstrip().splitlines()[-TAIL_LINES:])
        super().__init__(f"{shown(argv)} exited {returncode}\n{tail}")


def shown(argv: Sequence[str]) -> str:
    """The command as a user would type it: the program's name without its directory."""
    return " ".join(Path(a).name if i == 0 else a for i, a in enumerate(argv))


def run_command(
    argv: Sequence[str], env: Mapping[str, str], ok: tuple[int, ...] = (EXIT_OK,)
) -> tuple[int, str]:
    """Run `argv` in the repo root, stdout and stderr together; (exit code, output).

    CommandFailed naming the command, its exit code and the tail of its output when the exit
    code is not in `ok`.
    """
    proc = subprocess.run(
        list(argv),
        env=dict(env),
        cwd=repo_root(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    if proc.returncode not in ok:
        raise CommandFailed(argv, proc.returncode, proc.stdout)
    return proc.returncode, proc.stdout


def sharpeyes(*args: str) -> list[str]:
    """argv for the `sharpeyes` of this venv."""
    return [str(venv_bin() / "sharpeyes"), *args]


def sot_converge(env: Mapping[str, str], run: Runner = run_command) -> bool:
    """`sot plan`; on exit 2 `sot apply --yes`, then `sot plan` again, which must exit 0.

    True when it applied changes, False when NetBox already matched the dataset.
    """
    code, _ = run(sharpeyes("sot", "plan"), env, (EXIT_OK, EXIT_CHANGES))
    if code == EXIT_OK:
        return False
    run(sharpeyes("sot", "apply", "--yes"), env, (EXIT_OK,))
    run(sharpeyes("sot", "plan"), env, (EXIT_OK,))  # in sync now, or this raises
    return True
