"""lab.control (hosts from NetBox, typed results), lab.env and the plan/apply sequence, without
a NetBox or Docker: the client and the parts are replaced by recording fakes."""

from __future__ import annotations

import logging
import os
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from sharpeyes.errors import DependencyUnavailable, TargetFailed
from sharpeyes.lab import commands, control, env, hosts, inventory_layer, netbox, snapshot
from sharpeyes.lab.parts import PartResult, format_results
from sharpeyes.paths import netbox_data_dir, repo_root
from sharpeyes.sot import client
from sharpeyes.vocab import SERVER_ROLE

CREDS = netbox.Credentials(url="http://127.0.0.1:8800", token="nbt_key.secret")


@dataclass
class _Obj:
    id: int = 0
    name: str = ""


class _FakeApi:
    """`api.dcim.device_roles.get(slug=)` and `api.dcim.devices.filter(role_id=)`."""

    def __init__(self, role: _Obj | None, devices: list[_Obj]) -> None:
        self.dcim = self
        self.device_roles = self
        self.devices = _Devices(devices)
        self._role = role

    def get(self, **kwargs: Any) -> _Obj | None:
        assert kwargs == {"slug": SERVER_ROLE}
        return self._role


@dataclass
class _Devices:
    devices: list[_Obj]

    def filter(self, **kwargs: Any) -> list[_Obj]:
        assert kwargs == {"role_id": 7}
        return self.devices


@pytest.fixture
def lab_netbox(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(netbox, "credentials", lambda: CREDS)


def _connect_returns(monkeypatch: pytest.MonkeyPatch, api: object) -> list[tuple[str, str]]:
    calls: list[tuple[str, str]] = []

    def connect(url: str, token: str) -> object:
        calls.append((url, token))
        return api

    monkeypatch.setattr(client, "connect", connect)
    return calls


@pytest.mark.usefixtures("lab_netbox")
def test_server_names_are_netboxs_video_servers_read_with_the_lab_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api = _FakeApi(_Obj(id=7), [_Obj(name="qxdc-vc02"), _Obj(name="qxdc-vc01"), _Obj(name="")])
    calls = _connect_returns(monkeypatch, api)
    assert control.server_names() == ["qxdc-vc01", "qxdc-vc02"]
    assert calls == [(CREDS.url, CREDS.token)]


@pytest.mark.usefixtures("lab_netbox")
def test_netbox_without_servers_gives_the_default_ten_and_says_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _connect_returns(monkeypatch, _FakeApi(None, []))  # the role does not exist yet
    with caplog.at_level(logging.WARNING, logger=control.__name__):
        assert control.server_names() == list(control.DEFAULT_SERVERS)
    assert "NetBox lists no video-server devices yet" in caplog.text


@pytest.mark.usefixtures("lab_netbox")
def test_unreadable_netbox_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    def connect(url: str, token: str) -> object:
        raise DependencyUnavailable(f"NetBox at {url} is unreachable: ConnectionError: refused")

    monkeypatch.setattr(client, "connect", connect)
    with pytest.raises(DependencyUnavailable) as err:
        control.server_names()
    assert err.value.message == (
        "lab hosts: cannot read the video servers from the lab NetBox: "
        f"NetBox at {CREDS.url} is unreachable: ConnectionError: refused"
    )
    assert err.value.hint is not None and "lab up netbox" in err.value.hint


def test_default_servers_are_the_datasets_video_servers() -> None:
    path = netbox_data_dir() / "estate" / "dcim.devices.yml"
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    objects = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)["objects"]
    servers = sorted(o["name"] for o in objects if o["role"] == SERVER_ROLE)
    assert list(control.DEFAULT_SERVERS) == servers


