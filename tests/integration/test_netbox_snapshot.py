"""Loaded-NetBox snapshots against the real lab NetBox: save, reset, restore, token, fallback.

`make integration` runs these on the test instance (.lab/test, port 8801), never on the NetBox
`make demo` left. Each test uses a small, uniquely named dataset, never the full estate.
"""

from __future__ import annotations

import stat
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sharpeyes.lab import _nbinstall, _postgres, commands, netbox, snapshot
from sharpeyes.lab import env as lab_environment
from sharpeyes.sot import client

pytestmark = pytest.mark.integration

SHARPEYES = Path(sys.executable).parent / "sharpeyes"


def _api(creds: netbox.Credentials) -> Any:
    """A fresh client: the lab token must work against whatever database is served now."""
    return client.connect(creds.url, creds.token)


def _random_key() -> str:
    return snapshot.make_key(_nbinstall.NETBOX_VERSION, uuid.uuid4().hex * 2)


@pytest.fixture
def key() -> Iterator[str]:
    """A snapshot key no dataset has; its cached file is removed afterwards."""
    key = _random_key()
    yield key
    snapshot.snapshot_path(key).unlink(missing_ok=True)


@pytest.fixture
def two_objects(lab_netbox: netbox.Credentials) -> Iterator[dict[str, int]]:
    """A uniquely named site and tag in the served NetBox; deleted again if still there."""
    api = _api(lab_netbox)
    name = f"it-snap-{uuid.uuid4().hex[:10]}"
    made = {
        "site": api.dcim.sites.create(name=name, slug=name, status="planned").id,
        "tag": api.extras.tags.create(name=name, slug=name, color="2196f3").id,
    }
    yield made
    api = _api(lab_netbox)
    for endpoint, pk in (("dcim.sites", made["site"]), ("extras.tags", made["tag"])):
        app, name = endpoint.split(".")
        obj = getattr(getattr(api, app), name).get(pk)
        if obj is not None:
            obj.delete()


def _present(creds: netbox.Credentials, made: dict[str, int]) -> dict[str, bool]:
    api = _api(creds)
    return {
        "site": api.dcim.sites.get(made["site"]) is not None,
        "tag": api.extras.tags.get(made["tag"]) is not None,
    }


def test_save_reset_restore_round_trip(
    lab_netbox: netbox.Credentials, two_objects: dict[str, int], key: str
) -> None:
    path = netbox.save_loaded(key)
    assert path == snapshot.snapshot_path(key) and path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # it holds the lab user and token digests
    netbox.reset()
    assert _present(lab_netbox, two_objects) == {"site": False, "tag": False}

    assert netbox.restore_loaded(key) is True
    assert _present(lab_netbox, two_objects) == {"site": True, "tag": True}
    assert netbox.status()["healthy"] is True
    # Writes work after the restore (the token is a write token, the sequences are intact).
    api = _api(lab_netbox)
    extra = f"it-snap-after-{uuid.uuid4().hex[:8]}"
    site = api.dcim.sites.create(name=extra, slug=extra)
    assert site.id > two_objects["site"]
    site.delete()


def test_restore_without_a_snapshot_changes_nothing(
    lab_netbox: netbox.Credentials, two_objects: dict[str, int]
) -> None:
    missing = _random_key()
    assert not snapshot.snapshot_path(missing).exists()
    assert netbox.restore_loaded(missing) is False
    assert _present(lab_netbox, two_objects) == {"site": True, "tag": True}


def test_a_dump_without_this_labs_token_gets_it(
    lab_netbox: netbox.Credentials, two_objects: dict[str, int], key: str
) -> None:
    """A snapshot made by another lab state (other token key) restores with this lab's token."""
    path = netbox.save_loaded(key)
    state = netbox._load_state()
    assert state is not None
    template = netbox._loaded(netbox._database(state, _postgres.cluster_port()), key)
    # Rewrite the cached dump as another lab would have left it: no row for our token.
    _postgres.admin_sql(
        f"DELETE FROM users_token WHERE key = '{state['token_key']}';", database=template.name
    )
    _postgres.dump(template, path)
    _postgres.set_database_comment(template, "")  # the next restore must read the file
    netbox.reset()

    assert netbox.restore_loaded(key) is True
    assert _present(lab_netbox, two_objects) == {"site": True, "tag": True}
    assert _postgres.database_comment(template) == netbox._loaded_marker(state, key)


