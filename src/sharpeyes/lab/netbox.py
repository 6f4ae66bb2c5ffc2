"""The lab NetBox: the pinned PyPI wheel in its own venv, Debian's PostgreSQL and Redis, gunicorn.

`up` is idempotent and records in `.lab/netbox/lab.json` (git-ignored, mode 0600) the generated
secrets, the API token and what it started (gunicorn, and redis/PostgreSQL when they were not
already running), so `down` stops only that. up/down/reset hold `.lab/netbox/lab.lock`.

Caches (`cache_dir()/netbox/`, keyed by NetBox version): a venv template (lab
venvs are hard-linked copies), and a `pg_dump` of the migrated empty database: the first `up`
migrates (~6 min), later ones restore the dump. The dump plus this lab's superuser and token
form a seed database (`<db>_seed`); the served database is a template copy of it, which makes
`reset` (a freshly emptied NetBox for tests) take a few seconds.

Loaded snapshots (`snapshot`): `save_loaded(key)` dumps a NetBox that holds the whole dataset
into the cache and loads it into a template database of that key (`<db>_loaded_<data hash>`, its
comment naming the key and token); `restore_loaded(key)` clones that template in seconds (first
restoring the cached dump into it when it is missing or holds another lab token). One template
per key: tests that switch between the whole estate and a slice never refill one template.
Templates whose snapshot file was pruned are dropped.

Several instances (another SHARPEYES_STATE_DIR, SHARPEYES_NETBOX_PORT) run side by side: each has
its own database and Redis database pair, and share the PostgreSQL cluster and redis-server;
`down` of the instance that started those hands them over to one still running."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import signal
import string
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import requests

from sharpeyes import paths
from sharpeyes.errors import DependencyUnavailable, LabError, SharpeyesError
from sharpeyes.lab import _nbinstall, _postgres, _proc, _redis, snapshot

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
DEFAULT_PORT = 8800
DEFAULT_REDIS_PORT = 6379
ADMIN_USER = "admin"
DB_NAME = "sharpeyes_netbox"
GUNICORN_WORKERS = 3
START_TIMEOUT = 180.0
LOCK_TIMEOUT = 900.0  # a cold `up` migrates for several minutes
UP_HINT = "run: sharpeyes lab up netbox"
# Read by the generated configuration.py: management commands aimed at the seed database.
DB_OVERRIDE_VAR = "SHARPEYES_NETBOX_DB_NAME"
# The tasks database index (caching = tasks + 1); default: 0 for the repo's lab, else derived.
REDIS_DB_VAR = "SHARPEYES_NETBOX_REDIS_DB"
REDIS_DATABASES = 16  # redis-server's default `databases`


@dataclass(frozen=True)
class Credentials:
    url: str
    token: str


def format_token(key: str, secret: str) -> str:
    """A NetBox v2 API token as clients send it (Bearer): `nbt_<key>.<secret>`."""
    if len(key) != 12 or not key.isalnum() or len(secret) < 40 or not secret.isalnum():
        raise ValueError("a v2 token has a 12-character key and a 40-character secret")
    return f"nbt_{key}.{secret}"


# --- state --------------------------------------------------------------------------------


def lab_dir() -> Path:
    return paths.state_dir() / "netbox"


def state_path() -> Path:
    return lab_dir() / "lab.json"


def dump_path() -> Path:
    return paths.cache_dir() / "netbox" / f"netbox-{_nbinstall.NETBOX_VERSION}-migrated.dump"


def configured_port() -> int:
    return _env_port("SHARPEYES_NETBOX_PORT", DEFAULT_PORT)


def configured_redis_port() -> int:
    return _env_port("SHARPEYES_NETBOX_REDIS_PORT", DEFAULT_REDIS_PORT)


def _default_instance() -> bool:
    return paths.state_dir() == paths.repo_root() / ".lab"


def _instance_hash() -> str:
    return hashlib.sha256(str(paths.state_dir()).encode()).hexdigest()[:8]


def redis_databases() -> tuple[int, int]:
    """(tasks, caching) Redis database indexes of this instance: 0/1 for the repo's lab, an even
    pair from 2/3 to 14/15 derived from the state directory otherwise; REDIS_DB_VAR overrides."""
    raw = os.environ.get(REDIS_DB_VAR, "").strip()
    if raw:
        if not raw.isdigit() or int(raw) > REDIS_DATABASES - 2:
            raise LabError(f"{REDIS_DB_VAR}={raw!r} is not a Redis database index from 0 to 14")
        return int(raw), int(raw) + 1
    if _default_instance():
        return 0, 1
    tasks = 2 + 2 * (int(_instance_hash(), 16) % (REDIS_DATABASES // 2 - 1))
    return tasks, tasks + 1


def _env_port(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise LabError(f"{name}={raw!r} is not a TCP port")
    return int(raw)


@contextlib.contextmanager
def _locked(timeout: float = LOCK_TIMEOUT, directory: Path | None = None) -> Iterator[None]:
    """Serialise up/down/reset across processes (other sessions reset the lab concurrently);
    directory: another instance's lab directory (default: ours)."""
    directory = directory or lab_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "lab.lock").open("a") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LabError(
                        f"another sharpeyes process holds {directory / 'lab.lock'} "
                        f"for more than {timeout:.0f} s"
                    ) from None
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _load_state(path: Path | None = None) -> dict[str, Any] | None:
    path = path or state_path()
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise LabError(f"unreadable lab state {path}: {exc}") from exc
    return data


