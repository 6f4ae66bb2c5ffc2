"""Debian's PostgreSQL cluster for the lab NetBox: start/stop, role + database, dump/restore.

Administration runs as the `postgres` OS user over the local socket (peer auth); NetBox and the
dump/restore tools connect as the lab role over TCP on 127.0.0.1 with its password.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sharpeyes.errors import LabError
from sharpeyes.lab import _proc

log = logging.getLogger(__name__)

CLUSTER_NAME = "main"


def cluster_version() -> str:
    """Debian cluster version (SHARPEYES_PG_VERSION, default 15)."""
    return os.environ.get("SHARPEYES_PG_VERSION", "15")


def cluster_name() -> str:
    return f"{cluster_version()}/{CLUSTER_NAME}"


@dataclass(frozen=True)
class Database:
    name: str
    role: str
    password: str
    host: str = "127.0.0.1"
    port: int = 5432

    def env(self) -> dict[str, str]:
        """Environment for libpq tools connecting as the lab role (password never in argv)."""
        return {
            **os.environ,
            "PGHOST": self.host,
            "PGPORT": str(self.port),
            "PGUSER": self.role,
            "PGPASSWORD": self.password,
            "PGDATABASE": self.name,
        }


def _require_tools() -> None:
    for tool in ("pg_ctlcluster", "pg_lsclusters", "psql", "runuser"):
        if shutil.which(tool) is None:
            raise LabError(
                f"PostgreSQL tool {tool} not found",
                hint="apt-get install postgresql (Debian's cluster 15/main is used)",
            )


def cluster_port() -> int:
    """The port of the lab cluster, from pg_lsclusters (5432 when it cannot tell)."""
    proc = _proc.run(["pg_lsclusters", "--no-header"], what="pg_lsclusters", timeout=30)
    for line in proc.stdout.splitlines():
        fields = line.split()
        if fields[:2] == [cluster_version(), CLUSTER_NAME] and fields[2].isdigit():
            return int(fields[2])
    raise LabError(
        f"PostgreSQL cluster {cluster_name()} does not exist",
        hint=f"pg_createcluster {cluster_version()} {CLUSTER_NAME}",
    )


def cluster_online() -> bool:
    _require_tools()
    proc = subprocess.run(
        ["pg_ctlcluster", cluster_version(), CLUSTER_NAME, "status"],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.returncode == 0


def start_cluster() -> bool:
    """Start the cluster unless it is online; True when this call started it."""
    if cluster_online():
        return False
    log.info("starting PostgreSQL %s", cluster_name())
    proc = subprocess.run(
        ["pg_ctlcluster", cluster_version(), CLUSTER_NAME, "start"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if proc.returncode != 0:
        raise LabError(
            f"PostgreSQL {cluster_name()} failed to start: "
            f"{_proc.tail(proc.stderr or proc.stdout)}",
            hint=f"see /var/log/postgresql/postgresql-{cluster_version()}-{CLUSTER_NAME}.log",
        )
    return True


def stop_cluster() -> None:
    if cluster_online():
        _proc.run(
            ["pg_ctlcluster", cluster_version(), CLUSTER_NAME, "stop", "-m", "fast"],
            what="stopping PostgreSQL",
            timeout=120,
        )


def admin_sql(sql: str, *, database: str = "postgres") -> str:
    """Run SQL as the postgres superuser (stdin, so secrets stay out of argv); return stdout."""
    proc = _proc.run(
        [
            "runuser", "-u", "postgres", "--",
            "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", database,
        ],
        what="PostgreSQL administration",
        env={k: v for k, v in os.environ.items() if not k.startswith("PG")},
        stdin=sql,
        timeout=300,
    )  # fmt: skip
    return proc.stdout.strip()


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise LabError(f"unsafe PostgreSQL identifier {name!r}")
    return f'"{name}"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def ensure_role_and_database(db: Database) -> None:
    """Create the role (or reset its password) and the database, both idempotently."""
    role, name = _ident(db.role), _ident(db.name)
    exists = admin_sql(f"SELECT 1 FROM pg_roles WHERE rolname = {literal(db.role)};")
    verb = "ALTER" if exists == "1" else "CREATE"
    admin_sql(f"{verb} ROLE {role} LOGIN PASSWORD {literal(db.password)};")
    if admin_sql(f"SELECT 1 FROM pg_database WHERE datname = {literal(db.name)};") != "1":
        admin_sql(f"CREATE DATABASE {name} OWNER {role};")


def database_comment(db: Database) -> str:
    """The comment on the database ('' when none or the database is missing)."""
    return admin_sql(
        "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database "
        f"WHERE datname = {literal(db.name)};"
    )


def set_database_comment(db: Database, comment: str) -> None:
    admin_sql(f"COMMENT ON DATABASE {_ident(db.name)} IS {literal(comment)};")


def recreate_database(db: Database, template: str | None = None) -> None:
    """Drop the database (closing its connections) and create it, empty or as a template copy."""
    name = _ident(db.name)
    copy = f" TEMPLATE {_ident(template)} STRATEGY FILE_COPY" if template else ""
    admin_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE);")
    admin_sql(f"CREATE DATABASE {name} OWNER {_ident(db.role)}{copy};")


def drop_database(db: Database) -> None:
    admin_sql(f"DROP DATABASE IF EXISTS {_ident(db.name)} WITH (FORCE);")


def dump(db: Database, target: Path) -> None:
    """pg_dump (custom format) to target atomically: a temporary file, then a rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        _proc.run(
            ["pg_dump", "-Fc", "--no-owner", "--no-acl", "-f", str(tmp)],
            what=f"pg_dump of {db.name}",
            env=db.env(),
        )
        tmp.chmod(0o600)  # a loaded snapshot holds the lab's user and token digests
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def restore(db: Database, source: Path) -> None:
    """Restore a dump into the (empty) database as the lab role."""
    _proc.run(
        ["pg_restore", "--no-owner", "--no-acl", "--exit-on-error", "-d", db.name, str(source)],
        what=f"pg_restore of {source.name}",
        env=db.env(),
    )
