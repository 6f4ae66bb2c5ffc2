"""The video platform on the lab servers (issue 14): playbooks/platform.yml deploys the fixture
packages (TEST FIXTURES, tests/fixtures/platform) from the signed repository the management server
serves; SIP OPTIONS and HTTP health answer on every platform node; a second run changes nothing;
bad NetBox input stops the play before any change; a rolling upgrade 1.0 -> 2.0 goes node by node;
an upgrade to the unhealthy 3.0 stops at the first node, rolled back to 2.0, while a SIP probe sees
no gap on the other nodes. One deployment is shared by the tests, in file order."""

from __future__ import annotations

import json
import secrets
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pynetbox  # type: ignore[import-untyped]
import pytest
import yaml

from sharpeyes.lab.demo import LAB_INVENTORY
from sharpeyes.paths import repo_root
from sharpeyes.playbook import PlaybookFailed, PlaybookResult, run_playbook

pytestmark = pytest.mark.e2e

sys.path.insert(0, str(repo_root() / "tests/fixtures/platform"))
import build as fixture_build  # noqa: E402  (tests/fixtures/platform/build.py)

PACKAGE = fixture_build.PACKAGE
SIP_NODES = [f"qxdc-vc0{n}" for n in range(1, 8)]  # platform_duty sip, media-* in the dataset
OTHER_NODES = ["qxdc-vc08", "qxdc-vc09", "qxdc-vc10"]  # database, management
SIP_PORT = 5060
DB_PASSWORD = "lab-only-db-secret"  # lab-only values, as the vault would hold them
REDIS_PASSWORD = "lab-only-redis-secret"
HTTP_PORT = 8080
SHARPEYES = str(Path(sys.executable).parent / "sharpeyes")
INSPECT_IP = "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}"


def _vars(repo: Path, version: str) -> dict[str, Any]:
    """The delivery's package list as the playbooks take it (a fixture is just a package)."""
    return {
        "sharpeyes_platform_packages": [
            {
                "name": PACKAGE,
                "version": version,
                "service": PACKAGE,
                "config": f"/etc/{PACKAGE}/platform.conf",
            }
        ],
        "video_platform_repo_dir": str(repo),
        "video_platform_sip_password": "lab-only-sip-secret",
        "sharpeyes_platform_db_password": DB_PASSWORD,
        "sharpeyes_platform_replication_password": "lab-only-replication-secret",
        "sharpeyes_platform_redis_password": REDIS_PASSWORD,
    }


@dataclass
class Delivery:
    repo: Path
    vars_files: dict[str, Path]


