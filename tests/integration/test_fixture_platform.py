"""The fixture vendor service (tests/fixtures/platform/package/service.py), run from source with
python on 127.0.0.1 with ports chosen by the kernel (never installed): SIP OPTIONS over UDP and
TCP, a digest-authenticated REGISTER (401 challenge, 200, a wrong password 403), GET /health and
its storage path. Needs no NetBox."""

from __future__ import annotations

import hashlib
import json
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

SERVICE = Path(__file__).resolve().parents[1] / "fixtures/platform/package/service.py"
SERVER_ID = "34020000002000000001"
DOMAIN = "3402000000"
PASSWORD = "fixture-secret"


def start(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[bytes], dict[str, int], Path]:
    storage = tmp_path / "storage"
    config = tmp_path / "platform.conf"
    config.write_text(
        f"[sip]\nserver_id = {SERVER_ID}\ndomain = {DOMAIN}\npassword = {PASSWORD}\n"
        "bind = 127.0.0.1\nport = 0\n[http]\nport = 0\n"
        f"[storage]\npath = {storage}\n"
    )
    proc = subprocess.Popen([sys.executable, str(SERVICE), "--config", str(config), *extra])
    status = storage / "status.json"
    deadline = time.monotonic() + 10
    while not status.is_file():
        assert proc.poll() is None, "the fixture service exited"
        assert time.monotonic() < deadline, "the fixture service wrote no status.json"
        time.sleep(0.05)
    return proc, json.loads(status.read_text()), storage


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[dict[str, int], Path]]:
    proc, ports, storage = start(tmp_path, "--version", "2.0")
    yield ports, storage
    proc.terminate()
    proc.wait(timeout=5)


def request(method: str, port: int, transport: str, extra: str = "", cseq: int = 1) -> str:
    uri = f"sip:{SERVER_ID}@{DOMAIN}"
    message = (
        f"{method} {uri} SIP/2.0\r\n"
        f"Via: SIP/2.0/{transport} 127.0.0.1:5999;branch=z9hG4bK{cseq}x\r\n"
        f"From: <sip:34020000001320000001@{DOMAIN}>;tag=abc\r\n"
        f"To: <sip:34020000001320000001@{DOMAIN}>\r\n"
        f"Call-ID: test-{method}@127.0.0.1\r\nCSeq: {cseq} {method}\r\nMax-Forwards: 70\r\n"
        f"{extra}Content-Length: 0\r\n\r\n"
    ).encode()
    if transport == "UDP":
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(5)
            sock.sendto(message, ("127.0.0.1", port))
            return sock.recv(65535).decode()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(message)
        data = b""
        while not data.endswith(b"\r\n\r\n"):
            data += sock.recv(65535)
        return data.decode()


@pytest.mark.parametrize("transport", ["UDP", "TCP"])
def test_options_answered_200(service: tuple[dict[str, int], Path], transport: str) -> None:
    ports, _ = service
    answer = request("OPTIONS", ports[f"sip_{transport.lower()}"], transport)
    assert answer.startswith("SIP/2.0 200 OK\r\n"), answer
    assert f"Via: SIP/2.0/{transport} 127.0.0.1:5999;branch=z9hG4bK1x" in answer
    assert "CSeq: 1 OPTIONS" in answer


def digest(challenge: str, password: str) -> str:
    params = dict(re.findall(r'(\w+)="?([^",]+)"?', challenge.split("Digest ", 1)[1]))
    user, uri, cnonce, nc = "34020000001320000001", f"sip:{SERVER_ID}@{DOMAIN}", "0a4f113b", "1"
    ha1 = hashlib.md5(f"{user}:{params['realm']}:{password}".encode()).hexdigest()
    ha2 = hashlib.md5(f"REGISTER:{uri}".encode()).hexdigest()
    response = hashlib.md5(f"{ha1}:{params['nonce']}:{nc}:{cnonce}:auth:{ha2}".encode()).hexdigest()
    return (
        f'Authorization: Digest username="{user}", realm="{params["realm"]}", '
        f'nonce="{params["nonce"]}", uri="{uri}", response="{response}", algorithm=MD5, '
        f'qop=auth, nc={nc}, cnonce="{cnonce}"\r\n'
    )


