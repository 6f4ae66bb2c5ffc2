"""Benchmark the inventory load: the tuned inventory/netbox.yml vs nb_inventory's default
options, and vs the landed config (the same options with ansible.builtin.jsonfile as cache).

On the NetBox named by NETBOX_API / NETBOX_TOKEN (else the lab's), loaded with the estate:
    .venv/bin/python benchmarks/inventory.py [--repeat 3]
Each config gets its own cache directory. Cold: `ansible-inventory --list --flush-cache` (asks
NetBox, writes the cache); warm: `--list` right after (reads the cache). Best wall time of
--repeat runs, and the CPU time (user+sys) of that run: on a shared machine CPU is the steadier
figure, wall time what a user waits for. "defaults" is nb_inventory with only the token, the
same device/VM filters (the same hosts) and a jsonfile cache; everything else at its default.
Targets (issue 10): tuned warm <= 2 s and >= 3x faster than the defaults.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from sharpeyes.lab import netbox

REPO = Path(__file__).resolve().parents[1]
TUNED = REPO / "inventory" / "netbox.yml"
BIN = Path(sys.executable).parent


def _configs(tmp: Path) -> dict[str, Path]:
    tuned = yaml.safe_load(TUNED.read_text(encoding="utf-8"))
    base = {
        k: tuned[k]
        for k in ("plugin", "validate_certs", "token", "device_query_filters", "vm_query_filters")
    }
    variants = {
        "defaults": {**base, "cache": True, "cache_plugin": "ansible.builtin.jsonfile"},
        "landed": {**tuned, "cache_plugin": "ansible.builtin.jsonfile"},
        "tuned": dict(tuned),
    }
    paths = {}
    for name, body in variants.items():
        body["cache_connection"] = str(tmp / f"cache-{name}")
        path = tmp / f"{name}.netbox.yml"
        path.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
        paths[name] = path
    return paths


def _run(config: Path, *flags: str) -> tuple[float, float, int]:
    """(wall s, CPU s of the child, host count) of one ansible-inventory --list."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    proc = subprocess.run(
        [str(BIN / "ansible-inventory"), "-i", str(config), "--list", *flags],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg")},
    )
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{config.name}: ansible-inventory failed:\n{proc.stderr[-2000:]}")
    hosts = len(json.loads(proc.stdout)["_meta"]["hostvars"])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, hosts


def _cache_bytes(tmp: Path, name: str) -> int:
    return sum(p.stat().st_size for p in (tmp / f"cache-{name}").glob("*"))


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if not os.environ.get("NETBOX_API"):
        creds = netbox.credentials()
        os.environ["NETBOX_API"], os.environ["NETBOX_TOKEN"] = creds.url, creds.token
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="inventory-bench-") as tmpdir:
        tmp = Path(tmpdir)
        configs = _configs(tmp)
        for name, config in configs.items():
            cold: list[tuple[float, float, int]] = []
            warm: list[tuple[float, float, int]] = []
            for _ in range(args.repeat):
                cold.append(_run(config, "--flush-cache"))
                warm.append(_run(config))
            best_cold, best_warm = min(cold), min(warm)
            report[name] = {
                "cold_s": round(best_cold[0], 2),
                "cold_cpu_s": round(best_cold[1], 2),
                "warm_s": round(best_warm[0], 2),
                "warm_cpu_s": round(best_warm[1], 2),
                "hosts": best_warm[2],
                "cache_bytes": _cache_bytes(tmp, name),
            }
            print(f"{name}: {report[name]}", file=sys.stderr)
    d, landed, t = report["defaults"], report["landed"], report["tuned"]
    report["ratios"] = {
        "defaults_warm/tuned_warm": round(d["warm_s"] / t["warm_s"], 1),
        "defaults_cold/tuned_cold": round(d["cold_s"] / t["cold_s"], 1),
        "landed_warm/tuned_warm": round(landed["warm_s"] / t["warm_s"], 1),
        "tuned_cold/tuned_warm": round(t["cold_s"] / t["warm_s"], 1),
        "cpu defaults_warm/tuned_warm": round(d["warm_cpu_s"] / t["warm_cpu_s"], 1),
    }
    report["same_hosts"] = d["hosts"] == landed["hosts"] == t["hosts"]
    report["targets"] = {
        "tuned warm <= 2 s": t["warm_s"] <= 2.0,
        "tuned warm >= 3x faster than defaults": d["warm_s"] / t["warm_s"] >= 3.0,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
