"""Benchmark playbooks/servers.yml on the 10 lab servers: first run and no-op run, with Ansible's
stock settings vs the project's ansible.cfg tuning, in one process.

    eval "$(.venv/bin/sharpeyes lab env)"    # lab NetBox loaded + `sharpeyes lab up hosts`
    .venv/bin/python benchmarks/servers_converge.py [--skip-first]

The tuning (ansible.cfg): pipelining, forks = 10, SSH ControlPersist, a jsonfile fact cache with
`gathering = smart`. "stock" runs the same playbook with those reset through environment
variables (pipelining off, forks 5, no ControlPersist, no fact cache, `gathering = implicit`).
Order: stock no-op, tuned no-op (the hosts already converged; --skip-first skips the first,
converging run, which is timed with the tuned settings). Target (issue 12): tuned no-op ≤ 60 s.
Prints seconds and the stock/tuned ratio.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sharpeyes.paths import repo_root
from sharpeyes.playbook import parse_recap

BIN = Path(sys.executable).parent
INVENTORY = ["-i", "inventory/netbox.yml", "-i", "inventory/lab"]
TARGET_NOOP_S = 60.0


def stock_env(base: dict[str, str], tmp: Path) -> dict[str, str]:
    """Ansible's defaults for what ansible.cfg tunes (the rest of ansible.cfg kept)."""
    return {
        **base,
        "ANSIBLE_PIPELINING": "False",
        "ANSIBLE_FORKS": "5",
        "ANSIBLE_SSH_ARGS": "-o ControlMaster=no",
        "ANSIBLE_CACHE_PLUGIN": "memory",
        "ANSIBLE_GATHERING": "implicit",
        "ANSIBLE_SSH_CONTROL_PATH_DIR": str(tmp / "cp"),
    }


def run(env: dict[str, str]) -> tuple[float, int]:
    """Seconds and tasks changed of one servers.yml run; a failed run stops the benchmark."""
    argv = [str(BIN / "ansible-playbook"), *INVENTORY, "playbooks/servers.yml"]
    t0 = time.monotonic()
    proc = subprocess.run(
        argv, env=env, cwd=repo_root(), capture_output=True, text=True, check=False
    )
    seconds = time.monotonic() - t0
    if proc.returncode != 0:
        sys.exit(f"servers.yml failed ({proc.returncode}):\n{proc.stdout[-3000:]}")
    return seconds, sum(r.changed for r in parse_recap(proc.stdout).values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-first", action="store_true", help="Hosts already converged.")
    args = parser.parse_args()
    tuned = {**os.environ, "ANSIBLE_CONFIG": str(repo_root() / "ansible.cfg")}
    rows: list[tuple[str, float, int]] = []
    if not args.skip_first:
        rows.append(("first run (tuned)", *run(tuned)))
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(("no-op, stock settings", *run(stock_env(tuned, Path(tmp)))))
    rows.append(("no-op, tuned ansible.cfg", *run(tuned)))
    print(f"{'run':<28}{'seconds':>9}{'changed':>9}")
    for name, seconds, changed in rows:
        print(f"{name:<28}{seconds:>9.1f}{changed:>9}")
    stock, noop = rows[-2][1], rows[-1][1]
    ok = noop <= TARGET_NOOP_S and rows[-1][2] == 0
    print(
        f"no-op: stock/tuned {stock / noop:.1f}x; tuned {noop:.1f} s "
        f"(target ≤ {TARGET_NOOP_S:.0f} s, changed=0): {'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
