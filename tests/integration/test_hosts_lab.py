"""Real Docker: systemd containers boot, and an unreachable DOCKER_HOST is never auto-started."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sharpeyes.errors import DependencyUnavailable, LabError, SharpeyesError
from sharpeyes.lab import dockerd, hosts
from sharpeyes.lab.parts import PartResult

pytestmark = pytest.mark.integration

NAMES = ["sharpeyes-itest-h1", "sharpeyes-itest-h2"]


@pytest.fixture
def two_hosts() -> Iterator[list[PartResult]]:
    try:
        results = hosts.up(NAMES)
    except SharpeyesError as exc:  # a missing lab service fails the tier, never skips
        pytest.fail(f"lab hosts could not come up: {exc.message} ({exc.hint or 'no hint'})")
    try:
        yield results
    finally:
        hosts.down(NAMES)


def test_hosts_boot_systemd(two_hosts: list[PartResult]) -> None:
    assert [(r.part, r.name) for r in two_hosts] == [("hosts", n) for n in NAMES]
    assert all(r.detail.endswith(", systemd running") for r in two_hosts), two_hosts
    client = dockerd.try_client()
    assert client is not None
    for name in NAMES:
        container = client.containers.get(name)
        assert container.labels["sharpeyes.lab"] == "host"
        assert hosts.exec_text(container, ["cat", "/proc/1/comm"]) == (0, "systemd")
        assert hosts.exec_text(container, ["systemctl", "is-system-running"]) == (0, "running")
        assert hosts.exec_text(container, ["systemctl", "--failed", "--no-legend"]) == (0, "")
        assert hosts.exec_text(container, ["hostname"]) == (0, name)
    # idempotent: the second call starts nothing
    assert [(r.name, r.state) for r in hosts.up(NAMES)] == [(n, "already running") for n in NAMES]
    listed = {h["name"]: h for h in hosts.status()["hosts"]}
    assert all(listed[n]["running"] for n in NAMES)


def test_explicit_unreachable_docker_host_is_not_started(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = sorted(dockerd._running_dockerd_pids())
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/sharpeyes/docker.sock")
    with pytest.raises(DependencyUnavailable, match="DOCKER_HOST"):
        hosts.up(NAMES)
    assert sorted(dockerd._running_dockerd_pids()) == before
    assert hosts.status() == {"docker": False, "hosts": []}
    assert hosts.down(NAMES) == ["docker not running: no host containers"]


def test_name_clash_fails_and_rolls_back(two_hosts: list[PartResult]) -> None:
    client = dockerd.try_client()
    assert client is not None
    clash = client.containers.create("sharpeyes/systemd:debian12", name="sharpeyes-itest-clash")
    try:
        with pytest.raises(LabError, match="sharpeyes-itest-clash exists but is not a lab host"):
            hosts.up(["sharpeyes-itest-new", "sharpeyes-itest-clash"])
        names = {c.name for c in client.containers.list(all=True)}
        assert "sharpeyes-itest-new" not in names  # created by the failed call, then removed
        assert set(NAMES) <= names  # what ran before is untouched
    finally:
        clash.remove(force=True)
