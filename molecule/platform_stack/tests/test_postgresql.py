"""Behaviour of the postgresql role: the platform user's password opens its database over TCP from
the allowed address only; the replica streams from the primary and serves the rows written there;
the memory settings follow the host's memory; a dump runs and restores; bad input is refused."""

from __future__ import annotations

import time
import uuid

import pytest
import testinfra.utils.ansible_runner
from conftest import INVENTORY, PRIMARY, REPLICA, address, run_playbook, secret

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(INVENTORY).get_hosts(PRIMARY)

DUMP_DIR = "/srv/backup/postgresql"  # postgresql_dump_dir of molecule.yml
# A negative run is limited to one host, so the other's facts (which the scenario's access rules
# read) are missing: the runs give their own.
NEGATIVE_BASE = {
    "platform_stack_role": "postgresql",
    "postgresql_hba_entries": [],
    "postgresql_replication_prefixes": [],
}


def _psql_tcp(client, server_address: str, sql: str, password: str) -> object:
    """psql as the platform user over TCP, from `client` to `server_address`."""
    return client.run(
        "PGPASSWORD=%s psql %s --no-psqlrc --tuples-only --no-align --command=%s",
        password,
        f"host={server_address} port=5432 dbname=platform user=platform connect_timeout=5",
        sql,
    )


def _psql_local(host, sql: str, database: str = "postgres") -> str:
    """psql as postgres over the Unix socket (peer authentication)."""
    return host.check_output(
        "runuser -u postgres -- psql --no-psqlrc --tuples-only --no-align --dbname=%s --command=%s",
        database,
        sql,
    ).strip()


def _setting_mb(host, name: str) -> int:
    return int(
        _psql_local(
            host,
            "SELECT setting::bigint * pg_size_bytes(coalesce(nullif(unit, ''), '1B')) / 1048576 "
            f"FROM pg_settings WHERE name = '{name}'",
        )
    )


def test_clusters_run(primary, replica):
    for host in (primary, replica):
        service = host.service("postgresql@15-main")
        assert service.is_running
        assert service.is_enabled


def test_platform_user_queries_over_tcp_with_its_password(primary, replica):
    answer = _psql_tcp(
        replica,
        address(primary),
        "SELECT current_user || ' ' || version()",
        secret("platform_db_password"),
    )
    assert answer.rc == 0, answer.stderr
    assert answer.stdout.startswith("platform PostgreSQL 15.")


def test_wrong_password_is_refused(primary, replica):
    answer = _psql_tcp(replica, address(primary), "SELECT 1", "not-the-password")
    assert answer.rc == 2
    assert 'password authentication failed for user "platform"' in answer.stderr


def test_unlisted_address_is_refused(primary):
    # The primary's own network address is in no postgresql_hba_entries prefix.
    own = address(primary)
    answer = _psql_tcp(primary, own, "SELECT 1", secret("platform_db_password"))
    assert answer.rc == 2
    assert f'no pg_hba.conf entry for host "{own}", user "platform", database "platform"' in (
        answer.stderr
    )


def test_memory_settings_follow_the_memory(primary, replica):
    memtotal_mb = int(primary.check_output("awk '/^MemTotal:/ {print $2}' /proc/meminfo")) // 1024
    assert _setting_mb(primary, "shared_buffers") == memtotal_mb * 25 // 100
    assert _setting_mb(primary, "effective_cache_size") == memtotal_mb * 75 // 100
    # The replica sizes itself from postgresql_memory_mb: 2048 (molecule.yml).
    assert _setting_mb(replica, "shared_buffers") == 512
    assert _setting_mb(replica, "effective_cache_size") == 1536
    source = _psql_local(
        primary, "SELECT sourcefile FROM pg_settings WHERE name = 'shared_buffers'"
    )
    assert source == "/etc/postgresql/15/main/conf.d/50-sharpeyes.conf"


def test_replica_streams_from_the_primary(primary, replica):
    senders = _psql_local(primary, "SELECT application_name, state FROM pg_stat_replication")
    assert senders == f"{REPLICA}|streaming"
    assert _psql_local(replica, "SELECT pg_is_in_recovery()") == "t"
    assert _psql_local(replica, "SELECT status FROM pg_stat_wal_receiver") == "streaming"


