"""The NetBox client knows only a URL and a token: arguments, else NETBOX_API / NETBOX_TOKEN."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from sharpeyes.errors import DependencyUnavailable, InputError
from sharpeyes.sot import client

SHARPEYES = str(Path(sys.executable).parent / "sharpeyes")


def test_resolve_prefers_arguments_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETBOX_API", "http://127.0.0.1:1/")
    monkeypatch.setenv("NETBOX_TOKEN", "nbt_env.tok")
    assert client.resolve() == ("http://127.0.0.1:1", "nbt_env.tok")
    assert client.resolve("http://127.0.0.1:2", "t") == ("http://127.0.0.1:2", "t")
    assert client.resolve(token="t") == ("http://127.0.0.1:1", "t")


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "NETBOX_API and NETBOX_TOKEN not set"),
        ({"NETBOX_API": "http://127.0.0.1:1"}, "NETBOX_TOKEN not set"),
        ({"NETBOX_TOKEN": "nbt_a.b", "NETBOX_API": ""}, "NETBOX_API not set"),
    ],
)
def test_missing_credentials_name_the_variable_and_never_read_the_lab(
    env: dict[str, str], missing: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("NETBOX_API", raising=False)
    monkeypatch.delenv("NETBOX_TOKEN", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    # A lab state with credentials exists: the client must still not use it.
    (tmp_path / "netbox").mkdir()
    (tmp_path / "netbox" / "lab.json").write_text('{"url": "http://127.0.0.1:9"}')
    monkeypatch.setenv("SHARPEYES_STATE_DIR", str(tmp_path))
    with pytest.raises(InputError) as err:
        client.resolve()
    assert err.value.message == f"no NetBox credentials: {missing}"
    assert err.value.hint is not None and "--lab" in err.value.hint
    assert err.value.exit_code == 3


def test_client_module_does_not_import_the_lab() -> None:
    code = "import sys, sharpeyes.sot.client; print(sorted(m for m in sys.modules if 'lab' in m))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "sharpeyes.lab" not in proc.stdout


def test_unreachable_netbox_names_url_and_cause() -> None:
    with socket.socket() as sock:  # a port that refuses: bound, never listening
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        with pytest.raises(DependencyUnavailable, match=rf"NetBox at {url} is unreachable: "):
            client.connect(url, "nbt_x.y", timeout=2)


def test_timeout_adapter_sets_a_default_timeout() -> None:
    http = client.session(timeout=7)
    adapter = http.get_adapter("http://127.0.0.1/")
    assert isinstance(adapter, client.TimeoutAdapter) and adapter.timeout == 7
