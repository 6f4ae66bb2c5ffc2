"""Batching (canary, --batch, --max-failures) and the backup tree, without switches."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sharpeyes.errors import InputError, SharpeyesError
from sharpeyes.inventory import model, source
from sharpeyes.switches import pipeline as p
from sharpeyes.switches import session

NAMES = [f"sw{i:02}" for i in range(10)]


def work_failing(bad: set[str], seen: list[str]) -> Callable[[str], p.Result]:
    lock = threading.Lock()

    def run(name: str) -> p.Result:
        with lock:
            seen.append(name)
        if name in bad:
            raise RuntimeError("session dropped")
        return p.Result(name, p.CHANGED)

    return run


def test_canary_then_batches_all_succeed() -> None:
    seen: list[str] = []
    results = p.run_batched(NAMES, work_failing(set(), seen), batch=4, max_failures=1)
    assert seen[0] == "sw00"
    assert [r.switch for r in results] == NAMES
    assert {r.result for r in results} == {p.CHANGED}


def test_a_failed_canary_stops_the_run() -> None:
    seen: list[str] = []
    results = p.run_batched(NAMES, work_failing({"sw00"}, seen), batch=4, max_failures=5)
    assert seen == ["sw00"]
    assert results[0].result == p.FAILED and "session dropped" in results[0].detail
    assert {r.result for r in results[1:]} == {p.SKIPPED}


def test_max_failures_skips_the_remaining_batches() -> None:
    seen: list[str] = []
    bad = {"sw01", "sw02"}
    results = p.run_batched(NAMES, work_failing(bad, seen), batch=3, max_failures=2)
    by = {r.switch: r.result for r in results}
    assert by["sw01"] == by["sw02"] == p.FAILED and by["sw03"] == p.CHANGED
    assert {by[n] for n in NAMES[4:]} == {p.SKIPPED}  # batch sw04.. never started
    assert set(seen) == set(NAMES[:4])


def test_one_failure_under_the_limit_lets_the_others_go_on() -> None:
    results = p.run_batched(NAMES, work_failing({"sw05"}, []), batch=3, max_failures=2)
    assert [r.switch for r in results if r.result != p.CHANGED] == ["sw05"]


def test_backups_keep_the_latest_and_a_timestamped_history(tmp_path: Path) -> None:
    p.write_backup(tmp_path, "sw1", "one\n", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    p.write_backup(tmp_path, "sw1", "two\n", datetime(2026, 1, 3, 3, 4, 5, tzinfo=UTC))
    assert p.read_backup(tmp_path, "sw1") == "two\n"
    assert p.read_backup(tmp_path, "sw1", at="20260102") == "one\n"
    assert sorted(x.name for x in (tmp_path / "history" / "sw1").iterdir()) == [
        "20260102T030405.000000Z.cfg",
        "20260103T030405.000000Z.cfg",
    ]
    with pytest.raises(SharpeyesError, match="switch sw2: no backup"):
        p.read_backup(tmp_path, "sw2")


class FlakySession:
    """A fake switch whose first session drops after one command: rollback must converge."""

    drops = 1
    applies = True  # the command before the drop takes effect

    def __init__(self, state: dict[str, str]) -> None:
        self.state = state

    def running(self) -> str:
        return self.state["config"]

    def configure(self, commands: list[str]) -> str:
        lines = self.state["config"].splitlines()
        todo = commands if not FlakySession.drops else commands[: int(FlakySession.applies)]
        for cmd in todo:
            if cmd.startswith("undo info-center"):
                lines = [x for x in lines if not x.startswith("info-center")]
        self.state["config"] = "\n".join(lines) + "\n"
        if FlakySession.drops:
            FlakySession.drops -= 1
            raise EOFError("channel closed")
        return ""

    def close(self) -> None:
        pass


def test_restore_retries_a_dropped_session_until_the_backup_is_back() -> None:
    backup = "sysname sw1\n#\nreturn\n"
    state = {"config": "sysname sw1\n#\ninfo-center loghost 192.0.2.9\n#\nreturn\n"}
    target = p.Target("sw1", "127.0.0.1", 22, "u", "pw", "huawei")
    sent = p.restore(
        "sw1", "huawei-vrp5", target, backup, lambda _t: FlakySession(state), attempts=2
    )
    assert sent == ["undo info-center loghost 192.0.2.9"]
    assert "info-center" not in state["config"]


def test_restore_gives_up_naming_the_switch() -> None:
    FlakySession.drops, FlakySession.applies = 5, False
    state = {"config": "sysname sw1\n#\ninfo-center loghost 192.0.2.9\n#\nreturn\n"}
    target = p.Target("sw1", "127.0.0.1", 22, "u", "pw", "huawei")
    with pytest.raises(SharpeyesError, match="switch sw1: rollback incomplete after 2 attempts"):
        p.restore(
            "sw1",
            "huawei-vrp5",
            target,
            "sysname sw1\n",
            lambda _t: FlakySession(state),
            attempts=2,
        )
    FlakySession.drops, FlakySession.applies = 1, True


def test_the_lab_never_aims_at_a_netbox_address(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the lab layer in use, a switch it gives no simulator address for is refused, never
    reached at the management address NetBox holds."""
    data = {
        "all": {"vars": {"sharpeyes_lab": True}, "children": ["switches"]},
        "switches": {"hosts": ["sw-lab", "sw-netbox"]},
        "_meta": {
            "hostvars": {
                "sw-lab": {"ansible_host": "127.0.0.1", "ansible_port": 20000},
                "sw-netbox": {"ansible_host": "10.44.3.21"},
            }
        },
    }
    loaded = source.Loaded(model.Inventory.from_ansible(data), (), None, None)
    monkeypatch.setattr(source, "load", lambda sources: loaded)
    monkeypatch.setenv("SHARPEYES_SWITCH_PASSWORD", "lab")
    assert session.targets(["sw-lab"])["sw-lab"].port == 20000
    with pytest.raises(InputError, match=r"sw-netbox: the lab inventory layer gives no simulator"):
        session.targets(["sw-netbox"])