def _save_state(state: dict[str, Any], path: Path | None = None) -> None:
    text = json.dumps(state, indent=2, sort_keys=True) + "\n"
    _nbinstall.write_if_changed(path or state_path(), text)


def database_name() -> str:
    """`sharpeyes_netbox` for the repo's lab; another state directory gets its own database."""
    if _default_instance():
        return DB_NAME
    return f"{DB_NAME}_{_instance_hash()}"


def _new_state() -> dict[str, Any]:
    alnum = string.ascii_letters + string.digits
    name = database_name()
    return {
        "netbox_version": _nbinstall.NETBOX_VERSION,
        "secret_key": _nbinstall.random_secret(60),
        "pepper": _nbinstall.random_secret(64),
        "db": {"name": name, "role": name, "password": _nbinstall.random_secret(32, alnum)},
        "admin": {"user": ADMIN_USER, "password": _nbinstall.random_secret(24, alnum)},
        "token_key": _nbinstall.random_secret(12, alnum),
        "token_secret": _nbinstall.random_secret(40, alnum),
        "started": {"postgres": False, "redis_pid": None, "gunicorn_pid": None},
    }


def _token(state: dict[str, Any]) -> str:
    return format_token(state["token_key"], state["token_secret"])


def _url(port: int) -> str:
    return f"http://{HOST}:{port}"


# --- NetBox pieces ------------------------------------------------------------------------


def _venv() -> Path:
    return lab_dir() / "venv"


def _root() -> Path:
    """NETBOX_ROOT: conf/configuration.py, media/, scripts/ … of this instance."""
    return lab_dir() / "root"


def _netbox_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.pop("VIRTUAL_ENV", None)
    env.pop(DB_OVERRIDE_VAR, None)
    env.update(NETBOX_ROOT=str(_root()), DJANGO_SETTINGS_MODULE="netbox.settings")
    env.update(extra or {})
    return env


def _database(state: dict[str, Any], port: int) -> _postgres.Database:
    db = state["db"]
    return _postgres.Database(name=db["name"], role=db["role"], password=db["password"], port=port)


