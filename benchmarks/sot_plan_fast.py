"""Benchmark the fast plan (reads only what changed since the sync base) against `plan --full`.

On the lab NetBox named by the environment (SHARPEYES_STATE_DIR/_NETBOX_PORT/_NETBOX_DB_NAME), with
the FULL estate restored from the loaded snapshot:
    .venv/bin/python benchmarks/sot_plan_fast.py [--data netbox/] [--repeat 3]
1. `lab reset netbox --loaded` (snapshot restore), timed; the full apply it replaces is read from
   --apply-seconds (printed by the first reset_loaded for a dataset key) when given;
2. a no-op `sot apply` records a sync base with this code (a snapshot may hold an older one);
3. no-op plan, fast vs --full (best of --repeat), ratio; both plans must be the same JSON;
4. plan after one NetBox-side change (a device description edited over REST) and after one
   repo-side change (a copy of the dataset with one device description edited), each fast vs full.
Targets (docs/decisions/0003): fast no-op <= 3 s and >= 4x faster than --full; the two one-change
plans <= 3 s each.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from sharpeyes.lab import commands, netbox
from sharpeyes.sot import client, sync

DEVICES = Path("estate") / "dcim.devices.yml"


def _api() -> Any:
    creds = netbox.credentials()
    return client.connect(creds.url, creds.token)


def _best(fn: Callable[[], sync.Session], repeat: int) -> tuple[float, sync.Session]:
    best, last = float("inf"), None
    for _ in range(repeat):
        t0 = time.monotonic()
        last = fn()
        best = min(best, time.monotonic() - t0)
    assert last is not None
    return best, last


def _compare(data: Path, api: Any, repeat: int) -> dict[str, Any]:
    fast_s, fast = _best(lambda: sync.plan(data, api, full=False), repeat)
    full_s, full = _best(lambda: sync.plan(data, api, full=True), repeat)
    a, b = fast.plan.as_json(), full.plan.as_json()
    read, note = a.pop("read"), a.pop("read_note", "")
    b.pop("read")
    b.pop("read_note", None)
    return {
        "fast_s": round(fast_s, 2),
        "full_s": round(full_s, 2),
        "ratio": round(full_s / fast_s, 1),
        "read": read,
        "note": note,
        "same_plan": a == b,
        "changes": len(full.plan.changes),
        "netbox_side": len(full.plan.netbox_side),
        "conflicts": len(full.plan.conflicts),
        "fast_timings_s": {k: round(v, 2) for k, v in fast.timings.items()},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--data", type=Path, default=sync.default_data_dir())
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--apply-seconds", type=float, help="full apply time, for the reset ratio")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    report: dict[str, Any] = {}

    t0 = time.monotonic()
    lines = commands.reset_loaded(args.data)
    report["reset_loaded_s"] = round(time.monotonic() - t0, 1)
    report["reset_loaded"] = lines[-1]
    api = _api()
    session = sync.plan(args.data, api, full=True)
    assert session.plan.in_sync, "the restored NetBox does not match the dataset"
    sync.record_after_apply(session, wrote=False)  # what a no-op `sot apply` does

    report["noop"] = _compare(args.data, api, args.repeat)

    device = api.dcim.devices.get(name=_a_device(args.data, -1))
    was = device.description
    device.update({"description": "benchmark: edited in NetBox"})
    report["netbox_change"] = _compare(args.data, api, args.repeat)
    device.update({"description": was})

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "netbox"
        shutil.copytree(args.data, copy)
        _edit_description(copy / DEVICES, 0, "benchmark: edited in the repo")
        report["repo_change"] = _compare(copy, api, args.repeat)

    if args.apply_seconds:
        report["full_apply_s"] = args.apply_seconds
        report["apply_vs_reset_ratio"] = round(args.apply_seconds / report["reset_loaded_s"], 1)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    _summary(report)


def _a_device(data: Path, index: int) -> str:
    doc = yaml.safe_load((data / DEVICES).read_text())
    return str(doc["objects"][index]["name"])


def _edit_description(path: Path, index: int, text: str) -> None:
    doc = yaml.safe_load(path.read_text())
    doc["objects"][index]["description"] = text
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))


def _summary(r: dict[str, Any]) -> None:
    for name in ("noop", "netbox_change", "repo_change"):
        x = r[name]
        ok = x["fast_s"] <= 3.0 and x["same_plan"] and (name != "noop" or x["ratio"] >= 4)
        print(
            f"{name:<14} fast {x['fast_s']:>6} s ({x['read']})  full {x['full_s']:>6} s  "
            f"{x['ratio']}x  same plan: {x['same_plan']}  target {'met' if ok else 'MISSED'}"
        )
    line = f"lab reset netbox --loaded  {r['reset_loaded_s']} s"
    if "full_apply_s" in r:
        line += f"  vs full apply {r['full_apply_s']} s: {r['apply_vs_reset_ratio']}x"
    print(line)


if __name__ == "__main__":
    main()