@pytest.mark.parametrize("transport", ["UDP", "TCP"])
def test_register_digest_challenge_then_200(
    service: tuple[dict[str, int], Path], transport: str
) -> None:
    ports, storage = service
    port = ports[f"sip_{transport.lower()}"]
    challenge = request("REGISTER", port, transport, "Expires: 3600\r\n")
    assert challenge.startswith("SIP/2.0 401 Unauthorized\r\n"), challenge
    header = next(ln for ln in challenge.split("\r\n") if ln.startswith("WWW-Authenticate:"))
    assert f'realm="{DOMAIN}"' in header
    wrong = request("REGISTER", port, transport, digest(header, "wrong"), cseq=2)
    assert wrong.startswith("SIP/2.0 403 Forbidden\r\n"), wrong
    assert not (storage / "registrations.log").exists()
    ok = request("REGISTER", port, transport, digest(header, PASSWORD) + "Expires: 3600\r\n", 3)
    assert ok.startswith("SIP/2.0 200 OK\r\n"), ok
    assert "Expires: 3600" in ok
    assert "34020000001320000001" in (storage / "registrations.log").read_text()
    replay = request("REGISTER", port, transport, digest(header, PASSWORD), cseq=4)
    assert replay.startswith("SIP/2.0 403 Forbidden\r\n")  # a nonce is good once


def test_health_reports_the_version(service: tuple[dict[str, int], Path]) -> None:
    ports, storage = service
    with urllib.request.urlopen(f"http://127.0.0.1:{ports['http']}/health", timeout=5) as resp:
        assert resp.status == 200
        assert json.load(resp) == {"status": "ok", "version": "2.0"}
    assert json.loads((storage / "status.json").read_text())["version"] == "2.0"


def test_unhealthy_build_answers_503(tmp_path: Path) -> None:
    proc, ports, _ = start(tmp_path, "--version", "3.0", "--unhealthy")
    try:
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(f"http://127.0.0.1:{ports['http']}/health", timeout=5)
        assert caught.value.code == 503
        assert json.load(caught.value) == {"status": "failing", "version": "3.0"}
        # SIP still answers: only the health gate fails
        assert request("OPTIONS", ports["sip_udp"], "UDP").startswith("SIP/2.0 200 OK")
    finally:
        proc.terminate()
        proc.wait(timeout=5)


def test_packaged_v3_fails_its_health_check_and_v2_passes(tmp_path: Path) -> None:
    """The built .debs carry their version and health in build.json (extracted, not installed)."""
    debs = tmp_path / "debs"
    build = SERVICE.parents[1] / "build.py"
    subprocess.run([sys.executable, str(build), str(debs)], check=True, capture_output=True)
    for version, code in (("2.0", 200), ("3.0", 503)):
        root = tmp_path / version
        deb = debs / f"sharpeyes-fixture-platform_{version}_all.deb"
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
        packaged = root / "usr/lib/sharpeyes-fixture-platform/service.py"
        config = tmp_path / f"{version}.conf"
        config.write_text(
            f"[sip]\nserver_id = {SERVER_ID}\ndomain = {DOMAIN}\npassword = {PASSWORD}\n"
            f"bind = 127.0.0.1\nport = 0\n[http]\nport = 0\n[storage]\npath = {root}/storage\n"
        )
        proc = subprocess.Popen([sys.executable, str(packaged), "--config", str(config)])
        try:
            status = root / "storage/status.json"
            deadline = time.monotonic() + 10
            while not status.is_file():
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)
            url = f"http://127.0.0.1:{json.loads(status.read_text())['http']}/health"
            try:
                with urllib.request.urlopen(url, timeout=5) as resp:
                    got, body = resp.status, json.load(resp)
            except urllib.error.HTTPError as exc:
                got, body = exc.code, json.load(exc)
            assert (got, body["version"]) == (code, version)
        finally:
            proc.terminate()
            proc.wait(timeout=5)