def _write_config(state: dict[str, Any], db: _postgres.Database, redis_port: int) -> None:
    tasks_db, caching_db = redis_databases()
    values = _nbinstall.ConfigValues(
        secret_key=state["secret_key"],
        pepper=state["pepper"],
        db_name=db.name,
        db_user=db.role,
        db_password=db.password,
        db_host=db.host,
        db_port=db.port,
        redis_host=_redis.HOST,
        redis_port=redis_port,
        redis_tasks_db=tasks_db,
        redis_caching_db=caching_db,
    )
    conf = _root() / "conf"
    _nbinstall.write_if_changed(conf / "configuration.py", _nbinstall.render_configuration(values))
    _nbinstall.write_if_changed(conf / "lab_wsgi.py", _nbinstall.wsgi_module(), mode=0o644)
    for sub in ("media", "scripts", "reports"):
        (_root() / sub).mkdir(parents=True, exist_ok=True)


def _manage(
    *args: str, what: str, db_name: str | None = None, extra_env: dict[str, str] | None = None
) -> str:
    """Run a NetBox management command; db_name points it at another database (the seed)."""
    env = _netbox_env(extra_env)
    if db_name:
        env[DB_OVERRIDE_VAR] = db_name
    argv = [str(_venv() / "bin" / "python"), "-m", "netbox", *args]
    proc = _proc.run(argv, what=what, env=env, timeout=1800)
    return proc.stdout


def _db_marker() -> str:
    return f"sharpeyes netbox {_nbinstall.NETBOX_VERSION} migrated"


def _seed(db: _postgres.Database) -> _postgres.Database:
    """The template database: migrated, with this lab's superuser and token; never served."""
    return replace(db, name=f"{db.name}_seed")


def _seed_marker(state: dict[str, Any]) -> str:
    return f"{_db_marker()} seed {state['token_key']}"


def _ensure_seed(state: dict[str, Any], db: _postgres.Database) -> str | None:
    """Build the seed database unless current: the cached dump restored (or, without a dump,
    `migrate` run and dumped into the cache), then the superuser and token added.
    Returns what was done, None when the seed was already there."""
    seed = _seed(db)
    if _postgres.database_comment(seed) == _seed_marker(state) and _has_lab_token(state, seed):
        return None
    _postgres.recreate_database(seed)
    dump = dump_path()
    if not dump.is_file() and snapshot.committed_migrated().is_file():
        dump = snapshot.committed_migrated()  # a fresh machine: the repo's copy, no migrations
    if dump.is_file():
        _postgres.restore(seed, dump)
        how = f"restored the migrated database from {dump}"
    else:
        log.info("migrating an empty NetBox %s database (once, ~6 min)", _nbinstall.NETBOX_VERSION)
        _manage("migrate", "--no-input", what="netbox migrate", db_name=seed.name)
        _postgres.dump(seed, dump)
        how = f"migrated the database and cached it as {dump}"
    _ensure_admin(state, db_name=seed.name)
    if not _has_lab_token(state, seed):
        raise LabError(f"the lab API token is missing from {seed.name} after creating it")
    _postgres.set_database_comment(seed, _seed_marker(state))
    return how


def _has_lab_token(state: dict[str, Any], db: _postgres.Database) -> bool:
    """True when db holds this lab's token row (cheap SQL; the seed must never lack it)."""
    key = state["token_key"]
    if not key.isalnum():
        return False
    found = _postgres.admin_sql(
        "SELECT to_regclass('public.users_token') IS NOT NULL;", database=db.name
    )
    if found != "t":
        return False
    return (
        _postgres.admin_sql(
            f"SELECT count(*) FROM users_token WHERE key = '{key}';", database=db.name
        )
        == "1"
    )


def _clone_seed(state: dict[str, Any], db: _postgres.Database) -> None:
    """Replace the served database by a copy of the seed (closing its connections)."""
    _postgres.recreate_database(db, template=_seed(db).name)
    _postgres.set_database_comment(db, _db_marker())


