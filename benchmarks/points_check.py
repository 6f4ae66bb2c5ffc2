"""Benchmark `points check` on generated point lists of 1k, 10k and 100k rows (target: 100k ≤ 30 s).

    .venv/bin/python benchmarks/points_check.py [--sizes 1000,10000,100000]

The check must be linear in rows: the time per row stays flat, so its ratio to the 1k run stays
near 1 (issue 8 measured 1k 7 s, 5k 21 s, 20k 191 s before: quadratic). Rows are the field form
(free point codes, several cameras per point, blank switch/port/GB id/IP) placed within copper
reach of the repo dataset's access switches, plus explicit switch ports and bad cells (formula
injection, coordinates outside the district), so every path runs: the ports run out after a few
hundred rows and the rest are reported as needing fibre. The estate is loaded once, outside the
timing; reading the file (CSV parse and cell checks) and checking are timed separately.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

from sharpeyes.paths import netbox_data_dir
from sharpeyes.points import estate as estate_mod
from sharpeyes.points import reader
from sharpeyes.points.check import check
from sharpeyes.points.model import COLUMNS

TARGET_S = 30.0
KINDS = ("枪机", "球机", "人脸", "卡口")


def rows(n: int, est: estate_mod.Estate) -> list[list[str]]:
    """`n` deterministic rows: 3 cameras per point, next to a switch of the estate."""
    switches = [
        (d, at)
        for site in sorted(est.sites)
        for d in est.access_switches(site)
        if (at := est.coords(d.name)) is not None
    ]
    out: list[list[str]] = []
    for i in range(n):
        point = i // 3
        sw, (lat, lon) = switches[point % len(switches)]
        first = i % 3 == 0
        row = {c.key: "" for c in COLUMNS}
        row |= {"point_code": f"BM-{point:06d}", "site": sw.site or "", "camera_type": KINDS[i % 4]}
        if first:
            row |= {
                "point_name": f"基准点{point}（示例）",
                "lon": f"{lon + 0.0002:.6f}",  # ~20 m east of the switch
                "lat": f"{lat:.6f}",
            }
        if i % 10 == 5:  # an explicit port (most are taken or cabled already)
            row |= {"switch": sw.name, "port": f"GigabitEthernet0/0/{i % 24 + 1}"}
        if i % 10 == 7 and first:
            row["point_name"] = f'=HYPERLINK("http://x/{i}")'
        if i % 50 == 0 and first:
            row["lat"], row["lon"] = row["lon"], row["lat"]  # swapped
        out.append([row[c.key] for c in COLUMNS])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="Row counts, comma-separated.")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    t0 = time.perf_counter()
    est = estate_mod.from_dir(netbox_data_dir())
    print(f"estate loaded in {time.perf_counter() - t0:.1f} s (not counted below)")
    print(f"{'rows':>8}{'read s':>9}{'check s':>9}{'total s':>9}{'µs/row':>9}{'x 1k/row':>10}"
          f"{'errors':>9}")  # fmt: skip
    base: float | None = None
    total_last = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"points-{n}.csv"
            with path.open("w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh)
                w.writerow([c.zh for c in COLUMNS])
                w.writerows(rows(n, est))
            t0 = time.perf_counter()
            sheet = reader.read(path)
            t1 = time.perf_counter()
            result = check(sheet, est)
            t2 = time.perf_counter()
            per_row = (t2 - t0) / n
            base = base if base is not None else per_row
            total_last = t2 - t0
            print(
                f"{n:>8}{t1 - t0:>9.2f}{t2 - t1:>9.2f}{t2 - t0:>9.2f}{per_row * 1e6:>9.0f}"
                f"{per_row / base:>10.2f}{len(result.errors):>9}"
            )
    verdict = "met" if total_last <= TARGET_S else "MISSED"
    print(f"{sizes[-1]} rows: {total_last:.1f} s, target {TARGET_S:g} s: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