def _tiny_dataset(root: Path, slug: str) -> Path:
    (root / "custom").mkdir(parents=True)
    (root / "custom" / "extras.tags.yml").write_text(
        f"---\nendpoint: extras.tags\nobjects:\n  - slug: {slug}\n    name: {slug}\n"
        "    color: ff9800\n    description: sharpeyes snapshot integration test\n",
        encoding="utf-8",
    )
    return root


def test_reset_loaded_applies_once_then_restores(
    lab_netbox: netbox.Credentials, tmp_path: Path
) -> None:
    """No snapshot for the dataset: reset, real apply, snapshot saved; then the CLI restores it
    in a NetBox that was changed meanwhile."""
    slug = f"it-loaded-{uuid.uuid4().hex[:10]}"
    data = _tiny_dataset(tmp_path / "netbox", slug)
    key = snapshot.current_key(data)
    try:
        first = commands.reset_loaded(data)
        assert first[-1].endswith("(snapshot not used)") and key in first[-1]
        assert "applied and saved as a snapshot" in first[-1]
        assert snapshot.snapshot_path(key).is_file()
        assert _api(lab_netbox).extras.tags.get(slug=slug) is not None

        _api(lab_netbox).extras.tags.get(slug=slug).delete()  # a later edit, then reset --loaded
        proc = subprocess.run(
            [SHARPEYES, "lab", "reset", "netbox", "--loaded", "--data", str(data)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        last = proc.stdout.rstrip().splitlines()[-1]
        assert last.startswith(f"NetBox loaded with the dataset {key}: restored in ")
        assert last.endswith(" s (snapshot used)")
        assert _api(lab_netbox).extras.tags.get(slug=slug) is not None
    finally:
        snapshot.snapshot_path(key).unlink(missing_ok=True)
        netbox.reset()


def test_converge_applies_on_a_used_netbox_and_never_restores_over_it(
    lab_netbox: netbox.Credentials, two_objects: dict[str, int], tmp_path: Path
) -> None:
    """A NetBox someone wrote to is never replaced by a snapshot, even one cached for the key:
    the dataset is applied on top and the other objects stay."""
    slug = f"it-conv-{uuid.uuid4().hex[:10]}"
    data = _tiny_dataset(tmp_path / "netbox", slug)
    key = snapshot.current_key(data)
    env = lab_environment.lab_env()
    try:
        netbox.save_loaded(key)  # a snapshot for the key that holds the two objects only
        assert not commands.netbox_pristine(env)
        assert commands.sot_converge(env, data_dir=data) == "applied"
        assert _present(lab_netbox, two_objects) == {"site": True, "tag": True}
        assert _api(lab_netbox).extras.tags.get(slug=slug) is not None
        assert commands.sot_converge(env, data_dir=data) == "in sync"
    finally:
        snapshot.snapshot_path(key).unlink(missing_ok=True)
        netbox.reset()
    assert commands.netbox_pristine(env)


def test_a_fresh_cache_starts_from_the_repo_baseline(
    lab_netbox: netbox.Credentials, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A machine with no snapshot cached: the repo's baseline is restored (with this lab's
    token added), only the difference to the current dataset is applied, the full plan is
    empty, and the result is cached under the current key (issue 9: first demo <= 10 min)."""
    monkeypatch.setenv("SHARPEYES_CACHE_DIR", str(tmp_path / "cache"))
    key = snapshot.current_key()
    try:
        lines = commands.reset_loaded()
        assert lines[-1].endswith("(snapshot used)"), lines
        assert key in lines[-1]
        assert snapshot.locate(key) is not None  # the baseline itself, or cached from it
        api = _api(lab_netbox)
        assert api.dcim.devices.count(role="video-server") == 10
    finally:
        netbox.reset()


def test_the_repo_baseline_holds_no_secret() -> None:
    """No API token, no session, no usable password: dumps in git are read by anyone."""
    ((_, path),) = snapshot.committed()
    sql = subprocess.run(
        ["pg_restore", "-f", "-", "--data-only", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows: dict[str, list[list[str]]] = {}
    table = None
    for line in sql.splitlines():
        if line.startswith("COPY "):
            table = line.split(" ")[1]
            rows[table] = []
        elif line == "\\.":
            table = None
        elif table is not None:
            rows[table].append(line.split("\t"))
    assert rows["public.users_token"] == [] and rows["public.django_session"] == []
    users = rows["public.users_user"]
    assert users and all(user[1] == "!" for user in users)  # password: unusable
