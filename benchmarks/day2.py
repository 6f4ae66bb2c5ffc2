"""Benchmark one day-2 task on the lab servers: pyinfra (`sharpeyes ops`) vs Ansible.

The task: the facts report (OS, kernel, uptime, disks, failed units), then a package update that
has nothing to do. Both reach the same servers over the same SSH (the lab's inventory layer: ops
user, key, known_hosts, sudo):
    eval "$(.venv/bin/sharpeyes lab env)"
    .venv/bin/python benchmarks/day2.py [--repeat 3] [-i inventory/netbox.yml -i inventory/lab]
1. the servers and their connection data are read once (`ansible-inventory --list`) and written
   to a static YAML inventory, so the timed runs measure the work, not NetBox;
2. warm-up: one run of each (the first `apt-get update` fetches lists; later runs are no-ops);
3. best of --repeat, each side: pyinfra = what `sharpeyes ops facts` then `sharpeyes ops update
   --apply --batch N` run (N = all hosts, as Ansible's default of no serial); Ansible =
   `ansible-playbook playbooks/day2-facts.yml` (forks = hosts, pipelining, ControlPersist);
4. prints seconds and the ratio Ansible / pyinfra. Target: pyinfra >= 3x faster.
Both runs must report no change (the update is a no-op) or the benchmark fails.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from sharpeyes.ops import day2, targets
from sharpeyes.paths import repo_root

BIN = Path(sys.executable).parent


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    t0 = time.monotonic()
    proc = subprocess.run(
        argv, capture_output=True, text=True, env=env, check=False, cwd=repo_root()
    )
    return time.monotonic() - t0, proc


def _static_inventory(sources: list[Path], path: Path) -> list[str]:
    hostvars = targets.load_hostvars(sources)
    servers = [t.name for t in targets.select(hostvars, roles=["video-server"])]
    hosts = {name: hostvars[name] for name in servers}
    inventory = {"all": {"children": {"role_video_server": {"hosts": hosts}}}}
    path.write_text(yaml.safe_dump(inventory, sort_keys=True), encoding="utf-8")
    return servers


def _pyinfra(inventory: Path, hosts: int) -> float:
    """`sharpeyes ops facts` then `ops update --apply --batch <all>`, as the CLI runs them (the
    inventory read, then one pyinfra worker process per command)."""
    t0 = time.monotonic()
    servers = targets.select(targets.load_hostvars([inventory]))
    report = day2.facts(servers)
    if report.exit_code:
        raise SystemExit(f"pyinfra facts failed:\n{day2.format_facts(report)}")
    servers = targets.select(targets.load_hostvars([inventory]))
    update = day2.update(servers, batch=hosts, apply=True)
    if update.exit_code:
        raise SystemExit(f"pyinfra update failed:\n{day2.format_run(update)}")
    changed = [h.name for h in update.hosts if h.status == "changed"]
    if changed:
        print(f"  (pyinfra update changed {len(changed)} host(s): not yet a no-op)")
    return time.monotonic() - t0


def _ansible(inventory: Path, hosts: int, env: dict[str, str]) -> tuple[float, bool]:
    argv = [str(BIN / "ansible-playbook"), "-i", str(inventory), "playbooks/day2-facts.yml"]
    seconds, proc = _run(argv, {**env, "ANSIBLE_FORKS": str(hosts)})
    if proc.returncode != 0:
        raise SystemExit(f"ansible-playbook failed ({proc.returncode}):\n{proc.stdout[-3000:]}")
    recap = [line for line in proc.stdout.splitlines() if "changed=" in line]
    return seconds, all("changed=0" in line for line in recap)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("-i", "--inventory", type=Path, action="append")
    args = parser.parse_args()
    env = dict(os.environ)
    env["ANSIBLE_CONFIG"] = str(repo_root() / "ansible.cfg")
    with tempfile.TemporaryDirectory() as tmp:
        inventory = Path(tmp) / "servers.yml"
        servers = _static_inventory(args.inventory or targets.default_sources(), inventory)
        print(f"{len(servers)} servers: {', '.join(servers)}")
        warm_p = _pyinfra(inventory, len(servers))
        warm_a, _ = _ansible(inventory, len(servers), env)
        print(f"warm-up: pyinfra {warm_p:.1f} s, ansible {warm_a:.1f} s")
        best_p, best_a, noop = float("inf"), float("inf"), True
        for _ in range(args.repeat):
            best_p = min(best_p, _pyinfra(inventory, len(servers)))
            seconds, unchanged = _ansible(inventory, len(servers), env)
            best_a, noop = min(best_a, seconds), noop and unchanged
    ratio = best_a / best_p
    result = {
        "hosts": len(servers),
        "pyinfra_s": round(best_p, 2),
        "ansible_s": round(best_a, 2),
        "ratio": round(ratio, 2),
        "ansible_noop": noop,
        "target": ">= 3x",
        "met": ratio >= 3,
    }
    print(json.dumps(result, indent=2))
    if not noop:
        raise SystemExit("the Ansible run changed something: not a no-op benchmark")


if __name__ == "__main__":
    main()
