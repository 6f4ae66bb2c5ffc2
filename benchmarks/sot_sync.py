"""Benchmark `sot apply`: bulk REST vs a per-object pynetbox baseline (vs server-side), no-op plan.

Against the lab NetBox, reset to an empty migrated database before every run:
    .venv/bin/python benchmarks/sot_sync.py [--data netbox/] [--limit 600] [--server-side]
1. full bulk apply of the dataset, then a no-op `plan` (time and write count, must be 0);
2. the same first `--limit` objects (dependency order) written by bulk REST, by the per-object
   pynetbox baseline and, with --server-side, by the same engine run inside NetBox in one
   transaction; the ratio compares objects/s on that identical subset, and the baseline's full
   time is extrapolated from its rate (said so in the output).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sharpeyes.lab import netbox
from sharpeyes.sot import apply as apply_mod
from sharpeyes.sot import client, loader, sync
from sharpeyes.sot.baseline import PerObjectRest
from sharpeyes.sot.live import Rest, fetch
from sharpeyes.sot.plan import compute

HERE = Path(__file__).resolve().parent


class _EnoughError(Exception):
    pass


def _lab_api() -> Any:
    """The lab NetBox, with its credentials given explicitly (the client never looks for them)."""
    creds = netbox.credentials()
    return client.connect(creds.url, creds.token)


def full_bulk(data: Path) -> dict[str, Any]:
    netbox.reset()
    api = _lab_api()
    t0 = time.monotonic()
    s = sync.read(data, api)
    objects = len(s.plan.changes)
    result = sync.apply(s)
    t1 = time.monotonic()
    again = sync.read(data, api)
    t2 = time.monotonic()
    return {
        "objects": objects,
        "bulk_apply_s": round(t1 - t0, 1),
        "bulk_requests": result.requests,
        "noop_plan_s": round(t2 - t1, 2),
        "noop_read_s": round(again.timings["read"], 2),
        "noop_plan_changes": len(again.plan.changes),
        "noop_plan_writes": again.rest.writes,
    }


def subset(data: Path, limit: int, per_object: bool) -> dict[str, Any]:
    """Write the first `limit` objects; returns objects written and seconds."""
    netbox.reset()
    api = _lab_api()
    t0 = time.monotonic()
    rest: Rest = PerObjectRest(api) if per_object else Rest(api)
    ds = loader.load(data).dataset
    state = fetch(rest, ds.endpoints)
    plan = compute(ds, state)
    done = 0

    def progress(_desc: str, n: int) -> None:
        nonlocal done
        done += n
        if done >= limit:
            raise _EnoughError

    with contextlib.suppress(_EnoughError):
        apply_mod.apply(ds, rest, state, plan, progress=progress, batch=50 if per_object else 500)
    return {"objects": done, "seconds": round(time.monotonic() - t0, 1)}


def server_side(data: Path, limit: int) -> dict[str, Any]:
    netbox.reset()
    env = netbox._netbox_env(
        {
            "SHARPEYES_SRC": str(HERE.parent / "src"),
            "SHARPEYES_BENCH_DATA": str(data),
            "SHARPEYES_BENCH_LIMIT": str(limit),
        }
    )
    code = (HERE / "sot_inprocess.py").read_text()
    exe = netbox._venv() / "bin" / "python"
    out = subprocess.run(
        [str(exe), "-m", "netbox", "shell", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def rate(r: dict[str, Any]) -> float:
    return float(r["objects"]) / max(float(r["seconds"]), 1e-9)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--data", type=Path, default=sync.default_data_dir())
    ap.add_argument("--limit", type=int, default=600, help="objects in the comparison subset")
    ap.add_argument("--server-side", action="store_true", help="also measure in-NetBox apply")
    ap.add_argument("--skip-full", action="store_true", help="only the subset comparison")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    report: dict[str, Any] = {"data": str(args.data), "limit": args.limit}
    if not args.skip_full:
        report["full"] = full_bulk(args.data)
        print("full:", json.dumps(report["full"]), file=sys.stderr, flush=True)
    report["bulk_subset"] = subset(args.data, args.limit, per_object=False)
    print("bulk subset:", json.dumps(report["bulk_subset"]), file=sys.stderr, flush=True)
    report["per_object_subset"] = subset(args.data, args.limit, per_object=True)
    print("per-object:", json.dumps(report["per_object_subset"]), file=sys.stderr, flush=True)
    if args.server_side:
        report["server_side_subset"] = server_side(args.data, args.limit)
    report["speedup_bulk_vs_per_object"] = round(
        rate(report["bulk_subset"]) / rate(report["per_object_subset"]), 2
    )
    if "full" in report:
        full = report["full"]
        report["per_object_full_extrapolated_s"] = round(
            full["objects"] / rate(report["per_object_subset"]), 1
        )
    netbox.reset()
    if args.json or os.environ.get("SHARPEYES_BENCH_JSON"):
        print(json.dumps(report, indent=2))
        return
    _print(report)


def _print(r: dict[str, Any]) -> None:
    print(f"dataset     {r['data']}")
    if "full" in r:
        f = r["full"]
        print(
            f"full bulk apply     {f['bulk_apply_s']} s for {f['objects']} objects "
            f"({f['bulk_requests']} requests)"
        )
        print(
            f"per-object apply    ~{r['per_object_full_extrapolated_s']} s "
            "(EXTRAPOLATED from the subset rate below)"
        )
        print(
            f"no-op plan          {f['noop_plan_s']} s (read {f['noop_read_s']} s): "
            f"{f['noop_plan_changes']} changes, {f['noop_plan_writes']} writes"
        )
    for name in ("bulk_subset", "per_object_subset", "server_side_subset"):
        if name in r:
            s = r[name]
            print(f"{name:<20}{s['objects']} objects in {s['seconds']} s ({rate(s):.1f}/s)")
    print(
        f"speedup bulk / per-object (same first {r['limit']} objects): "
        f"{r['speedup_bulk_vs_per_object']}x"
    )


if __name__ == "__main__":
    main()
