"""`sharpeyes switch` end to end on four simulated switches (two VRP, two Comware) at factory
state: push, a second push sends nothing, verify, a manual change is drift (exit 2), a
rejected command rolls that switch back while the others succeed (exit 1)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from sharpeyes.lab import commands, inventory_layer, netbox, switches
from sharpeyes.lab import control as lab_control
from sharpeyes.playbook import parse_recap
from sharpeyes.switches.sim import control

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def lab(lab_netbox: netbox.Credentials, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    specs = switches.read_netbox()
    if not specs:  # an emptied NetBox (other tests reset it): load the estate
        commands.reset_loaded(None)
        specs = switches.read_netbox()
    names = [s.name for s in specs if s.platform == "huawei-vrp5"][:2]
    names += [s.name for s in specs if s.platform == "h3c-comware7"][:2]
    lab_control.down("switches")
    for name in names:  # factory state: no saved configuration
        shutil.rmtree(switches.sim_dir() / name, ignore_errors=True)
    # the lab's own path: it also writes the switches' addresses (127.0.0.1 ports) into the
    # inventory layer the pipeline reads; without them it would aim at NetBox's addresses
    lab_control.up("switches")
    for name in names:
        assert (inventory_layer.layer_dir() / "host_vars" / f"{name}.yml").is_file()
    env = {
        **os.environ,
        **switches.env_vars(),
        "NETBOX_API": lab_netbox.url,
        "NETBOX_TOKEN": lab_netbox.token,
    }
    try:
        yield {"names": sorted(names), "env": env, "backups": tmp_path_factory.mktemp("b")}
    finally:
        lab_control.down("switches")


def sharpeyes(lab: dict, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "sharpeyes.cli.main", "switch", *args]
    for name in lab["names"]:
        argv += ["--name", name]
    return subprocess.run(
        argv, check=False, env=lab["env"], capture_output=True, text=True, timeout=180
    )


def rows(out: str) -> dict[str, str]:
    """switch -> result, from the summary table."""
    found = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.split("│") if c.strip()]
        if len(cells) >= 3 and cells[0].startswith("qx-"):
            found[cells[0]] = cells[2]
    return found


def test_push_verify_drift_and_rollback(lab: dict) -> None:
    backups = ["--backup-dir", str(lab["backups"])]
    first = sharpeyes(lab, "push", "--batch", "3", *backups)
    assert first.returncode == 0, first.stderr
    assert set(rows(first.stderr).values()) == {"changed"}

    second = sharpeyes(lab, "push", *backups)
    assert second.returncode == 0, second.stderr
    assert set(rows(second.stderr).values()) == {"unchanged"}

    # the push saved: a reboot keeps the pushed configuration
    names, sim = lab["names"], switches.sim_dir()
    victim, drifter = names[1], names[-1]  # names[0] is the canary
    control.reboot(sim, drifter)
    assert sharpeyes(lab, "verify").returncode == 0

    # a manual change is drift, shown with the commands that would undo it
    wanted = _description(drifter)
    control.execute(sim, drifter, _type(drifter, 1, "description manual"))
    drift = sharpeyes(lab, "verify")
    assert drift.returncode == 2, drift.stderr
    assert rows(drift.stderr) == {n: "drift" if n == drifter else "ok" for n in names}
    assert f"# {drifter}: 3 command(s)" in drift.stdout
    assert f" {wanted}\n" in drift.stdout
    assert "description manual" in drift.stdout  # what the switch has

    # a rejected command: that switch is rolled back to its backup, the others go on
    for name in names:
        control.execute(sim, name, _type(name, 2, "description manual"))
    control.execute(sim, victim, _type(victim, 3, "undo stp edged-port"))
    before = control.configuration(sim, victim)
    control.set_faults(sim, victim, reject=[r"^\s*stp edged"])
    try:
        failed = sharpeyes(lab, "push", "--batch", "3", "--max-failures", "2", *backups)
    finally:
        control.set_faults(sim, victim, clear=True)
    assert failed.returncode == 1, failed.stderr
    results = rows(failed.stderr)
    assert results.pop(victim) == "rolled back"
    assert set(results.values()) == {"changed"}
    assert "rejected" in failed.stderr
    assert control.configuration(sim, victim) == before  # back at its backup
    again = sharpeyes(lab, "verify")
    assert again.returncode == 2
    assert rows(again.stderr) == {n: "drift" if n == victim else "ok" for n in names}


def _type(name: str, port: int, line: str) -> list[str]:
    """What an operator types on port `port` of `name` (VRP 0/0/n, Comware 1/0/n)."""
    text = control.configuration(switches.sim_dir(), name)
    itf = (
        f"GigabitEthernet0/0/{port}"
        if "GigabitEthernet0/0/1" in text
        else f"GigabitEthernet1/0/{port}"
    )
    return ["system-view", f"interface {itf}", line, "return"]


def _description(name: str) -> str:
    """The description line of port 1 (a camera port in the estate)."""
    lines = control.configuration(switches.sim_dir(), name).splitlines()
    start = next(
        i for i, x in enumerate(lines) if x.startswith("interface ") and x.endswith("/0/1")
    )
    return next(x.strip() for x in lines[start + 1 :] if x.strip().startswith("description "))


def test_wrong_credentials_and_unreachable_switch_fail_alone(lab: dict) -> None:
    """One switch refuses the password, another does not answer: both are named, the others are
    backed up, exit 1."""
    names = lab["names"]
    refused, silent = names[1], names[2]
    layer = inventory_layer.layer_dir() / "host_vars"
    saved = {n: (layer / f"{n}.yml").read_text() for n in (refused, silent)}
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    _override(layer / f"{refused}.yml", ansible_password="not-the-password")
    _override(layer / f"{silent}.yml", ansible_port=free)
    try:
        out = sharpeyes(lab, "backup", "--json", "--backup-dir", str(lab["backups"]))
    finally:
        for n, text in saved.items():
            (layer / f"{n}.yml").write_text(text)
    assert out.returncode == 1, out.stderr
    results = {r["switch"]: r for r in json.loads(out.stdout)}
    assert {n: r["result"] for n, r in results.items()} == {
        n: "failed" if n in (refused, silent) else "ok" for n in names
    }
    assert results[refused]["detail"].startswith(f"switch {refused}: cannot log in: ")
    assert "Authentication" in results[refused]["detail"]
    assert results[silent]["detail"].startswith(f"switch {silent}: cannot log in: ")
    assert "Authentication" not in results[silent]["detail"]


def _override(path: Path, **values: object) -> None:
    data = yaml.safe_load(path.read_text())
    data.update(values)
    path.write_text(yaml.safe_dump(data))


def playbook(lab: dict, *args: str, flush: bool = False) -> subprocess.CompletedProcess[str]:
    """playbooks/switches.yml on the lab's switches (NetBox inventory + the lab layer); `flush`
    refreshes the inventory cache (another NetBox instance may have filled it)."""
    root = Path(__file__).resolve().parents[2]
    argv = [
        str(Path(sys.executable).parent / "ansible-playbook"),
        "-i",
        str(root / "inventory" / "netbox.yml"),
        "-i",
        str(inventory_layer.layer_dir()),
        *(["--flush-cache"] if flush else []),
        "--limit",
        ",".join(lab["names"]),
        "-e",
        f"switches_backup_dir={lab['backups']}",
        str(root / "playbooks" / "switches.yml"),
        *args,
    ]
    env = {**lab["env"], "ANSIBLE_CONFIG": str(root / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}
    return subprocess.run(
        argv, check=False, env=env, cwd=root, capture_output=True, text=True, timeout=600
    )


def changed(out: str) -> dict[str, int]:
    """host -> tasks changed, from the PLAY RECAP."""
    return {host: r.changed for host, r in parse_recap(out).items()}


def test_playbook_check_diff_push_and_no_op(lab: dict) -> None:
    """The playbook runs the pipeline's logic: check mode shows exactly the commands for a
    drifted switch and sends nothing; the run converges it; a second run changes nothing."""
    names, sim = lab["names"], switches.sim_dir()
    drifted = names[-1]
    assert sharpeyes(lab, "push").returncode == 0  # start compliant
    wanted = _description(drifted)
    control.execute(sim, drifted, _type(drifted, 1, "description changed by hand"))
    before = control.configuration(sim, drifted)

    check = playbook(lab, "--check", "--diff", flush=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert changed(check.stdout) == {n: int(n == drifted) for n in names}
    shown = check.stdout.split("PLAY RECAP")[0]
    assert f"\n {wanted}\n" in shown  # --diff: the command that restores NetBox's description
    assert control.configuration(sim, drifted) == before  # check mode sent nothing

    run = playbook(lab)
    assert run.returncode == 0, run.stdout + run.stderr
    assert changed(run.stdout) == {n: int(n == drifted) for n in names}
    again = playbook(lab)
    assert again.returncode == 0, again.stdout + again.stderr
    assert changed(again.stdout) == dict.fromkeys(names, 0)
    assert sharpeyes(lab, "verify").returncode == 0


def test_session_dropped_mid_push_ends_at_the_backup(lab: dict) -> None:
    """The victim's sessions drop after 5 commands (login and backup take 3): its push breaks
    off mid-configuration, it is rolled back to the backup it just took and named; the other
    switches change."""
    names, sim = lab["names"], switches.sim_dir()
    victim = names[2]
    for name in names:
        control.execute(sim, name, _type(name, 2, "description manual"))
    for port in (3, 4):
        control.execute(sim, victim, _type(victim, port, "description manual"))
    before = control.configuration(sim, victim)
    control.set_faults(sim, victim, drop_after=5)
    try:
        out = sharpeyes(lab, "push", "--json", "--batch", "3", "--backup-dir", str(lab["backups"]))
    finally:
        control.set_faults(sim, victim, clear=True)
    assert out.returncode == 1, out.stdout + out.stderr
    results = {r["switch"]: r for r in json.loads(out.stdout)}
    assert results[victim]["result"] == "rolled back"
    assert "session lost" in results[victim]["detail"]
    assert {n: r["result"] for n, r in results.items() if n != victim} == {
        n: "changed" for n in names if n != victim
    }
    assert control.configuration(sim, victim) == before