def _ensure_admin(state: dict[str, Any], db_name: str | None = None) -> None:
    out = _manage(
        "shell", "--no-imports", "-v", "0", "-c", _nbinstall.ensure_admin_script(),
        what="creating the NetBox superuser and API token",
        db_name=db_name,
        extra_env={
            "SHARPEYES_NB_ADMIN_USER": state["admin"]["user"],
            "SHARPEYES_NB_ADMIN_PASSWORD": state["admin"]["password"],
            "SHARPEYES_NB_TOKEN_KEY": state["token_key"],
            "SHARPEYES_NB_TOKEN_SECRET": state["token_secret"],
        },
    )  # fmt: skip
    if "sharpeyes-admin-ok" not in out:
        raise LabError(f"creating the NetBox superuser gave no confirmation: {_proc.tail(out)}")


# --- HTTP ---------------------------------------------------------------------------------


def api_status(url: str, token: str | None, timeout: float = 5.0) -> tuple[int, dict[str, Any]]:
    """GET /api/status/ with the token; (HTTP status, JSON body or {}). Raises requests errors."""
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    resp = requests.get(f"{url}/api/status/", headers=headers, timeout=timeout)
    try:
        body = resp.json()
    except ValueError:
        body = {}
    return resp.status_code, body if isinstance(body, dict) else {}


def _probe(url: str, token: str) -> int | None:
    """HTTP status of /api/status/ with the token, None when nothing answers."""
    try:
        return api_status(url, token)[0]
    except requests.RequestException:
        return None


# --- gunicorn -----------------------------------------------------------------------------


def _is_our_gunicorn(pid: int | None, port: int | None = None) -> bool:
    if not pid or not _proc.pid_alive(pid):
        return False
    cmd = _proc.cmdline(pid)
    return "gunicorn" in cmd and str(_venv()) in cmd and (port is None or f":{port}" in cmd)


def _gunicorn_log() -> Path:
    return lab_dir() / "gunicorn.log"


def _stop_gunicorn(pid: int) -> bool:
    """SIGTERM master and workers, SIGKILL after 4 s (workers linger at exit for the whole
    graceful timeout; the data is safe in PostgreSQL). True when it was running."""
    return _proc.terminate(pid, sig=signal.SIGTERM, group=True, timeout=4)


def _start_gunicorn(port: int) -> int:
    argv = [
        str(_venv() / "bin" / "python"), "-m", "gunicorn",
        "--bind", f"{HOST}:{port}",
        "--workers", str(GUNICORN_WORKERS),
        "--timeout", "300",
        "--graceful-timeout", "10",
        "--preload",  # import NetBox once, then fork: ~10 s start instead of ~26 s
        "--no-control-socket",
        "--chdir", str(_root() / "conf"),
        "--error-logfile", "-",
        "lab_wsgi:application",
    ]  # fmt: skip
    log.info("starting gunicorn on %s:%d", HOST, port)
    return _proc.spawn_detached(argv, log_path=_gunicorn_log(), env=_netbox_env(), cwd=lab_dir())