def test_row_written_on_the_primary_is_read_on_the_replica(primary, replica):
    marker = uuid.uuid4().hex
    password = secret("platform_db_password")
    written = _psql_tcp(
        primary,
        "127.0.0.1",
        f"CREATE TABLE IF NOT EXISTS probe (marker text); INSERT INTO probe VALUES ('{marker}')",
        password,
    )
    assert written.rc == 0, written.stderr
    query = f"SELECT count(*) FROM probe WHERE marker = '{marker}'"
    deadline = time.monotonic() + 15
    while _psql_local(replica, query, "platform") != "1":
        assert time.monotonic() < deadline, "the row did not reach the replica in 15 s"
        time.sleep(0.5)
    refused = replica.run(
        "runuser -u postgres -- psql --no-psqlrc --dbname=platform --command=%s",
        f"INSERT INTO probe VALUES ('{marker}')",
    )
    assert refused.rc != 0
    assert "cannot execute INSERT in a read-only transaction" in refused.stderr


def test_scheduled_dump_restores(primary):
    assert primary.service("sharpeyes-postgresql-dump.timer").is_running
    assert primary.service("sharpeyes-postgresql-dump.timer").is_enabled
    _psql_local(primary, "CREATE TABLE IF NOT EXISTS dump_probe (id int)", "platform")
    started = primary.run("systemctl start sharpeyes-postgresql-dump.service")
    assert started.rc == 0, started.stderr
    newest = primary.check_output("ls -t %s/platform-*.dump | head -n 1", DUMP_DIR)
    listing = primary.check_output("pg_restore --list %s", newest)
    assert "TABLE public dump_probe" in listing
    globals_dump = primary.check_output("ls -t %s/globals-*.sql | head -n 1", DUMP_DIR)
    assert "CREATE ROLE platform;" in primary.file(globals_dump).content_string
    assert primary.file(DUMP_DIR).mode == 0o700
    assert primary.file(newest).user == "postgres"


def test_arguments_are_validated(host):
    rc, output = run_playbook(host, "arguments.yml", "postgresql", local=True)
    assert rc == 0, output
    assert "rescued=2" in output


@pytest.mark.parametrize(
    ("extra_vars", "message"),
    [
        (
            {"postgresql_hba_entries": [{"address": "192.0.2.1"}]},
            "postgresql: postgresql_hba_entries addresses and postgresql_replication_prefixes "
            "must be networks in CIDR notation; invalid: 192.0.2.1.",
        ),
        (
            {
                "postgresql_replication_password": "",
                "postgresql_replication_prefixes": ["192.0.2.0/24"],
            },
            "postgresql: postgresql_replica_of or postgresql_replication_prefixes is set but "
            "postgresql_replication_password is empty; give it from the vault.",
        ),
    ],
    ids=["address-not-cidr", "replication-without-password"],
)
def test_cross_field_rules_stop_before_any_change(host, extra_vars, message):
    before = host.file("/etc/postgresql/15/main/pg_hba.conf").sha256sum
    rc, output = run_playbook(host, "negative.yml", extra_vars={**NEGATIVE_BASE, **extra_vars})
    assert rc == 2, output
    assert message in output
    assert "changed=0" in output
    assert host.file("/etc/postgresql/15/main/pg_hba.conf").sha256sum == before


def test_a_primary_is_never_overwritten_as_a_replica(host):
    rc, output = run_playbook(
        host,
        "negative.yml",
        extra_vars={**NEGATIVE_BASE, "postgresql_replica_of": "192.0.2.5"},
    )
    assert rc == 2, output
    assert (
        f"postgresql: refusing to make {PRIMARY} a replica of 192.0.2.5: "
        "/var/lib/postgresql/15/main holds a cluster that is not a standby (no standby.signal)"
    ) in output
    assert "changed=0" in output
    assert host.service("postgresql@15-main").is_running
    assert _psql_local(host, "SELECT pg_is_in_recovery()") == "f"