@pytest.fixture(scope="module")
def delivery(lab_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Delivery:
    """The fixture .debs 1.0, 2.0, 3.0 published as a signed repository on the controller."""
    tmp = tmp_path_factory.mktemp("platform")
    fixture_build.build(tmp / "delivery")
    repo = tmp / "repo"
    subprocess.run(
        [SHARPEYES, "artifacts", "publish", str(tmp / "delivery"), "--repo", str(repo)],
        env=lab_env,
        check=True,
        capture_output=True,
    )
    files = {}
    for version in ("1.0", "2.0", "3.0"):
        files[version] = tmp / f"v{version}.yml"
        files[version].write_text(yaml.safe_dump(_vars(repo, version)))
    return Delivery(repo, files)


def _play(env: dict[str, str], playbook: str, *extra: str) -> PlaybookResult:
    return run_playbook(
        f"playbooks/{playbook}", *LAB_INVENTORY, *extra, env=env, cwd=repo_root(), timeout=900
    )


@pytest.fixture(scope="module")
def deployed(lab_env: dict[str, str], delivery: Delivery) -> PlaybookResult:
    """platform.yml with version 1.0: one deployment for the checks below."""
    return _play(lab_env, "platform.yml", "--flush-cache", "-e", f"@{delivery.vars_files['1.0']}")


def _address(name: str) -> str:
    """The container's address on the Docker bridge (the controller reaches it directly)."""
    out = subprocess.run(
        ["docker", "inspect", "-f", INSPECT_IP, name],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def sip_options(host: str, timeout: float = 1.0) -> tuple[int, str]:
    """(status, Server header) of one SIP OPTIONS over UDP; (0, why) without an answer."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect((host, SIP_PORT))
            local = "{}:{}".format(*sock.getsockname())
            request = (
                f"OPTIONS sip:{host}:{SIP_PORT} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP {local};branch=z9hG4bK{secrets.token_hex(8)}\r\n"
                f"From: <sip:probe@{local}>;tag={secrets.token_hex(4)}\r\n"
                f"To: <sip:{host}:{SIP_PORT}>\r\nCall-ID: {secrets.token_hex(12)}\r\n"
                "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
            )
            sock.send(request.encode())
            data = sock.recv(65535).decode(errors="replace")
        except OSError as exc:
            return 0, str(exc) or type(exc).__name__
    lines = data.split("\r\n")
    status = lines[0].split(" ")
    server = next(
        (x.split(":", 1)[1].strip() for x in lines if x.lower().startswith("server:")), ""
    )
    return (int(status[1]) if len(status) > 1 and status[1].isdigit() else 0), server


def health(host: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"http://{host}:{HTTP_PORT}/health", timeout=3) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")
    except OSError as exc:
        return 0, {"error": str(exc)}


def _exec(name: str, *argv: str) -> str:
    out = subprocess.run(
        ["docker", "exec", name, *argv], capture_output=True, text=True, check=False
    )
    return out.stdout.strip()


def installed(name: str) -> str:
    return _exec(name, "dpkg-query", "-W", "-f=${Version}", PACKAGE)


@dataclass
class Probe:
    """SIP OPTIONS to each node every `interval` seconds while the block runs: the failures."""

    nodes: list[str]
    interval: float = 0.25
    failures: dict[str, list[float]] = field(default_factory=dict)
    rounds: list[set[str]] = field(default_factory=list)  # the nodes that missed, per round
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        addresses = {n: _address(n) for n in self.nodes}
        while not self._stop.is_set():
            missed = set()
            for node, address in addresses.items():
                if sip_options(address, timeout=1.0)[0] != 200:
                    missed.add(node)
                    self.failures.setdefault(node, []).append(time.monotonic())
            self.rounds.append(missed)
            self._stop.wait(self.interval)

    def __enter__(self) -> Probe:
        self._thread = threading.Thread(target=self.run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def _api(env: dict[str, str]) -> Any:
    return pynetbox.api(env["NETBOX_API"], token=env["NETBOX_TOKEN"])


def journal(env: dict[str, str], since: int) -> dict[str, list[Any]]:
    """Journal entries of the video servers newer than id `since`, by device name, oldest first."""
    api = _api(env)
    devices = api.dcim.devices.filter(name=SIP_NODES + OTHER_NODES, brief=True)
    names = {d.id: d.name for d in devices}
    out: dict[str, list[Any]] = {}
    for entry in api.extras.journal_entries.filter(
        assigned_object_type="dcim.device", id__gt=since
    ):
        if entry.assigned_object_id in names:
            out.setdefault(names[entry.assigned_object_id], []).append(entry)
    return {k: sorted(v, key=lambda e: e.id) for k, v in out.items()}


def last_journal_id(env: dict[str, str]) -> int:
    entries = list(_api(env).extras.journal_entries.filter(ordering="-id", limit=1))
    return int(entries[0].id) if entries else 0


def test_platform_deploys_and_answers_sip_and_http(deployed: PlaybookResult) -> None:
    assert set(SIP_NODES) <= set(deployed.recap)
    for node in SIP_NODES:
        address = _address(node)
        status, server = sip_options(address)
        assert status == 200, f"{node}: SIP OPTIONS answered {status} {server}"
        assert "platform/1.0" in server
        assert health(address) == (200, {"status": "ok", "version": "1.0"}), node
    for node in OTHER_NODES:  # database and management servers get no platform service
        assert sip_options(_address(node), timeout=0.5)[0] == 0, node
        assert installed(node) == ""


def test_configuration_comes_from_netbox(deployed: PlaybookResult) -> None:
    conf = _exec("qxdc-vc03", "cat", f"/etc/{PACKAGE}/platform.conf")
    # the video-platform config context and vc03's custom fields (media-distribution, type 202)
    for line in (
        "server_id = 44180300002000000001",
        "domain = 4418030000",
        "node_id = 44180300002020000001",
        "distribution_ids = 44180300002020000001,44180300002020000002,44180300002020000003",
        "storage_ids = 44180300002100000001,44180300002100000002",
        "port_min = 30000",
        "port_max = 31999",
        "host = 10.44.1.18",  # database and Redis: qxdc-vc08 (platform_duty database)
        "path = /srv/video/video0/platform",
        "retention_days = 30",
    ):
        assert line in conf.splitlines(), f"{line!r} not in\n{conf}"
    status = json.loads(_exec("qxdc-vc03", "cat", "/srv/video/video0/platform/status.json"))
    assert status["version"] == "1.0"  # the service writes to its storage path


def test_database_cache_and_web_front_on_their_servers(deployed: PlaybookResult) -> None:
    """The management plays: PostgreSQL on vc08 streams to its replica vc09 and answers the
    platform user over TCP; Redis asks for its password; nginx on vc10 serves TLS in front of
    the repository it serves."""
    primary, replica = _address("qxdc-vc08"), _address("qxdc-vc09")
    psql = ["sudo", "-u", "postgres", "psql", "-tAc"]
    replicas = _exec("qxdc-vc08", *psql, "SELECT client_addr, state FROM pg_stat_replication")
    assert replicas == f"{replica}|streaming"
    assert _exec("qxdc-vc09", *psql, "SELECT pg_is_in_recovery()") == "t"
    query = ["env", f"PGPASSWORD={DB_PASSWORD}", "psql", "-tA", "-h", primary]
    answer = _exec("qxdc-vc09", *query, "-U", "video_platform", "video_platform", "-c", "SELECT 1")
    assert answer == "1"
    for node in ("qxdc-vc08", "qxdc-vc09"):
        cli = ["redis-cli", "-h", _address(node)]
        assert _exec(node, *cli, "--no-auth-warning", "-a", REDIS_PASSWORD, "PING") == "PONG"
        assert _exec(node, *cli, "PING").startswith("NOAUTH"), node
    lab_tls = ssl.create_default_context()
    lab_tls.check_hostname = False
    lab_tls.verify_mode = ssl.CERT_NONE  # the lab's generated certificate; production's from vault
    url = f"https://{_address('qxdc-vc10')}/sharpeyes/dists/sharpeyes/InRelease"
    with urllib.request.urlopen(url, context=lab_tls, timeout=10) as reply:
        assert reply.status == 200
        assert b"BEGIN PGP SIGNED MESSAGE" in reply.read()


def test_second_run_changes_nothing(
    lab_env: dict[str, str], delivery: Delivery, deployed: PlaybookResult
) -> None:
    again = _play(lab_env, "platform.yml", "-e", f"@{delivery.vars_files['1.0']}")
    assert {h: r.changed for h, r in again.recap.items()} == dict.fromkeys(again.recap, 0)


# One run, three faults on three hosts: every host's problems are reported by the same task, and
# any_errors_fatal stops the run there, before any play changes anything.
BAD_INPUT = {
    "video_platform_sip_server_id": (
        "{{ '' if inventory_hostname == 'qxdc-vc01' else sharpeyes_gb28181.sip_server_id }}"
    ),
    "video_platform_node_id": (
        "{{ '44180300002000000009' if inventory_hostname == 'qxdc-vc03'"
        " else custom_fields.gb28181_id }}"
    ),
    "video_platform_storage_path": (
        "{{ '/var/lib/platform' if inventory_hostname == 'qxdc-vc06'"
        " else '/srv/video/video0/platform' }}"
    ),
}


@pytest.fixture(scope="module")
def bad_run(
    lab_env: dict[str, str], delivery: Delivery, deployed: PlaybookResult
) -> PlaybookResult:
    before = {n: _exec(n, "md5sum", f"/etc/{PACKAGE}/platform.conf") for n in SIP_NODES}
    with pytest.raises(PlaybookFailed) as failed:
        _play(
            lab_env,
            "platform.yml",
            "-e",
            f"@{delivery.vars_files['1.0']}",
            "-e",
            json.dumps(BAD_INPUT),
        )
    after = {n: _exec(n, "md5sum", f"/etc/{PACKAGE}/platform.conf") for n in SIP_NODES}
    assert after == before
    return failed.value.result


@pytest.mark.parametrize(
    ("host", "message"),
    [
        (
            "qxdc-vc01",
            "qxdc-vc01: video_platform_sip_server_id (NetBox config context video-platform,"
            ' sharpeyes_gb28181.sip_server_id) "": missing',
        ),
        (
            "qxdc-vc03",
            "qxdc-vc03: video_platform_node_id (NetBox custom field gb28181_id)"
            ' "44180300002000000009" of duty "media-distribution" (custom field platform_duty):'
            " type code 200, expected 202",
        ),
        (
            "qxdc-vc06",
            'qxdc-vc06: video_platform_storage_path "/var/lib/platform": not on a RAID volume',
        ),
    ],
    ids=["missing-sip-id", "wrong-type-code", "storage-off-raid"],
)
def test_bad_input_stops_before_any_change(
    bad_run: PlaybookResult, host: str, message: str
) -> None:
    assert message in " ".join(bad_run.output.split()), bad_run.tail(60)
    assert host in bad_run.failed_hosts
    # stopped in the validation play: no host changed anything, the management server included
    assert {h: r.changed for h, r in bad_run.recap.items()} == dict.fromkeys(bad_run.recap, 0)
    assert "Serve the vendor repository" not in bad_run.output


def test_rolling_upgrade_to_2_0_node_by_node(
    lab_env: dict[str, str], delivery: Delivery, deployed: PlaybookResult
) -> None:
    since = last_journal_id(lab_env)
    with Probe(SIP_NODES) as probe:
        _play(lab_env, "upgrade-platform.yml", "-e", f"@{delivery.vars_files['2.0']}")
    assert {n: installed(n) for n in SIP_NODES} == dict.fromkeys(SIP_NODES, "2.0")
    for node in SIP_NODES:
        assert health(_address(node)) == (200, {"status": "ok", "version": "2.0"}), node
    entries = journal(lab_env, since)
    assert sorted(entries) == SIP_NODES
    for node in SIP_NODES:
        (entry,) = entries[node]
        assert f"{PACKAGE} 2.0 (was {PACKAGE} 1.0)" in entry.comments
    # node by node, in name order: the journal entries were written in that order
    assert [entries[n][0].id for n in SIP_NODES] == sorted(entries[n][0].id for n in SIP_NODES)
    # never two nodes down at once: the platform kept answering SIP throughout
    assert probe.rounds, "the probe never ran"
    assert max(len(missed) for missed in probe.rounds) <= 1, probe.failures


def test_unhealthy_3_0_stops_at_the_first_node_and_rolls_back(
    lab_env: dict[str, str], delivery: Delivery, deployed: PlaybookResult
) -> None:
    since = last_journal_id(lab_env)
    first, others = SIP_NODES[0], SIP_NODES[1:]
    with Probe(others) as probe, pytest.raises(PlaybookFailed) as failed:
        # a shorter gate than the role's default (10 x 2 s): 3.0 fails it whatever the wait
        _play(
            lab_env,
            "upgrade-platform.yml",
            "-e",
            f"@{delivery.vars_files['3.0']}",
            "-e",
            '{"video_platform_health_retries": 4, "video_platform_health_delay": 1}',
        )
    result = failed.value.result
    assert result.failed_hosts == [first]
    assert "the upgrade stops here" in result.output
    assert {n: installed(n) for n in SIP_NODES} == dict.fromkeys(SIP_NODES, "2.0")
    assert health(_address(first)) == (200, {"status": "ok", "version": "2.0"})
    entries = journal(lab_env, since)
    assert sorted(entries) == [first]  # the nodes after it were never touched
    (entry,) = entries[first]
    assert entry.kind.value == "warning"
    assert f"upgrade to {PACKAGE} 3.0 failed its health gate" in entry.comments
    assert f"rolled back to {PACKAGE} 2.0" in entry.comments
    assert probe.rounds, "the probe never ran"
    assert probe.failures == {}, f"SIP gaps on nodes not being upgraded: {probe.failures}"
