"""Behavioural checks of the video_platform role: the pinned package from the signed repository,
its configuration, and the service answering SIP OPTIONS and HTTP health."""

from __future__ import annotations

import os

import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(
    os.environ["MOLECULE_INVENTORY_FILE"]
).get_hosts("all")

PACKAGE = "sharpeyes-fixture-platform"  # TEST FIXTURE (tests/fixtures/platform)

# One SIP OPTIONS over UDP to 127.0.0.1:5060 from inside the container; prints the status line.
SIP_OPTIONS = r"""
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.connect(("127.0.0.1", 5060))
local = "%s:%d" % s.getsockname()
s.send(("OPTIONS sip:127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP " + local + ";branch=z9hG4bKt1\r\n"
        "From: <sip:t@" + local + ">;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: t1\r\n"
        "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").encode())
print(s.recv(4096).decode().split("\r\n")[0])
"""


def test_pinned_version_from_the_signed_repository(host):
    assert host.package(PACKAGE).version == "1.0"
    policy = host.run(f"apt-cache policy {PACKAGE}").stdout
    assert "127.0.0.1:8090/sharpeyes sharpeyes/main" in policy
    sources = host.file("/etc/apt/sources.list.d/sharpeyes-vendor.sources").content_string
    assert "Signed-By: /etc/apt/keyrings/sharpeyes-vendor-archive-keyring.gpg" in sources


def test_configuration_rendered_from_the_inputs(host):
    conf = host.file(f"/etc/{PACKAGE}/platform.conf")
    assert conf.mode == 0o640
    lines = conf.content_string.splitlines()
    for line in (
        "server_id = 44180300002000000001",
        "domain = 4418030000",
        "node_id = 44180300002020000001",
        "port_min = 30000",
        "host = 192.0.2.18",
        "path = /srv/video/video0/platform",
        "retention_days = 30",
    ):
        assert line in lines


def test_service_answers_sip_and_http(host):
    service = host.service(PACKAGE)
    assert service.is_running
    assert service.is_enabled
    assert host.run(f"python3 -c '{SIP_OPTIONS}'").stdout.strip() == "SIP/2.0 200 OK"
    health = host.run(
        "python3 -c 'import urllib.request as u; print(u.urlopen(\"http://127.0.0.1:8080/health\").read().decode())'"
    )
    assert '"status": "ok"' in health.stdout
    assert host.file("/srv/video/video0/platform/status.json").exists
