"""Pure parts of the lab NetBox: configuration rendering, token format, state, port checks."""

from __future__ import annotations

import json
import os
import socket
import string
from pathlib import Path

import pytest

from sharpeyes import paths
from sharpeyes.errors import DependencyUnavailable, LabError
from sharpeyes.lab import _nbinstall, _postgres, _proc, _redis, netbox, snapshot
from sharpeyes.sot.fingerprint import dataset_hash

VALUES = _nbinstall.ConfigValues(
    secret_key="k" * 30 + "'\"$x}{" + "K" * 30,
    pepper="p" * 64,
    db_name="sharpeyes_netbox",
    db_user="sharpeyes_netbox",
    db_password="pw'with\"quotes",
    db_host="127.0.0.1",
    db_port=5432,
    redis_host="127.0.0.1",
    redis_port=6379,
)


def _exec_config(text: str) -> dict[str, object]:
    namespace: dict[str, object] = {}
    exec(compile(text, "configuration.py", "exec"), namespace)
    return namespace


def test_configuration_has_the_required_keys_and_values() -> None:
    conf = _exec_config(_nbinstall.render_configuration(VALUES))
    assert conf["SECRET_KEY"] == VALUES.secret_key
    assert conf["API_TOKEN_PEPPERS"] == {1: VALUES.pepper}
    assert conf["CENSUS_REPORTING_ENABLED"] is False
    assert conf["ISOLATED_DEPLOYMENT"] is True
    assert conf["RELEASE_CHECK_URL"] is None
    assert "127.0.0.1" in conf["ALLOWED_HOSTS"]  # type: ignore[operator]
    db = conf["DATABASES"]["default"]  # type: ignore[index]
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["PORT"]) == (
        "sharpeyes_netbox",
        "sharpeyes_netbox",
        VALUES.db_password,
        5432,
    )
    redis = conf["REDIS"]
    assert redis["tasks"]["DATABASE"] != redis["caching"]["DATABASE"]  # type: ignore[index]
    assert {redis[k]["PORT"] for k in ("tasks", "caching")} == {6379}  # type: ignore[index]


def test_configuration_database_name_can_be_aimed_at_the_seed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(netbox.DB_OVERRIDE_VAR, "sharpeyes_netbox_seed")
    conf = _exec_config(_nbinstall.render_configuration(VALUES))
    assert conf["DATABASES"]["default"]["NAME"] == "sharpeyes_netbox_seed"  # type: ignore[index]


def test_configuration_refuses_short_secrets() -> None:
    with pytest.raises(LabError, match="SECRET_KEY"):
        _nbinstall.render_configuration(
            _nbinstall.ConfigValues(**{**vars(VALUES), "secret_key": "short"})
        )
    with pytest.raises(LabError, match="pepper"):
        _nbinstall.render_configuration(_nbinstall.ConfigValues(**{**vars(VALUES), "pepper": "p"}))


def test_generated_secrets_are_long_random_and_quote_free() -> None:
    a, b = _nbinstall.random_secret(60), _nbinstall.random_secret(60)
    assert len(a) == 60 and a != b
    assert not set(a) & set("'\"\\$`")


def test_token_format_is_v2_bearer_value() -> None:
    key, secret = "A" * 12, "b" * 40
    assert netbox.format_token(key, secret) == f"nbt_{key}.{secret}"
    for bad_key, bad_secret in (("short", secret), (key, "x" * 10), ("A" * 11 + ".", secret)):
        with pytest.raises(ValueError, match="v2 token"):
            netbox.format_token(bad_key, bad_secret)


def test_new_state_token_is_well_formed() -> None:
    state = netbox._new_state()
    token = netbox._token(state)
    key, secret = token.removeprefix("nbt_").split(".")
    alnum = set(string.ascii_letters + string.digits)
    assert len(key) == 12 and len(secret) == 40 and set(key + secret) <= alnum
    assert len(state["secret_key"]) >= 50 and len(state["pepper"]) >= 50
    assert state["started"] == {"postgres": False, "redis_pid": None, "gunicorn_pid": None}


def test_each_state_directory_gets_its_own_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SHARPEYES_STATE_DIR", raising=False)
    assert netbox.database_name() == "sharpeyes_netbox"
    monkeypatch.setenv("SHARPEYES_STATE_DIR", str(tmp_path))
    scratch = netbox.database_name()
    assert scratch.startswith("sharpeyes_netbox_") and len(scratch) == len("sharpeyes_netbox_") + 8
    assert netbox._new_state()["db"]["name"] == scratch


def test_port_in_use_sees_a_bound_socket() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert _proc.port_in_use(port)
    assert not _proc.port_in_use(port)


def test_bad_port_variable_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHARPEYES_NETBOX_PORT", "eighty")
    with pytest.raises(LabError, match="SHARPEYES_NETBOX_PORT"):
        netbox.configured_port()


