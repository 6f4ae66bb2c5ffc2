"""Benchmark a full diff + push on every simulated switch, parallel vs serial, in one run.

    eval "$(sharpeyes lab env)"   # lab NetBox loaded + `sharpeyes lab up switches`
    .venv/bin/python benchmarks/switch_push.py [--batch 8]

Targets (issue 11): parallel ≤ 60 s for 80 switches and ≥ 4x faster than serial. Each run
pushes a real change to every switch (a new AAA password hash, so one line each), through the
library as `sharpeyes switch push` does, canary first: per switch backup, diff, send, verify,
save. NetBox and the inventory are read once (the same fixed cost for both ways of pushing; it
is printed, and the end-to-end ratio including it too). The lab switches end with the hash of
`sharpeyes lab env` again.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from sharpeyes.sot import client
from sharpeyes.switches import netbox, pipeline, session
from sharpeyes.switches.model import Switch

TARGET_S = 60.0
TARGET_RATIO = 4.0


def read_estate() -> tuple[dict[str, Switch], dict[str, session.Target], float]:
    t0 = time.perf_counter()
    switches = {s.name: s for s in netbox.load(client.connect())}
    return switches, session.targets(list(switches)), time.perf_counter() - t0


def push_all(
    switches: dict[str, Switch],
    targets: dict[str, session.Target],
    batch: int,
    password_hash: str,
    backups: Path,
) -> tuple[float, int, int]:
    for sw in switches.values():
        sw.settings.aaa_hash = password_hash
    t0 = time.perf_counter()
    results = pipeline.run_batched(
        list(switches),
        lambda n: pipeline.push_one(switches[n], targets[n], backups),
        batch=batch,
        max_failures=len(switches) + 1,
    )
    changed = sum(r.result == pipeline.CHANGED for r in results)
    return time.perf_counter() - t0, changed, len(results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=8, help="Parallel sessions per batch.")
    args = parser.parse_args()
    lab_hash = os.environ.get("SHARPEYES_SWITCH_PASSWORD_HASH", "")
    switches, targets, read_s = read_estate()
    with tempfile.TemporaryDirectory() as tmp:
        runs = {
            f"parallel (batch {args.batch})": push_all(
                switches, targets, args.batch, "$bench$a$", Path(tmp)
            ),
            "serial (batch 1)": push_all(switches, targets, 1, "$bench$b$", Path(tmp)),
        }
        if lab_hash:
            push_all(switches, targets, args.batch, lab_hash, Path(tmp))
    print(f"NetBox + inventory read once: {read_s:.1f} s")
    print(f"{'run':<22}{'seconds':>9}{'changed':>9}")
    for name, (seconds, changed, total) in runs.items():
        print(f"{name:<22}{seconds:>9.1f}{changed:>5}/{total}")
    par, ser = (v[0] for v in runs.values())
    ratio = ser / par
    ok = par + read_s <= TARGET_S and ratio >= TARGET_RATIO
    print(
        f"parallel {par:.1f} s, {par + read_s:.1f} s with the read (target ≤ {TARGET_S:.0f}); "
        f"serial/parallel {ratio:.1f}x (target ≥ {TARGET_RATIO:.0f}x), "
        f"{(ser + read_s) / (par + read_s):.1f}x with the read: {'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