def _wait_ready(pid: int, url: str, token: str) -> int:
    """Wait until /api/status/ answers (any HTTP status); return it. Fail if gunicorn dies."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if not _proc.pid_alive(pid):
            _proc.reap(pid)
            log_tail = _proc.tail(_gunicorn_log().read_text(errors="replace"), 4)
            raise LabError(
                f"gunicorn exited during start-up: {log_tail}", hint=f"see {_gunicorn_log()}"
            )
        code = _probe(url, token)
        if code is not None and code < 500:
            return code
        time.sleep(1)
    raise LabError(
        f"NetBox at {url} did not answer /api/status/ within {START_TIMEOUT:.0f} s",
        hint=f"see {_gunicorn_log()}",
    )


# --- public API ---------------------------------------------------------------------------


def up() -> list[str]:
    """Bring the lab NetBox up (idempotent); on failure stop what this call started, then raise."""
    with _locked():
        return _up()


def _serving(state: dict[str, Any], url: str) -> bool:
    """Our running NetBox accepts the lab token; a rejected token (e.g. the database was replaced
    behind our back) is repaired by re-creating the superuser and token."""
    token = _token(state)
    codes: list[int | None] = []

    def answered() -> bool:
        codes.append(_probe(url, token))
        return codes[-1] in (200, 401, 403)

    if not _proc.wait_until(answered, timeout=20, interval=2):
        return False
    if codes[-1] != 200:
        log.info("the running NetBox rejects the lab token; re-creating the superuser and token")
        _ensure_admin(state)
        return _probe(url, token) == 200
    return True


def _up() -> list[str]:
    t0 = time.monotonic()
    port = configured_port()
    redis_port = configured_redis_port()
    url = _url(port)
    state = _load_state()
    if state is not None:
        gpid = state["started"].get("gunicorn_pid")
        if _is_our_gunicorn(gpid, port) and _serving(state, url):
            return [f"NetBox {state['netbox_version']} already running at {url}"]
        if _is_our_gunicorn(gpid):
            log.info("restarting the lab gunicorn (pid %s): unhealthy or on another port", gpid)
            _stop_gunicorn(gpid)
            state["started"]["gunicorn_pid"] = None
            _save_state(state)
    if _proc.port_in_use(port, HOST):
        raise LabError(
            f"port {HOST}:{port} is already in use by another process; NetBox cannot listen there",
            hint="stop that process or set SHARPEYES_NETBOX_PORT to a free port",
        )
    if state is None or state.get("netbox_version") != _nbinstall.NETBOX_VERSION:
        fresh = _new_state()
        if state is not None:  # keep what earlier runs started, so `down` still stops it
            fresh["started"] = state["started"]
        state = fresh
        _save_state(state)

    started: dict[str, Any] = {}
    try:
        lines = _bring_up(state, port, redis_port, started)
    except BaseException as exc:
        _rollback(state, started)
        if isinstance(exc, SharpeyesError | KeyboardInterrupt):
            raise
        raise LabError(f"bringing NetBox up failed: {exc}") from exc
    lines.append(
        f"NetBox {_nbinstall.NETBOX_VERSION} is up at {url} ({time.monotonic() - t0:.0f} s)"
    )
    return lines


def _bring_up(
    state: dict[str, Any], port: int, redis_port: int, started: dict[str, Any]
) -> list[str]:
    lines: list[str] = []
    redis_pid = _redis.start(redis_port, lab_dir())
    if redis_pid is not None:
        started["redis_pid"] = state["started"]["redis_pid"] = redis_pid
        _save_state(state)
        lines.append(f"started redis-server on {_redis.HOST}:{redis_port} (pid {redis_pid})")
    if _postgres.start_cluster():
        started["postgres"] = state["started"]["postgres"] = True
        _save_state(state)
        lines.append(f"started PostgreSQL {_postgres.cluster_name()}")
    db = _database(state, _postgres.cluster_port())

    if _nbinstall.ensure_venv(_venv(), paths.cache_dir()):
        lines.append(f"installed NetBox {_nbinstall.NETBOX_VERSION} into {_venv()}")
    _write_config(state, db, redis_port)
    _postgres.ensure_role_and_database(db)
    new_db = _postgres.database_comment(db) != _db_marker()
    if not new_db and not _has_lab_token(state, db):
        # The served database belongs to another lab state (a removed state directory, another
        # checkout): never serve that lab's data, whose sync history this lab does not know; start
        # from the seed, so converging restores the dataset's snapshot instead of writing over it.
        lines.append(f"database {db.name} held another lab's NetBox: replaced by the empty seed")
        new_db = True
    if new_db:
        how = _ensure_seed(state, db)
        if how:
            lines.append(how)
        _clone_seed(state, db)

    url, token = _url(port), _token(state)
    pid = _start_gunicorn(port)
    started["gunicorn_pid"] = state["started"]["gunicorn_pid"] = pid
    state["port"], state["url"], state["redis_port"] = port, url, redis_port
    _save_state(state)
    code = _wait_ready(pid, url, token)
    if code in (401, 403) and not new_db:
        log.info("the lab token was rejected (%d); re-creating the superuser and token", code)
        _ensure_admin(state)
        code = _probe(url, token) or 0
    if code != 200:
        raise LabError(f"NetBox at {url} answers /api/status/ with HTTP {code} for the lab token")
    lines.append(f"started gunicorn (pid {pid}), log {_gunicorn_log()}")
    return lines


def _rollback(state: dict[str, Any], started: dict[str, Any]) -> None:
    """Stop what one `up` call started (newest first) and forget it in the state file."""
    if started.get("gunicorn_pid"):
        _stop_gunicorn(started["gunicorn_pid"])
        state["started"]["gunicorn_pid"] = None
    if started.get("redis_pid"):
        _redis.stop(started["redis_pid"])
        state["started"]["redis_pid"] = None
    if started.get("postgres"):
        try:
            _postgres.stop_cluster()
        except LabError as exc:
            log.warning("could not stop PostgreSQL during rollback: %s", exc)
        state["started"]["postgres"] = False
    _save_state(state)


def down() -> list[str]:
    """Stop only what `up` started: gunicorn, and redis/PostgreSQL if `up` had started them."""
    if not state_path().is_file():
        return ["netbox: nothing to stop (the lab NetBox was never brought up)"]
    with _locked():
        return _down()


def _down() -> list[str]:
    state = _load_state()
    if state is None:
        return ["netbox: nothing to stop (the lab NetBox was never brought up)"]
    lines: list[str] = []
    started = state["started"]
    gpid = started.get("gunicorn_pid")
    if _is_our_gunicorn(gpid) and _stop_gunicorn(gpid):
        lines.append(f"stopped NetBox gunicorn (pid {gpid})")
    started["gunicorn_pid"] = None
    _save_state(state)
    rpid, postgres = started.get("redis_pid"), bool(started.get("postgres"))
    if rpid or postgres:
        redis_port = state.get("redis_port", DEFAULT_REDIS_PORT)
        for other in other_instances():
            rpid, postgres = _hand_over(other, rpid, redis_port, postgres, lines)
    if rpid and _redis.stop(rpid):
        lines.append(f"stopped redis-server (pid {rpid})")
    started["redis_pid"] = None
    if postgres:
        _postgres.stop_cluster()
        lines.append(f"stopped PostgreSQL {_postgres.cluster_name()}")
    started["postgres"] = False
    _save_state(state)
    return lines or ["netbox: nothing was running"]


def _gunicorn_lab_dir(argv: list[str]) -> Path | None:
    """The lab directory of a lab gunicorn's command line (`--chdir <lab>/root/conf`)."""
    if "lab_wsgi:application" not in argv or "--chdir" not in argv[:-1]:
        return None
    conf = Path(argv[argv.index("--chdir") + 1])
    return conf.parent.parent if conf.parts[-2:] == ("root", "conf") else None