def test_without_state_credentials_raise_and_status_is_quiet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHARPEYES_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("SHARPEYES_NETBOX_PORT", "8899")
    with pytest.raises(DependencyUnavailable) as err:
        netbox.credentials()
    assert err.value.hint == "run: sharpeyes lab up netbox"
    assert netbox.status() == {
        "url": "http://127.0.0.1:8899",
        "version": None,
        "healthy": False,
        "running": False,
    }
    assert netbox.down() == ["netbox: nothing to stop (the lab NetBox was never brought up)"]


# --- loaded snapshots: keys, files, pruning -----------------------------------------------


def _dataset(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


BASE_FILES = {
    "custom/dcim.platforms.yml": b"---\nendpoint: dcim.platforms\n",
    "estate/dcim.sites.yml": b"---\nendpoint: dcim.sites\n",
    "estate/parts/dcim.devices.a.yml": b"---\nendpoint: dcim.devices\n",
}


def test_dataset_hash_is_deterministic_and_content_keyed(tmp_path: Path) -> None:
    a = dataset_hash(_dataset(tmp_path / "a", BASE_FILES))
    assert a == dataset_hash(_dataset(tmp_path / "b", dict(reversed(BASE_FILES.items()))))
    assert len(a) == 64 and set(a) <= set("0123456789abcdef")
    changed = {**BASE_FILES, "estate/dcim.sites.yml": b"---\nendpoint: dcim.sites \n"}
    assert dataset_hash(_dataset(tmp_path / "c", changed)) != a
    renamed = dict(BASE_FILES)
    renamed["estate/dcim.sites.2.yml"] = renamed.pop("estate/dcim.sites.yml")
    assert dataset_hash(_dataset(tmp_path / "d", renamed)) != a
    # Moving bytes between a path and its content must not collide.
    assert dataset_hash(_dataset(tmp_path / "e", {"estate/ab": b"c"})) != dataset_hash(
        _dataset(tmp_path / "f", {"estate/a": b"bc"})
    )


def test_dataset_hash_ignores_what_sot_apply_does_not_write(tmp_path: Path) -> None:
    root = _dataset(tmp_path, BASE_FILES)
    before = dataset_hash(root)
    _dataset(root, {"points/batch.csv": b"x", "README.md": b"y", "spec/qingxin.yml": b"z"})
    assert dataset_hash(root) == before


def test_repo_dataset_key_names_the_netbox_version() -> None:
    key = snapshot.current_key()
    version, data = snapshot.check_key(key)
    assert version == _nbinstall.NETBOX_VERSION
    assert data == dataset_hash(paths.netbox_data_dir())[:16]


def test_snapshot_keys_are_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHARPEYES_CACHE_DIR", str(tmp_path))
    key = snapshot.make_key("4.7.3", "ab" * 32)
    assert key == "4.7.3-" + "ab" * 8
    assert (
        snapshot.snapshot_path(key) == tmp_path / "netbox" / f"netbox-4.7.3-loaded-{'ab' * 8}.dump"
    )
    for bad in ("4.7.3", "4.7.3-XYZ", "4.7-" + "a" * 16, "../x-" + "a" * 16, "4.7.3-" + "a" * 17):
        with pytest.raises(LabError, match="bad snapshot key"):
            snapshot.snapshot_path(bad)


def test_prune_keeps_the_newest_snapshots_of_each_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHARPEYES_CACHE_DIR", str(tmp_path))
    made: dict[str, Path] = {}
    for i, version in enumerate(["4.7.3"] * 5 + ["4.8.0"] * 2):
        key = snapshot.make_key(version, f"{i:016x}")
        path = snapshot.snapshot_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"dump")
        os.utime(path, (1000 + i, 1000 + i))
        made[key] = path
    other = tmp_path / "netbox" / "netbox-4.7.3-migrated.dump"
    other.write_bytes(b"migrated")
    removed = snapshot.prune(keep=2)
    assert sorted(removed) == sorted(
        made[snapshot.make_key("4.7.3", f"{i:016x}")] for i in range(3)
    )
    assert [key for key, _ in snapshot.snapshots()] == [
        snapshot.make_key(v, f"{i:016x}")
        for v, i in (("4.8.0", 6), ("4.8.0", 5), ("4.7.3", 4), ("4.7.3", 3))
    ]
    assert other.is_file()
    snapshot.mark_used(made[snapshot.make_key("4.7.3", f"{3:016x}")])
    assert snapshot.snapshots()[0][0] == snapshot.make_key("4.7.3", f"{3:016x}")


def test_repo_baselines_are_found_after_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHARPEYES_CACHE_DIR", str(tmp_path / "cache"))
    repo = tmp_path / "repo"
    monkeypatch.setattr(snapshot, "committed_dir", lambda: repo)
    wanted, base, cached = (snapshot.make_key("4.7.3", f"{i:016x}") for i in range(3))
    other_version = snapshot.make_key("4.8.0", f"{9:016x}")
    assert snapshot.locate(wanted) is None and snapshot.nearest(wanted) is None
    for key in (base, other_version):
        (repo / snapshot.snapshot_path(key).name).parent.mkdir(parents=True, exist_ok=True)
        (repo / snapshot.snapshot_path(key).name).write_bytes(b"dump")
    assert snapshot.nearest(wanted) == base  # the repo's baseline of the same NetBox version
    assert snapshot.locate(base) == repo / snapshot.snapshot_path(base).name
    snapshot.snapshot_path(cached).parent.mkdir(parents=True)
    snapshot.snapshot_path(cached).write_bytes(b"dump")
    assert snapshot.nearest(wanted) == cached  # the cache first: it is newer than any baseline
    assert snapshot.nearest(cached) == base  # never the key itself
    snapshot.snapshot_path(base).write_bytes(b"dump")
    assert snapshot.locate(base) == snapshot.snapshot_path(base)