def test_up_hosts_starts_exactly_the_names_netbox_lists(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SHARPEYES_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(inventory_layer, "layer_dir", lambda: tmp_path / "layer")
    monkeypatch.setattr(control, "server_names", lambda: ["qxdc-vc01", "qxdc-vc02"])

    def fake_up(names: Sequence[str]) -> list[PartResult]:
        return [
            PartResult("hosts", n, "already running" if n.endswith("1") else "started")
            for n in names
        ]

    monkeypatch.setattr(hosts, "up", fake_up)
    results = control.up("hosts")
    assert [(r.name, r.state, r.started) for r in results] == [
        ("qxdc-vc01", "already running", False),
        ("qxdc-vc02", "started", True),
    ]
    # ...and the Ansible layer names exactly those servers, never the repo's own directory
    assert sorted(p.name for p in (tmp_path / "layer" / "host_vars").iterdir()) == [
        "qxdc-vc01.yml",
        "qxdc-vc02.yml",
    ]


def test_up_reports_netbox_already_running_from_its_status(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(netbox, "credentials", lambda: CREDS)
    monkeypatch.setattr(netbox, "up", lambda: ["NetBox 4.7.3 already running at x"])
    monkeypatch.setattr(
        netbox, "status", lambda: {"running": True, "healthy": True, "version": "4.7.3"}
    )
    assert control.up("netbox") == [
        PartResult("netbox", CREDS.url, "already running", "NetBox 4.7.3")
    ]
    monkeypatch.setattr(netbox, "status", lambda: {"running": False, "healthy": False})
    monkeypatch.setattr(netbox, "up", lambda: ["started gunicorn", "NetBox 4.7.3 is up (9 s)"])
    assert control.up("netbox") == [
        PartResult("netbox", CREDS.url, "started", "NetBox 4.7.3 is up (9 s)")
    ]


def test_unknown_part_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown lab part 'routers'"):
        control.up("routers")


def test_results_format_as_aligned_lines() -> None:
    lines = format_results(
        [
            PartResult("netbox", "http://127.0.0.1:8800", "already running", "NetBox 4.7.3"),
            PartResult("hosts", "qxdc-vc01", "started"),
        ]
    )
    assert lines == [
        "netbox  http://127.0.0.1:8800  already running  NetBox 4.7.3",
        "hosts   qxdc-vc01              started",
    ]


@pytest.mark.usefixtures("lab_netbox")
def test_lab_env_and_its_exports(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SHARPEYES_STATE_DIR", str(tmp_path))
    built = env.lab_env({"PATH": "/usr/bin", "KEEP": "1"})
    assert built["NETBOX_API"] == CREDS.url and built["NETBOX_TOKEN"] == CREDS.token
    assert built["ANSIBLE_CONFIG"] == str(repo_root() / "ansible.cfg")
    assert built["PATH"] == f"{env.venv_bin()}:/usr/bin" and built["KEEP"] == "1"
    words = shlex.split(env.exports())
    assert words[0] == "export"
    password = built["SHARPEYES_SWITCH_PASSWORD"]
    assert len(password) >= 20  # generated once, then kept in the lab state (mode 0600)
    assert (tmp_path / "switches" / "credentials.json").stat().st_mode & 0o777 == 0o600
    assert dict(w.split("=", 1) for w in words[1:]) == {
        "NETBOX_API": CREDS.url,
        "NETBOX_TOKEN": CREDS.token,
        "ANSIBLE_CONFIG": str(repo_root() / "ansible.cfg"),
        "ANSIBLE_VAULT_PASSWORD_FILE": str(tmp_path / "vault" / "password"),
        "SHARPEYES_SWITCH_USER": "sharpeyes",
        "SHARPEYES_SWITCH_PASSWORD": password,
        "SHARPEYES_SWITCH_PASSWORD_HASH": built["SHARPEYES_SWITCH_PASSWORD_HASH"],
    }
    assert password not in built["SHARPEYES_SWITCH_PASSWORD_HASH"]  # a stored form, not clear
    assert (tmp_path / "vault" / "password").stat().st_mode & 0o777 == 0o600


@pytest.mark.usefixtures("lab_netbox")
def test_use_lab_netbox_replaces_both_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETBOX_API", "https://netbox.example")
    monkeypatch.setenv("NETBOX_TOKEN", "nbt_production.token")  # restored after the test
    env.use_lab_netbox()
    assert (os.environ["NETBOX_API"], os.environ["NETBOX_TOKEN"]) == (CREDS.url, CREDS.token)


class _Recorder:
    """A Runner answering `sot plan` with the given exit codes, in turn."""

    def __init__(self, plan_codes: list[int]) -> None:
        self.plan_codes = plan_codes
        self.calls: list[tuple[str, ...]] = []

    def __call__(
        self, argv: Sequence[str], env: Mapping[str, str], ok: tuple[int, ...]
    ) -> tuple[int, str]:
        args = tuple(argv[1:])
        self.calls.append(args)
        code = self.plan_codes.pop(0) if args[:2] == ("sot", "plan") else 0
        if code not in ok:
            raise TargetFailed(f"{' '.join(args)} exited {code}")
        return code, ""


def test_converge_applies_only_when_plan_finds_changes() -> None:
    in_sync = _Recorder([0])
    assert commands.sot_converge({}, run=in_sync, snapshots=False) == "in sync"
    assert in_sync.calls == [("sot", "plan")]

    changes = _Recorder([2, 0])
    assert commands.sot_converge({}, run=changes, snapshots=False) == "applied"
    assert changes.calls == [("sot", "plan"), ("sot", "apply", "--yes"), ("sot", "plan")]


def test_converge_fails_when_the_plan_is_not_empty_after_apply() -> None:
    with pytest.raises(TargetFailed, match="sot plan exited 2"):
        commands.sot_converge({}, run=_Recorder([2, 2]), snapshots=False)


class _Snapshots:
    """Stands in for the lab database calls of `sot_converge` (the real ones are exercised in
    tests/integration/test_netbox_snapshot.py); records what was restored and saved."""

    OLDER = "4.7.3-" + "0" * 16  # the nearest older snapshot, when there is one

    def __init__(
        self, monkeypatch: pytest.MonkeyPatch, *, pristine: bool, cached: bool, older: bool
    ) -> None:
        self.restored: list[str] = []
        self.saved: list[str] = []
        self.cached = {snapshot.current_key()} if cached else set()
        if older:
            self.cached.add(self.OLDER)
        monkeypatch.setattr(commands, "netbox_pristine", lambda env: pristine)
        monkeypatch.setattr(commands.netbox, "restore_loaded", self._restore)
        monkeypatch.setattr(commands.netbox, "save_loaded", self.saved.append)
        monkeypatch.setattr(commands.snapshot, "nearest", lambda key: self.OLDER if older else None)

    def _restore(self, key: str) -> bool:
        if key in self.cached:
            self.restored.append(key)
        return key in self.cached


@pytest.mark.parametrize(
    ("pristine", "cached", "older", "plans", "how", "restored", "saved", "applied"),
    [
        # pristine NetBox, snapshot cached: restored, checked by one plan, nothing applied
        (True, True, True, [2, 0], "restored", "key", False, False),
        # pristine, no snapshot at all: applied for real, then saved for next time
        (True, False, False, [2, 0], "applied", None, True, True),
        # pristine, only an older snapshot: restored, the difference applied, saved
        (True, False, True, [2, 0], "updated", "older", True, True),
        # someone wrote to NetBox: never replaced by a snapshot, never saved
        (False, True, True, [2, 0], "applied", None, False, True),
        # a snapshot that does not match the dataset: applied over it and saved anew
        (True, True, False, [2, 2, 0], "applied", "key", True, True),
    ],
)
def test_converge_uses_a_snapshot_only_on_a_pristine_netbox(
    monkeypatch: pytest.MonkeyPatch,
    *,
    pristine: bool,
    cached: bool,
    older: bool,
    plans: list[int],
    how: str,
    restored: str | None,
    saved: bool,
    applied: bool,
) -> None:
    snaps = _Snapshots(monkeypatch, pristine=pristine, cached=cached, older=older)
    runner = _Recorder(plans)
    assert commands.sot_converge({}, run=runner) == how
    key = snapshot.current_key()
    assert snaps.restored == {None: [], "key": [key], "older": [_Snapshots.OLDER]}[restored]
    assert snaps.saved == ([key] if saved else [])
    assert (("sot", "apply", "--yes") in runner.calls) is applied
    # whatever becomes or comes from a snapshot gets a full read
    assert (("sot", "plan", "--full") in runner.calls) is bool(pristine and (restored or saved))
    assert runner.plan_codes == []  # every plan answer was asked for


def test_an_older_snapshot_is_a_starting_point_for_the_repo_dataset_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Another dataset over an older estate snapshot would delete the whole estate."""
    snaps = _Snapshots(monkeypatch, pristine=True, cached=False, older=True)
    runner = _Recorder([2, 0])
    assert commands.sot_converge({}, run=runner, data_dir=tmp_path) == "applied"
    assert snaps.restored == []


def test_a_failed_command_raises_with_its_output_tail(tmp_path: Path) -> None:
    with pytest.raises(commands.CommandFailed) as err:
        commands.run_command(["sh", "-c", "echo one; echo two >&2; exit 5"], {"PATH": "/bin"})
    assert err.value.message == "sh -c echo one; echo two >&2; exit 5 exited 5\none\ntwo"
    assert err.value.returncode == 5 and err.value.output == "one\ntwo\n"