def other_instances() -> list[Path]:
    """Lab directories of the other lab NetBoxes running on this machine (from /proc)."""
    found: set[Path] = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = [
                a.decode(errors="replace") for a in (proc / "cmdline").read_bytes().split(b"\0")
            ]
        except OSError:
            continue
        directory = _gunicorn_lab_dir(argv)
        if directory is not None and directory != lab_dir() and (directory / "lab.json").is_file():
            found.add(directory)
    return sorted(found)


def _hand_over(
    other: Path, rpid: int | None, redis_port: int, postgres: bool, lines: list[str]
) -> tuple[int | None, bool]:
    """Make a running instance the owner of the redis-server / PostgreSQL we started and it
    uses, so its `down` stops them; return what is still ours to stop."""
    try:
        with _locked(timeout=15, directory=other):
            state = _load_state(other / "lab.json")
            if state is None:
                return rpid, postgres
            if postgres:
                state["started"]["postgres"] = True
                lines.append(
                    f"left PostgreSQL {_postgres.cluster_name()} running for the NetBox in {other}"
                )
                postgres = False
            if rpid and state.get("redis_port", DEFAULT_REDIS_PORT) == redis_port:
                if not state["started"].get("redis_pid"):
                    state["started"]["redis_pid"] = rpid
                lines.append(f"left redis-server (pid {rpid}) running for the NetBox in {other}")
                rpid = None
            _save_state(state, other / "lab.json")
    except LabError as exc:  # its lock is busy: keep the services running, owned by nobody
        log.warning("could not hand the lab services over to %s: %s", other, exc)
        lines.append(f"left PostgreSQL and redis-server running: {other} may still use them")
        return None, False
    return rpid, postgres


