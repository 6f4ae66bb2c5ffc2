"""Pure parts of the lab NetBox: configuration rendering, token format, state, port checks."""

from __future__ import annotations

import socket
import string
from pathlib import Path

import pytest

from sharpeyes.errors import DependencyUnavailable, LabError
from sharpeyes.lab import _nbinstall, _proc, netbox
from sharpeyes.sot import client

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


def test_client_resolve_prefers_arguments_then_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NETBOX_API", "http://127.0.0.1:1/")
    monkeypatch.setenv("NETBOX_TOKEN", "nbt_env.tok")
    assert client.resolve() == ("http://127.0.0.1:1", "nbt_env.tok")
    assert client.resolve("http://127.0.0.1:2", "t") == ("http://127.0.0.1:2", "t")


def test_client_unreachable_netbox_names_url_and_cause() -> None:
    with socket.socket() as sock:  # a port that refuses: bound, never listening
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        with pytest.raises(DependencyUnavailable, match=rf"NetBox at {url} is unreachable: "):
            client.connect(url, "nbt_x.y", timeout=2)


def test_timeout_adapter_sets_a_default_timeout() -> None:
    http = client.session(timeout=7)
    adapter = http.get_adapter("http://127.0.0.1/")
    assert isinstance(adapter, client.TimeoutAdapter) and adapter.timeout == 7
