"""The lab NetBox against the real thing: API round trip, status, token and fault handling."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from sharpeyes.errors import DependencyUnavailable, LabError
from sharpeyes.lab import _proc, _redis, netbox
from sharpeyes.sot import client

pytestmark = pytest.mark.integration


def test_status_reports_healthy_netbox_47(lab_netbox: netbox.Credentials) -> None:
    report = netbox.status()
    assert report["healthy"] is True
    assert report["running"] is True
    assert report["url"] == lab_netbox.url
    assert str(report["version"]).startswith("4.7.")


def test_site_round_trip_with_the_lab_token(lab_netbox: netbox.Credentials) -> None:
    api = client.connect(lab_netbox.url, lab_netbox.token)
    name = f"it-lab-{uuid.uuid4().hex[:10]}"
    site = api.dcim.sites.create(name=name, slug=name, status="planned")
    try:
        again = api.dcim.sites.get(slug=name)
        assert again is not None and again.id == site.id and again.name == name
        assert [s.id for s in list(api.dcim.sites.filter(slug=name))] == [site.id]
    finally:
        assert site.delete()
    assert api.dcim.sites.get(slug=name) is None


def test_connect_without_arguments_reads_the_environment(
    lab_netbox: netbox.Credentials, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NETBOX_API", lab_netbox.url)
    monkeypatch.setenv("NETBOX_TOKEN", lab_netbox.token)
    api = client.connect()
    assert api.base_url == f"{lab_netbox.url}/api"
    assert api.status()["netbox-version"].startswith("4.7.")


def test_wrong_token_is_rejected_clearly(lab_netbox: netbox.Credentials) -> None:
    wrong = "nbt_" + "A" * 12 + "." + "b" * 40
    with pytest.raises(DependencyUnavailable) as err:
        client.connect(lab_netbox.url, wrong)
    assert err.value.message.startswith(f"NetBox at {lab_netbox.url} rejected the token (403)")


def test_up_again_is_idempotent(lab_netbox: netbox.Credentials) -> None:
    pid = netbox._load_state()["started"]["gunicorn_pid"]  # type: ignore[index]
    assert netbox.up() == [f"NetBox 4.7.3 already running at {lab_netbox.url}"]
    assert netbox._load_state()["started"]["gunicorn_pid"] == pid  # type: ignore[index]


def test_reset_empties_netbox_and_keeps_the_token(lab_netbox: netbox.Credentials) -> None:
    api = client.connect(lab_netbox.url, lab_netbox.token)
    name = f"it-reset-{uuid.uuid4().hex[:10]}"
    api.dcim.sites.create(name=name, slug=name)
    lines = netbox.reset()
    assert lines[0].startswith("NetBox database reset to the empty migrated state")
    api = client.connect(lab_netbox.url, lab_netbox.token)
    assert api.dcim.sites.get(slug=name) is None
    assert netbox.status()["healthy"] is True


@pytest.fixture
def scratch_lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A second, empty lab state directory (the real lab is left alone)."""
    monkeypatch.setenv("SHARPEYES_STATE_DIR", str(tmp_path))
    yield tmp_path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_port_taken_fails_before_starting_anything(
    lab_netbox: netbox.Credentials, scratch_lab: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        monkeypatch.setenv("SHARPEYES_NETBOX_PORT", str(port))
        with pytest.raises(LabError) as err:
            netbox.up()
    assert err.value.message == (
        f"port 127.0.0.1:{port} is already in use by another process; NetBox cannot listen there"
    )
    assert not (scratch_lab / "netbox" / "lab.json").exists()
    assert netbox.status()["running"] is False


def test_postgres_failing_to_start_rolls_back(
    lab_netbox: netbox.Credentials, scratch_lab: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A cluster version that does not exist makes pg_ctlcluster fail with its own message;
    # the redis this call started first on a free port must be stopped again.
    redis_port = _free_port()
    monkeypatch.setenv("SHARPEYES_NETBOX_PORT", str(_free_port()))
    monkeypatch.setenv("SHARPEYES_NETBOX_REDIS_PORT", str(redis_port))
    monkeypatch.setenv("SHARPEYES_PG_VERSION", "99")
    with pytest.raises(LabError) as err:
        netbox.up()
    assert err.value.message.startswith("PostgreSQL 99/main failed to start: ")
    assert "99" in err.value.message.split(": ", 1)[1]
    assert not _redis.answers(redis_port)
    state = netbox._load_state()
    assert state is not None
    assert state["started"] == {"postgres": False, "redis_pid": None, "gunicorn_pid": None}
    assert not _proc.port_in_use(redis_port)
