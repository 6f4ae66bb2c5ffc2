"""CLI commands run as a user would run them, for the demo and the e2e tests.

`sot_converge` is the one "plan, then apply on exit 2" sequence: NetBox made to match the repo
dataset through `sharpeyes sot plan` / `sot apply --yes`, checked by a final empty plan. On a
pristine lab NetBox (never written since it was migrated) it restores the loaded snapshot of the
dataset instead of applying it (seconds instead of minutes) or, lacking one, the nearest older
snapshot (cache, else the repo's baseline) and applies only the difference; after an apply onto a
pristine NetBox it saves a snapshot (docs/decisions/0002-loaded-netbox-snapshot.md).
"""

from __future__ import annotations

import logging
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Literal

from sharpeyes import paths
from sharpeyes.errors import EXIT_CHANGES, EXIT_OK, TargetFailed
from sharpeyes.lab import netbox, snapshot
from sharpeyes.lab.env import lab_env, venv_bin
from sharpeyes.paths import repo_root
from sharpeyes.sot import client

log = logging.getLogger(__name__)

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


Converged = Literal["in sync", "restored", "updated", "applied"]


def netbox_pristine(env: Mapping[str, str]) -> bool:
    """True when the NetBox `env` names was never written since it was migrated: no change-log
    entry, no site, no device. Only such a NetBox may be replaced by a snapshot (nobody's work
    is lost)."""
    api = client.connect(env["NETBOX_API"], env["NETBOX_TOKEN"])
    return bool(
        api.core.object_changes.count() == 0
        and api.dcim.sites.count() == 0
        and api.dcim.devices.count() == 0
    )


def sot_converge(
    env: Mapping[str, str],
    run: Runner = run_command,
    *,
    data_dir: Path | None = None,
    snapshots: bool = True,
) -> Converged:
    """Make the lab NetBox match the dataset: `sot plan`; on exit 2 restore the loaded snapshot
    (pristine NetBox, snapshot cached) or `sot apply --yes`; then `sot plan` must exit 0.

    `snapshots=False` always applies for real. Returns what it did.
    """
    data = ("--data", str(data_dir)) if data_dir else ()
    code, _ = run(sharpeyes("sot", "plan", *data), env, (EXIT_OK, EXIT_CHANGES))
    if code == EXIT_OK:
        return "in sync"
    key = snapshot.current_key(data_dir)
    pristine = snapshots and netbox_pristine(env)
    # an older snapshot is a starting point for the repo's own dataset only (its lineage)
    own_dataset = data_dir is None or data_dir.resolve() == paths.netbox_data_dir().resolve()
    how: Converged = "applied"
    if pristine and netbox.restore_loaded(key):
        # a full read, not the fast plan: the snapshot itself is what is checked
        code, _ = run(sharpeyes("sot", "plan", "--full", *data), env, (EXIT_OK, EXIT_CHANGES))
        if code == EXIT_OK:
            return "restored"
        log.warning("the snapshot %s does not match the dataset: applying over it", key)
    elif (
        pristine and own_dataset and (near := snapshot.nearest(key)) and netbox.restore_loaded(near)
    ):
        # an older estate plus its sync base: the apply writes only what changed since
        log.info("no snapshot for %s: starting from %s and applying the difference", key, near)
        how = "updated"
    run(sharpeyes("sot", "apply", "--yes", *data), env, (EXIT_OK,))
    # in sync now, or this raises; a full read when the result becomes a snapshot
    run(sharpeyes("sot", "plan", *("--full",) * pristine, *data), env, (EXIT_OK,))
    if pristine:
        netbox.save_loaded(key)
    return how


def reset_loaded(data_dir: Path | None = None) -> list[str]:
    """`lab reset netbox --loaded`: NetBox holding exactly the dataset, from the cached snapshot
    for its key (seconds), else by a real apply that then saves the snapshot (minutes)."""
    t0 = time.monotonic()
    lines = netbox.reset()
    how = sot_converge(lab_env(), data_dir=data_dir)
    key = snapshot.current_key(data_dir)
    done, used = {
        "restored": ("restored", "snapshot used"),
        "updated": ("an older snapshot restored, the difference applied, saved", "snapshot used"),
    }.get(how, ("applied and saved as a snapshot", "snapshot not used"))
    seconds = time.monotonic() - t0
    lines.append(f"NetBox loaded with the dataset {key}: {done} in {seconds:.1f} s ({used})")
    return lines
