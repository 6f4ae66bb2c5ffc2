"""Benchmark `sot apply`: bulk REST vs a per-object pynetbox baseline, plus a no-op plan.

Run against the lab NetBox (it is reset to an empty migrated database, twice):
    .venv/bin/python benchmarks/sot_sync.py [--data netbox/] [--baseline-limit 1500]
The baseline applies the same plan object by object; with --baseline-limit it stops after that
many objects and extrapolates linearly to the full dataset (said so in the output).
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

from sharpeyes.lab import netbox
from sharpeyes.sot import apply as apply_mod
from sharpeyes.sot import client, sync
from sharpeyes.sot.baseline import PerObjectRest
from sharpeyes.sot.live import fetch
from sharpeyes.sot.plan import compute


class _EnoughError(Exception):
    pass


def bulk_run(data: Path) -> dict[str, float | int]:
    netbox.reset()
    api = client.connect()
    t0 = time.monotonic()
    s = sync.read(data, api)
    objects = len(s.plan.changes)
    result = sync.apply(s)
    t1 = time.monotonic()
    # the no-op plan right after: full read + diff, must not write
    t2 = time.monotonic()
    again = sync.read(data, api)
    t3 = time.monotonic()
    return {
        "objects": objects,
        "bulk_apply_s": round(t1 - t0, 2),
        "bulk_requests": result.requests,
        "noop_plan_s": round(t3 - t2, 2),
        "noop_plan_changes": len(again.plan.changes),
        "noop_plan_writes": again.rest.writes,
        "noop_read_s": round(again.timings["read"], 2),
    }


def baseline_run(data: Path, limit: int | None) -> dict[str, float | int | bool]:
    netbox.reset()
    api = client.connect()
    t0 = time.monotonic()
    s = sync.read(data, api)
    total = len(s.plan.changes)
    rest = PerObjectRest(api)
    state = fetch(rest, s.dataset.endpoints)
    plan = compute(s.dataset, state)
    done = 0

    def progress(_desc: str, n: int) -> None:
        nonlocal done
        done += n
        if limit is not None and done >= limit:
            raise _EnoughError

    complete = True
    try:
        apply_mod.apply(s.dataset, rest, state, plan, progress=progress, batch=50)
    except _EnoughError:
        complete = False
    elapsed = time.monotonic() - t0
    measured = done if not complete else total
    return {
        "baseline_objects_written": done,
        "baseline_measured_s": round(elapsed, 2),
        "baseline_complete": complete,
        "baseline_full_s": round(elapsed * total / max(measured, 1), 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=sync.default_data_dir())
    ap.add_argument(
        "--baseline-limit",
        type=int,
        default=None,
        help="stop the per-object baseline after N objects and extrapolate",
    )
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    bulk = bulk_run(args.data)
    base = baseline_run(args.data, args.baseline_limit)
    ratio = float(base["baseline_full_s"]) / float(bulk["bulk_apply_s"])
    report = {**bulk, **base, "speedup": round(ratio, 2), "data": str(args.data)}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"dataset            {args.data} ({bulk['objects']} objects to write)")
    print(f"bulk apply         {bulk['bulk_apply_s']} s in {bulk['bulk_requests']} requests")
    how = (
        "measured"
        if base["baseline_complete"]
        else (
            f"extrapolated from {base['baseline_objects_written']} objects in "
            f"{base['baseline_measured_s']} s"
        )
    )
    print(f"per-object apply   {base['baseline_full_s']} s ({how})")
    print(f"speedup            {ratio:.2f}x")
    print(
        f"no-op plan         {bulk['noop_plan_s']} s (read {bulk['noop_read_s']} s), "
        f"{bulk['noop_plan_changes']} changes, {bulk['noop_plan_writes']} writes"
    )


if __name__ == "__main__":
    main()
