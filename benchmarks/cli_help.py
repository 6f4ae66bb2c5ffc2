"""Benchmark `sharpeyes --help` (target: ≤ 0.3 s) against `python -c pass` in the same run.

    .venv/bin/python benchmarks/cli_help.py [--runs 15]

Runs are interleaved (baseline, then each command, repeated) so a busy machine slows all of
them alike; the median wall time of each is printed with its ratio to the baseline. Also
timed: `import typer` (the floor any Typer CLI pays) and `sharpeyes sot --help` (a sub-app:
Typer coerces its parameters with pydantic). What loads: `python -X importtime -c 'import
sharpeyes.cli.main'`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
TARGET_S = 0.3
COMMANDS: dict[str, list[str]] = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "python -c 'import typer'": [sys.executable, "-c", "import typer"],
    "sharpeyes --help": [str(BIN / "sharpeyes"), "--help"],
    "sharpeyes sot --help": [str(BIN / "sharpeyes"), "sot", "--help"],
}


def wall(argv: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="Runs of each command (median).")
    args = parser.parse_args()
    for argv in COMMANDS.values():  # warm the page cache and the bytecode caches
        wall(argv)
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.runs):
        for name, argv in COMMANDS.items():
            times[name].append(wall(argv))
    median = {name: statistics.median(ts) for name, ts in times.items()}
    base = median["python -c pass"]
    print(f"{'command':<28}{'median s':>10}{'min s':>8}{'x baseline':>12}")
    for name, ts in times.items():
        print(f"{name:<28}{median[name]:>10.3f}{min(ts):>8.3f}{median[name] / base:>12.1f}")
    help_s = median["sharpeyes --help"]
    verdict = "met" if help_s <= TARGET_S else "MISSED"
    print(f"sharpeyes --help: {help_s:.3f} s, target {TARGET_S} s: {verdict} ({args.runs} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