def test_the_repo_ships_one_baseline_and_the_migrated_dump_of_the_pinned_netbox() -> None:
    """A fresh machine restores these instead of migrating and applying (decision 0002)."""
    baselines = [k for k, _ in snapshot.committed()]
    assert [snapshot.check_key(k)[0] for k in baselines] == [_nbinstall.NETBOX_VERSION]
    assert snapshot.committed_migrated().is_file()


# --- several instances side by side -------------------------------------------------------


def test_redis_databases_differ_per_instance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(netbox.REDIS_DB_VAR, raising=False)
    monkeypatch.delenv("SHARPEYES_STATE_DIR", raising=False)
    assert netbox.redis_databases() == (0, 1)
    seen = set()
    for name in ("test", "a", "b", "c"):
        monkeypatch.setenv("SHARPEYES_STATE_DIR", str(tmp_path / name))
        tasks, caching = netbox.redis_databases()
        assert tasks % 2 == 0 and 2 <= tasks <= 14 and caching == tasks + 1
        seen.add(tasks)
    assert len(seen) > 1  # derived from the directory, not a constant
    monkeypatch.setenv(netbox.REDIS_DB_VAR, "6")
    assert netbox.redis_databases() == (6, 7)
    for bad in ("15", "x", "-1"):
        monkeypatch.setenv(netbox.REDIS_DB_VAR, bad)
        with pytest.raises(LabError, match=netbox.REDIS_DB_VAR):
            netbox.redis_databases()


def test_configuration_uses_the_instance_redis_databases() -> None:
    values = _nbinstall.ConfigValues(**{**vars(VALUES), "redis_tasks_db": 4, "redis_caching_db": 5})
    redis = _exec_config(_nbinstall.render_configuration(values))["REDIS"]
    assert (redis["tasks"]["DATABASE"], redis["caching"]["DATABASE"]) == (4, 5)  # type: ignore[index]


def test_lab_gunicorn_command_line_names_its_lab_dir() -> None:
    argv = [
        "/s/netbox/venv/bin/python", "-m", "gunicorn", "--bind", "127.0.0.1:8801",
        "--chdir", "/s/netbox/root/conf", "lab_wsgi:application",
    ]  # fmt: skip
    assert netbox._gunicorn_lab_dir(argv) == Path("/s/netbox")
    assert netbox._gunicorn_lab_dir([*argv[:-1], "other:app"]) is None
    assert netbox._gunicorn_lab_dir(["gunicorn", "lab_wsgi:application", "--chdir"]) is None
    assert netbox._gunicorn_lab_dir(["gunicorn", "--chdir", "/tmp", "lab_wsgi:application"]) is None


def test_down_hands_shared_services_to_a_running_instance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The instance that started PostgreSQL and redis stops neither while another uses them."""
    other = tmp_path / "other" / "netbox"
    other.mkdir(parents=True)
    (other / "lab.json").write_text(
        json.dumps({"started": {"postgres": False, "redis_pid": None, "gunicorn_pid": 42}})
    )
    monkeypatch.setenv("SHARPEYES_STATE_DIR", str(tmp_path / "ours"))
    netbox.lab_dir().mkdir(parents=True)
    state = {"started": {"postgres": True, "redis_pid": 4242, "gunicorn_pid": None}}
    netbox.state_path().write_text(json.dumps(state))
    stopped: list[str] = []

    def stop_redis(pid: int) -> bool:
        stopped.append(f"redis {pid}")
        return True

    monkeypatch.setattr(netbox, "other_instances", lambda: [other])
    monkeypatch.setattr(_redis, "stop", stop_redis)
    monkeypatch.setattr(_postgres, "stop_cluster", lambda: stopped.append("postgres"))
    lines = netbox.down()
    assert stopped == []
    assert any("left PostgreSQL" in line and str(other) in line for line in lines)
    assert json.loads((other / "lab.json").read_text())["started"] == {
        "postgres": True,
        "redis_pid": 4242,
        "gunicorn_pid": 42,
    }
    assert netbox._load_state()["started"] == {  # type: ignore[index]
        "postgres": False,
        "redis_pid": None,
        "gunicorn_pid": None,
    }
    # Alone, it stops what it started.
    netbox.state_path().write_text(json.dumps(state))
    monkeypatch.setattr(netbox, "other_instances", list)
    netbox.down()
    assert stopped == ["redis 4242", "postgres"]
