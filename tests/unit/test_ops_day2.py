"""Day-2 policy (batches, stop rules, health gate), target selection and reports; and the real
pyinfra worker on hosts that refuse connections (no lab: 127.0.0.1's discard port)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from click.testing import CliRunner
from typer.main import get_command

from sharpeyes.cli import ops_day2
from sharpeyes.errors import EXIT_OK, EXIT_TARGET_FAILED, InputError
from sharpeyes.ops import day2, targets
from sharpeyes.ops.day2 import Disk, FactsReport, HostFacts, HostResult, RunReport, Target

HOSTS = [Target(f"qxdc-vc{i:02}") for i in range(1, 8)]


def test_batches_split_in_order_and_refuse_zero() -> None:
    assert day2.batches([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]
    assert day2.batches([1, 2], 5) == [[1, 2]]
    with pytest.raises(InputError, match="--batch must be at least 1, got 0"):
        day2.batches([1], 0)


def test_run_batches_stops_after_the_first_failed_batch_and_never_passes_later_hosts() -> None:
    seen: list[list[str]] = []

    def apply_batch(number: int, group: list[Target]) -> list[HostResult]:
        seen.append([t.name for t in group])
        return [
            HostResult(t.name, "unreachable", "Could not connect")
            if t.name == "qxdc-vc04"
            else HostResult(t.name, "changed")
            for t in group
        ]

    results = day2.run_batches(HOSTS, 3, apply_batch)
    assert seen == [
        ["qxdc-vc01", "qxdc-vc02", "qxdc-vc03"],
        ["qxdc-vc04", "qxdc-vc05", "qxdc-vc06"],
    ]
    by_name = {r.name: r for r in results}
    assert [r.name for r in results] == [t.name for t in HOSTS]
    assert by_name["qxdc-vc04"].status == "unreachable"
    assert by_name["qxdc-vc05"].status == "changed"  # its batch ran on
    assert by_name["qxdc-vc07"].status == "not-reached"
    assert by_name["qxdc-vc07"].batch == 3
    assert by_name["qxdc-vc07"].detail == "stopped after batch 2 (qxdc-vc04)"
    report = RunReport("update", True, results, batch_size=3)
    assert report.exit_code == EXIT_TARGET_FAILED
    assert json.loads(report.to_json())["failed_hosts"] == ["qxdc-vc04"]


def test_run_batches_all_good_runs_every_batch() -> None:
    results = day2.run_batches(HOSTS, 2, lambda n, g: [HostResult(t.name, "ok") for t in g])
    assert [r.batch for r in results] == [1, 1, 2, 2, 3, 3, 4]
    assert RunReport("update", True, results).exit_code == EXIT_OK


def test_run_batches_counts_a_host_the_worker_left_out_as_failed() -> None:
    results = day2.run_batches(HOSTS[:4], 2, lambda n, g: [HostResult(g[0].name, "ok")])
    assert [(r.name, r.status) for r in results] == [
        ("qxdc-vc01", "ok"),
        ("qxdc-vc02", "failed"),
        ("qxdc-vc03", "not-reached"),
        ("qxdc-vc04", "not-reached"),
    ]


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_gate_waits_until_the_probe_passes() -> None:
    answers = iter([(False, "nginx is activating"), (False, "nginx is activating"), (True, "ok")])
    clock = FakeClock()
    assert day2.wait_for_gate(lambda: next(answers), 10, 1, clock=clock, sleep=clock.sleep) == (
        True,
        "ok",
    )
    assert clock.now == 2


def test_gate_gives_up_after_the_timeout_with_the_last_reason() -> None:
    clock = FakeClock()
    probes: list[float] = []

    def probe() -> tuple[bool, str]:
        probes.append(clock.now)
        return False, "check `curl -fs localhost` failed: exit 7"

    healthy, why = day2.wait_for_gate(probe, 3, 1, clock=clock, sleep=clock.sleep)
    assert not healthy
    assert why == "check `curl -fs localhost` failed: exit 7 (gave up after 3 s)"
    assert probes == [0, 1, 2, 3]


def test_rolling_restart_stops_at_the_first_failed_gate() -> None:
    done: list[str] = []

    def restart_one(target: Target) -> HostResult:
        done.append(target.name)
        if target.name == "qxdc-vc02":
            return HostResult(target.name, "failed", "health gate: nginx is failed")
        return HostResult(target.name, "changed", "restarted")

    results = day2.run_rolling(HOSTS[:4], restart_one)
    assert done == ["qxdc-vc01", "qxdc-vc02"]
    assert [(r.name, r.status) for r in results] == [
        ("qxdc-vc01", "changed"),
        ("qxdc-vc02", "failed"),
        ("qxdc-vc03", "not-reached"),
        ("qxdc-vc04", "not-reached"),
    ]
    text = day2.format_run(RunReport("restart", True, results, service="nginx"))
    assert "failed: qxdc-vc02 (health gate: nginx is failed)" in text
    assert "restart nginx: applied; 1 changed, 1 failed, 2 not-reached" in text


@pytest.mark.parametrize(
    ("service", "message"),
    [("", "bad service name ''"), ("nginx; reboot", "bad service name 'nginx; reboot'")],
)
def test_restart_refuses_a_bad_service_name_before_any_host(service: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        day2.restart([Target("h")], service, apply=True)


def test_no_targets_is_refused() -> None:
    with pytest.raises(InputError, match="no hosts selected"):
        day2.call_worker("facts", [], {})


LAB_VARS = {
    "ansible_host": "127.0.0.1",
    "ansible_port": 2201,
    "ansible_user": "ops",
    "ansible_ssh_private_key_file": "/lab/ssh/ops_ed25519",
    "ansible_ssh_common_args": (
        "-o UserKnownHostsFile=/lab/ssh/known_hosts -o StrictHostKeyChecking=yes"
        " -o IdentitiesOnly=yes"
    ),
    "site": "qx-dc01",
    "role": "video-server",
}


def test_pyinfra_data_from_ansible_connection_vars() -> None:
    assert targets.pyinfra_data(LAB_VARS) == {
        "ssh_hostname": "127.0.0.1",
        "ssh_port": 2201,
        "ssh_user": "ops",
        "ssh_key": "/lab/ssh/ops_ed25519",
        "ssh_allow_agent": False,
        "ssh_look_for_keys": False,
        "ssh_known_hosts_file": "/lab/ssh/known_hosts",
        "ssh_strict_host_key_checking": "yes",
    }
    assert targets.pyinfra_data({"ansible_host": "10.20.0.11/24"}) == {"ssh_hostname": "10.20.0.11"}


HOSTVARS = {
    "qxdc-vc02": {**LAB_VARS, "ansible_port": 2202},
    "qxdc-vc01": LAB_VARS,
    "qxdc-vc10": {**LAB_VARS, "site": "qx-dc02"},
    "qx-sw-001": {"site": "qx-dc01", "role": "access-switch", "ansible_network_os": "vrp"},
}


def test_select_keeps_servers_only_and_applies_every_filter() -> None:
    names = lambda **kw: [t.name for t in targets.select(HOSTVARS, **kw)]  # noqa: E731
    assert names() == ["qxdc-vc01", "qxdc-vc02", "qxdc-vc10"]
    assert names(sites=["qx-dc01"]) == ["qxdc-vc01", "qxdc-vc02"]
    assert names(names=["qxdc-vc0*"]) == ["qxdc-vc01", "qxdc-vc02"]
    assert names(roles=["video-server"], names=["*10"]) == ["qxdc-vc10"]
    assert targets.select(HOSTVARS, names=["qxdc-vc02"])[0].data["ssh_port"] == 2202


def test_select_names_an_unknown_filter_value_and_refuses_zero_hosts() -> None:
    with pytest.raises(InputError, match="--site qx-nowhere: no server in the inventory"):
        targets.select(HOSTVARS, sites=["qx-nowhere"])
    with pytest.raises(InputError, match="--role access-switch: no server"):
        targets.select(HOSTVARS, roles=["access-switch"])
    with pytest.raises(InputError, match="no server matches the filters"):
        targets.select(HOSTVARS, sites=["qx-dc02"], names=["qxdc-vc01"])


def test_facts_table_and_json() -> None:
    report = FactsReport(
        [
            HostFacts(
                "qxdc-vc01",
                "Debian GNU/Linux 12 (bookworm)",
                "6.1.0-40-amd64",
                90061,
                [Disk("/", "ext4", 1000, 250), Disk("/data", "xfs", 4000, 3000)],
                ["chrony.service"],
            ),
            HostFacts("qxdc-vc02", error="unreachable: Could not connect"),
        ],
        seconds=1.25,
    )
    text = day2.format_facts(report)
    assert "qxdc-vc01  Debian GNU/Linux 12 (bookworm)  6.1.0-40-amd64  1d 1h 1m" in text
    assert "/:25% /data:75%  chrony.service" in text
    assert "ERROR unreachable: Could not connect" in text
    assert text.endswith("2 host(s), 1 failed (1.2 s)")
    data = json.loads(report.to_json())
    assert data["hosts"][0]["disks"][1] == {
        "mount": "/data",
        "fstype": "xfs",
        "size_kb": 4000,
        "used_kb": 3000,
        "use_pct": 75,
    }
    assert report.exit_code == EXIT_TARGET_FAILED
    assert day2.facts_from_json(data["hosts"][0]) == report.hosts[0]


# --- the real worker (pyinfra over SSH) on refused connections: no lab needed ---------------

REFUSED = {"ssh_hostname": "127.0.0.1", "ssh_port": 9, "ssh_connect_retries": 0}


def _ops_app() -> typer.Typer:
    app = typer.Typer()
    ops_day2.register(app)
    return app


def test_update_with_an_unreachable_host_stops_its_batch_and_leaves_later_hosts(
    tmp_path: Path,
) -> None:
    """`ops update --apply --batch 2` through the CLI, the Ansible inventory and the pyinfra
    worker: batch 1 holds a host that refuses SSH, so nothing runs on batch 1, batch 2 is never
    contacted, the report names the host and the exit code is 1."""
    inventory = tmp_path / "hosts.yml"
    host = "ansible_host: 127.0.0.1, ansible_port: 9, site: qx-dc01, role: video-server"
    inventory.write_text(
        "all:\n  hosts:\n" + "".join(f"    qxdc-vc0{i}: {{{host}}}\n" for i in range(1, 5)),
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        get_command(_ops_app()),
        ["update", "--apply", "--batch", "2", "--json", "-i", str(inventory)],
    )
    assert result.exit_code == EXIT_TARGET_FAILED, result.output
    report = json.loads(result.stdout)
    statuses = {h["name"]: (h["batch"], h["status"]) for h in report["hosts"]}
    assert statuses == {
        "qxdc-vc01": (1, "unreachable"),
        "qxdc-vc02": (1, "unreachable"),
        "qxdc-vc03": (2, "not-reached"),
        "qxdc-vc04": (2, "not-reached"),
    }
    assert report["failed_hosts"] == ["qxdc-vc01", "qxdc-vc02"]
    assert "Unable to connect to port 9 on 127.0.0.1" in report["hosts"][0]["detail"]


def test_facts_report_names_an_unreachable_host() -> None:
    report = day2.facts([Target("qxdc-vc09", REFUSED)])
    assert report.exit_code == EXIT_TARGET_FAILED
    assert report.hosts[0].name == "qxdc-vc09"
    assert report.hosts[0].error.startswith("unreachable: Could not connect")


def test_no_failed_unit_is_an_empty_list_not_a_missing_systemd() -> None:
    """systemctl listing nothing prints nothing; pyinfra then asks the fact for its default.
    In a subprocess: the worker module gevent-patches whatever imports it."""
    code = (
        "from sharpeyes.ops.worker import NO_SYSTEMD, FailedUnits as F\n"
        "assert F().default() == []\n"
        "assert F().process(['cron.service loaded failed failed cron']) == ['cron.service']\n"
        "assert F().process([NO_SYSTEMD]) is None\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