def status() -> dict[str, Any]:
    """url, version, healthy (GET /api/status/ with the lab token is 200), running. Never raises."""
    try:
        state = _load_state()
    except LabError:
        state = None
    port = (state or {}).get("port") or configured_port()
    report: dict[str, Any] = {"url": _url(port), "version": None, "healthy": False}
    report["running"] = bool(state and _is_our_gunicorn(state["started"].get("gunicorn_pid")))
    if state is None:
        return report
    try:
        code, body = api_status(report["url"], _token(state), timeout=5)
    except (requests.RequestException, ValueError):
        return report
    report["healthy"] = code == 200
    report["version"] = body.get("netbox-version")
    return report


def credentials() -> Credentials:
    """URL and API token of the lab NetBox, from the state `up` wrote."""
    state = _load_state()
    if state is None or not state.get("url"):
        raise DependencyUnavailable(
            f"the lab NetBox was never brought up (no {state_path()})", hint=UP_HINT
        )
    return Credentials(url=state["url"], token=_token(state))


def reset() -> list[str]:
    """Empty the lab NetBox: a copy of the seed database (the cached migrated dump restored, plus
    this lab's superuser and token), then the cache flushed. ~1 s once the seed exists."""
    with _locked():
        return _reset()


def _prepared() -> tuple[dict[str, Any], _postgres.Database]:
    """State and served database of a lab that was brought up, its configuration rewritten
    (management commands read it); DependencyUnavailable otherwise."""
    state = _load_state()
    if state is None or not _venv().is_dir():  # the seed (or the dump) is rebuilt if gone
        raise DependencyUnavailable("the lab NetBox was never brought up", hint=UP_HINT)
    if not _postgres.cluster_online():
        raise DependencyUnavailable(
            f"PostgreSQL {_postgres.cluster_name()} is not running", hint=UP_HINT
        )
    db = _database(state, _postgres.cluster_port())
    _write_config(state, db, configured_redis_port())
    return state, db


def _flush_cache() -> None:
    """Empty the caching Redis database: cached objects of the replaced database must go."""
    redis_port = configured_redis_port()
    if _redis.answers(redis_port):
        _redis.flush_db(redis_port, redis_databases()[1])


def _reset() -> list[str]:
    t0 = time.monotonic()
    state, db = _prepared()
    _ensure_seed(state, db)
    _clone_seed(state, db)
    _flush_cache()
    return [f"NetBox database reset to the empty migrated state ({time.monotonic() - t0:.1f} s)"]


# --- loaded snapshots ---------------------------------------------------------------------


def _loaded(db: _postgres.Database, key: str) -> _postgres.Database:
    """The template database of the loaded snapshot of key."""
    return replace(db, name=f"{db.name}_loaded_{snapshot.check_key(key)[1]}")


def _drop_stale_templates(db: _postgres.Database) -> None:
    """Drop the loaded templates of this lab whose snapshot file is gone (pruned, or the one
    template of older versions of this code)."""
    keep = {_loaded(db, key).name for key, _ in [*snapshot.snapshots(), *snapshot.committed()]}
    prefix = f"{db.name}_loaded"
    names = _postgres.admin_sql(
        f"SELECT datname FROM pg_database WHERE starts_with(datname, {_postgres.literal(prefix)});"
    ).split()
    for name in names:
        if name not in keep:
            _postgres.drop_database(replace(db, name=name))


def _loaded_marker(state: dict[str, Any], key: str) -> str:
    return f"{_db_marker()} loaded {key} token {state['token_key']}"


