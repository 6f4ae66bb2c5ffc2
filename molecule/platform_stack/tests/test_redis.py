"""Behaviour of the redis role: PING, SET and GET answered over the network with the password and
refused without it; the memory limit is live; a configuration redis-server rejects never reaches
the host; bad input is refused."""

from __future__ import annotations

import uuid

import testinfra.utils.ansible_runner
from conftest import INVENTORY, PRIMARY, address, run_playbook, secret

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(INVENTORY).get_hosts(PRIMARY)

CONF = "/etc/redis/redis.conf"


def _cli(client, server_address: str, *command: str, password: str | None = None) -> object:
    auth = ["-a", password, "--no-auth-warning"] if password is not None else []
    args = ["redis-cli", "-h", server_address, "-p", "6379", *auth, *command]
    return client.run(" ".join("%s" for _ in args), *args)


def test_redis_runs(primary, replica):
    for host in (primary, replica):
        assert host.service("redis-server").is_running
        assert host.service("redis-server").is_enabled


def test_ping_set_get_with_the_password(primary, replica):
    password = secret("redis_password")
    server = address(primary)
    assert _cli(replica, server, "PING", password=password).stdout.strip() == "PONG"
    value = uuid.uuid4().hex
    assert (
        _cli(replica, server, "SET", "platform:probe", value, password=password).stdout.strip()
        == "OK"
    )
    assert _cli(replica, server, "GET", "platform:probe", password=password).stdout.strip() == value


def test_refused_without_the_password(primary, replica):
    server = address(primary)
    assert "NOAUTH Authentication required" in _cli(replica, server, "PING").stdout
    wrong = _cli(replica, server, "PING", password="not-the-password")
    assert "AUTH failed: WRONGPASS invalid username-password pair" in wrong.stderr
    assert "NOAUTH Authentication required" in wrong.stdout


def test_memory_limit_is_live(host):
    password = secret("redis_password")
    limit = _cli(host, "127.0.0.1", "CONFIG", "GET", "maxmemory", password=password).stdout.split()
    policy = _cli(host, "127.0.0.1", "CONFIG", "GET", "maxmemory-policy", password=password)
    assert limit == ["maxmemory", str(64 * 1024 * 1024)]
    assert policy.stdout.split() == ["maxmemory-policy", "allkeys-lru"]


def test_arguments_are_validated(host):
    rc, output = run_playbook(host, "arguments.yml", "redis", local=True)
    assert rc == 0, output
    assert "rescued=2" in output


def test_a_directive_redis_rejects_never_reaches_the_host(host):
    before = host.file(CONF).sha256sum
    rc, output = run_playbook(
        host,
        "negative.yml",
        extra_vars={
            "platform_stack_role": "redis",
            "redis_bind": ["127.0.0.1", address(host)],
            "redis_extra_directives": ["bogus-directive yes"],
        },
    )
    assert rc == 2, output
    assert "failed to validate" in output
    assert "Bad directive or wrong number of arguments" in output  # redis-server's own message
    assert "changed=0" in output
    assert host.file(CONF).sha256sum == before
    assert host.service("redis-server").is_running


def test_a_password_is_required_beyond_the_loopback(host):
    rc, output = run_playbook(
        host,
        "negative.yml",
        extra_vars={
            "platform_stack_role": "redis",
            "redis_bind": ["127.0.0.1", "192.0.2.10"],
            "redis_password": "",
        },
    )
    assert rc == 2, output
    assert (
        "redis: redis_bind lists 192.0.2.10 but redis_password is empty; give a password "
        "from the vault."
    ) in output
    assert "changed=0" in output
