"""Ansible module: send a SIP OPTIONS request and wait for its answer (standard library only)."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sip_options
short_description: Probe a SIP server with an OPTIONS request
version_added: 0.2.0
description:
  - Sends SIP OPTIONS (RFC 3261 11) to I(host):I(port) over UDP or TCP from the managed host and
    waits for the final answer; fails unless the status is I(expect_status) within I(retries)
    attempts of I(timeout) seconds each.
  - Standard library only (runs on the server's own python3); changes nothing (runs in check
    mode).
options:
  host:
    description: Address of the SIP server.
    type: str
    default: 127.0.0.1
  port:
    description: SIP port.
    type: int
    default: 5060
  transport:
    description: Transport of the request.
    type: str
    choices: [udp, tcp]
    default: udp
  request_uri:
    description: Request-URI user part (the server's SIP id); empty sends C(sip:host:port).
    type: str
    default: ""
  expect_status:
    description: The status code that counts as healthy.
    type: int
    default: 200
  timeout:
    description: Seconds to wait for the answer of one attempt.
    type: float
    default: 2.0
  retries:
    description: Attempts before failing (one per I(delay) seconds).
    type: int
    default: 5
  delay:
    description: Seconds between attempts.
    type: float
    default: 1.0
author:
  - sharpeyes
"""

EXAMPLES = r"""
- name: Check that the platform answers SIP OPTIONS
  sharpeyes.estate.sip_options:
    host: 127.0.0.1
    port: 5060
"""

RETURN = r"""
status:
  description: Status code of the answer (0 when none came).
  returned: always
  type: int
reason:
  description: Status line reason phrase, or why no answer came.
  returned: always
  type: str
server:
  description: The answer's Server header.
  returned: always
  type: str
attempts:
  description: Attempts made.
  returned: always
  type: int
"""

import secrets  # noqa: E402
import socket  # noqa: E402
import time  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402


def options_request(host: str, port: int, transport: str, user: str, local: str) -> bytes:
    """One OPTIONS request with fresh branch, tag and Call-ID."""
    target = f"sip:{user}@{host}:{port}" if user else f"sip:{host}:{port}"
    branch = "z9hG4bK" + secrets.token_hex(8)
    lines = [
        f"OPTIONS {target} SIP/2.0",
        f"Via: SIP/2.0/{transport.upper()} {local};branch={branch};rport",
        "Max-Forwards: 70",
        f"From: <sip:probe@{local}>;tag={secrets.token_hex(4)}",
        f"To: <{target}>",
        f"Call-ID: {secrets.token_hex(12)}@{local}",
        "CSeq: 1 OPTIONS",
        "Accept: application/sdp",
        "Content-Length: 0",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def probe_once(
    host: str, port: int, transport: str, user: str, timeout: float
) -> tuple[int, str, str]:
    """(status, reason, server header) of one OPTIONS exchange; status 0 when none came."""
    kind = socket.SOCK_DGRAM if transport == "udp" else socket.SOCK_STREAM
    try:
        with socket.socket(socket.AF_INET, kind) as sock:
            sock.settimeout(timeout)
            sock.connect((host, port))
            local = "{}:{}".format(*sock.getsockname())
            sock.send(options_request(host, port, transport, user, local))
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(65535)
                if not chunk:
                    break
                data += chunk
    except OSError as exc:
        return 0, str(exc) or type(exc).__name__, ""
    head = data.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace").split("\r\n")
    parts = head[0].split(" ", 2)
    if len(parts) < 2 or parts[0] != "SIP/2.0" or not parts[1].isdigit():
        return 0, f"not a SIP answer: {head[0][:80]!r}", ""
    server = next(
        (h.split(":", 1)[1].strip() for h in head[1:] if h.lower().startswith("server:")), ""
    )
    return int(parts[1]), parts[2] if len(parts) > 2 else "", server


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "host": {"type": "str", "default": "127.0.0.1"},
            "port": {"type": "int", "default": 5060},
            "transport": {"type": "str", "choices": ["udp", "tcp"], "default": "udp"},
            "request_uri": {"type": "str", "default": ""},
            "expect_status": {"type": "int", "default": 200},
            "timeout": {"type": "float", "default": 2.0},
            "retries": {"type": "int", "default": 5},
            "delay": {"type": "float", "default": 1.0},
        },
        supports_check_mode=True,
    )
    p = module.params
    status, reason, server, attempts = 0, "", "", 0
    for attempts in range(1, max(1, p["retries"]) + 1):
        status, reason, server = probe_once(
            p["host"], p["port"], p["transport"], p["request_uri"], p["timeout"]
        )
        if status == p["expect_status"]:
            break
        if attempts < p["retries"]:
            time.sleep(p["delay"])
    result = {
        "changed": False,
        "status": status,
        "reason": reason,
        "server": server,
        "attempts": attempts,
    }
    if status != p["expect_status"]:
        module.fail_json(
            msg=f"SIP OPTIONS to {p['host']}:{p['port']}/{p['transport']}: "
            f"{status or 'no answer'} {reason} after {attempts} attempts "
            f"(expected {p['expect_status']})",
            **result,
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