def _fill_loaded_template(state: dict[str, Any], db: _postgres.Database, key: str) -> None:
    """Restore the snapshot file of key into the template and make sure it holds this lab's
    superuser and token (a dump made by another lab state carries that lab's token)."""
    template, source = _loaded(db, key), snapshot.locate(key)
    if source is None:
        raise LabError(f"no snapshot file for {key} (cache or {snapshot.committed_dir()})")
    _postgres.recreate_database(template)  # empty, no comment: unusable until complete
    _postgres.restore(template, source)
    if not _has_lab_token(state, template):
        log.info("the snapshot %s lacks this lab's token; creating it", key)
        _ensure_admin(state, db_name=template.name)
        if not _has_lab_token(state, template):
            raise LabError(f"the lab API token is missing from {template.name} after creating it")
    _postgres.set_database_comment(template, _loaded_marker(state, key))
    _drop_stale_templates(db)


def save_loaded(key: str) -> Path:
    """Snapshot the served NetBox, which must hold exactly the dataset of key (call it right
    after a successful full apply onto an emptied NetBox); return the cached file.
    Older snapshots beyond `snapshot.KEEP_PER_VERSION` per NetBox version are deleted."""
    snapshot.check_key(key)
    with _locked():
        t0 = time.monotonic()
        state, db = _prepared()
        path = snapshot.snapshot_path(key)
        _postgres.dump(db, path)
        snapshot.prune()  # before the template: the fill drops the templates of pruned files
        _fill_loaded_template(state, db, key)
        log.info("saved the loaded NetBox as %s (%.1f s)", path, time.monotonic() - t0)
        return path


def restore_loaded(key: str) -> bool:
    """Replace the served database by the loaded snapshot of key: a template copy (seconds),
    the template first refilled from the cached dump when it holds another key or token.
    False (nothing changed) when there is no snapshot for key."""
    snapshot.check_key(key)
    with _locked():
        state, db = _prepared()
        template, path = _loaded(db, key), snapshot.locate(key)
        if _postgres.database_comment(template) != _loaded_marker(state, key):
            if path is None:
                return False
            _fill_loaded_template(state, db, key)
        _postgres.recreate_database(db, template=template.name)
        _postgres.set_database_comment(db, _db_marker())
        _flush_cache()
        if path is not None and path.parent == snapshot.snapshot_dir():
            snapshot.mark_used(path)
        return True


# A lab's secrets, removed from a dump bound for the repo: API tokens, sessions and password
# hashes (the user rows stay, unusable for login, so change-log authors keep their names).
_STRIP_SECRETS = (
    "DELETE FROM users_token;DELETE FROM django_session;UPDATE users_user SET password = '!';"
)


def commit_baseline(key: str) -> list[Path]:
    """Write the loaded snapshot of key and the migrated dump into the repo's
    `netbox/snapshots/` (the baselines a fresh machine starts from), users, tokens and
    sessions removed; older baselines of the same NetBox version are deleted. Returns the
    files written."""
    version = snapshot.check_key(key)[0]
    source = snapshot.snapshot_path(key)
    with _locked():
        _, db = _prepared()
        if not source.is_file():
            raise LabError(
                f"no cached snapshot for {key}: run `sharpeyes lab reset netbox --loaded`"
            )
        scratch = replace(db, name=f"{db.name}_export")
        target = snapshot.committed_dir() / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        written = []
        try:
            for src, dst in ((source, target), (dump_path(), snapshot.committed_migrated())):
                if src == dump_path() and not src.is_file():
                    continue  # migrated from the repo's own copy: nothing newer to write
                _postgres.recreate_database(scratch)
                _postgres.restore(scratch, src)
                if src == source:
                    _postgres.admin_sql(_STRIP_SECRETS, database=scratch.name)
                _postgres.dump(scratch, dst)
                dst.chmod(0o644)  # no secrets left: readable like any repo file
                written.append(dst)
        finally:
            _postgres.drop_database(scratch)
        for other, path in snapshot.committed():
            if other != key and snapshot.check_key(other)[0] == version:
                path.unlink()
        return written
