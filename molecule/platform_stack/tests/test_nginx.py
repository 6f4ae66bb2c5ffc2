"""Behaviour of the nginx role: HTTPS served with the provided certificate (primary, lab CA) or a
generated one (replica, self-signed), the proxied upstream answers through it, plain HTTP
redirects; a configuration nginx -t rejects never reaches the host; bad input is refused."""

from __future__ import annotations

import testinfra.utils.ansible_runner
from conftest import INVENTORY, PRIMARY, SECRETS, address, run_playbook

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(INVENTORY).get_hosts(PRIMARY)

NAME = "platform.video.example"  # nginx_server_name of molecule.yml
CONF = "/etc/nginx/nginx.conf"


def _curl(client, target: str, *options: str, path: str = "/") -> object:
    args = ["curl", "--silent", "--show-error", "--resolve", f"{NAME}:443:{target}", *options]
    args.append(f"https://{NAME}{path}")
    return client.run(" ".join("%s" for _ in args), *args)


def _put(host, text: str, path: str) -> None:
    host.run("printf '%%s' %s > %s", text, path)


def test_nginx_runs(primary, replica):
    for host in (primary, replica):
        assert host.service("nginx").is_running
        assert host.service("nginx").is_enabled


def test_provided_certificate_is_served_and_the_upstream_answers(primary, replica):
    _put(replica, (SECRETS / "ca.crt").read_text(encoding="utf-8"), "/tmp/lab-ca.crt")
    answer = _curl(replica, address(primary), "--cacert", "/tmp/lab-ca.crt")
    assert answer.rc == 0, answer.stderr
    assert answer.stdout == f"platform-api fixture on {PRIMARY}\n"
    issuer = replica.check_output(
        "openssl s_client -connect %s:443 -servername %s </dev/null 2>/dev/null "
        "| openssl x509 -noout -issuer",
        address(primary),
        NAME,
    )
    assert "platform-stack lab CA" in issuer


def test_generated_certificate_is_self_signed_and_served(replica):
    certificate = "/etc/nginx/tls/sharpeyes.crt"
    subject = replica.check_output("openssl x509 -noout -subject -in %s", certificate)
    issuer = replica.check_output("openssl x509 -noout -issuer -in %s", certificate)
    assert subject.split("=", 1)[1] == issuer.split("=", 1)[1]
    assert NAME in subject
    answer = _curl(replica, "127.0.0.1", "--cacert", certificate)
    assert answer.rc == 0, answer.stderr
    assert answer.stdout == "platform-api fixture on platform_stack-replica\n"
    untrusted = _curl(replica, "127.0.0.1")
    assert untrusted.rc == 60
    assert "self-signed certificate" in untrusted.stderr


def test_plain_http_redirects_to_https(host):
    headers = host.check_output("curl --silent --head http://127.0.0.1/status?x=1")
    assert headers.startswith("HTTP/1.1 301")
    assert "Location: https://127.0.0.1/status?x=1" in headers


def test_arguments_are_validated(host):
    rc, output = run_playbook(host, "arguments.yml", "nginx", local=True)
    assert rc == 0, output
    assert "rescued=2" in output


def test_a_configuration_nginx_rejects_never_reaches_the_host(host, replica):
    before = host.file(CONF).sha256sum
    upstreams = [{"name": "platform_api", "servers": ["127.0.0.1:99999"], "location": "/"}]
    rc, output = run_playbook(
        host,
        "negative.yml",
        extra_vars={"platform_stack_role": "nginx", "nginx_upstreams": upstreams},
    )
    assert rc == 2, output
    assert "failed to validate" in output
    # nginx -t's own message (its quotes are escaped in Ansible's output)
    assert "invalid port in upstream" in output
    assert "127.0.0.1:99999" in output
    assert "changed=0" in output
    assert host.file(CONF).sha256sum == before
    _put(replica, (SECRETS / "ca.crt").read_text(encoding="utf-8"), "/tmp/lab-ca.crt")
    answer = _curl(replica, address(host), "--cacert", "/tmp/lab-ca.crt")
    assert answer.rc == 0, answer.stderr


def test_certificate_without_key_is_refused(host):
    rc, output = run_playbook(
        host,
        "negative.yml",
        extra_vars={"platform_stack_role": "nginx", "nginx_tls_private_key": ""},
    )
    assert rc == 2, output
    assert "nginx: give both nginx_tls_certificate and nginx_tls_private_key, or neither" in output
    assert "changed=0" in output
