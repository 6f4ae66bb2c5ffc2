"""Helpers shared by the net_stack verifier: run a playbook of the scenario against one platform,
and reach the scenario's lab link from its far end (the network namespace "peer")."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

SCENARIO = Path(os.environ["MOLECULE_SCENARIO_DIRECTORY"])

# An address/port probe run inside the namespace peer: bind SOURCE, reach TARGET:PORT over PROTO and
# print "open" (connected / answered), "refused" (RST or ICMP port unreachable: the firewall let it
# through to a closed port) or "timeout" (dropped).
REACH = r"""
import socket, sys
source, target, port, proto = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
s = socket.socket(socket.AF_INET, kind)
s.bind((source, 0))
s.settimeout(2.0)
try:
    s.connect((target, port))
    if proto == "udp":
        s.send(b"probe")
        s.recv(512)
    print("open")
except ConnectionRefusedError:
    print("refused")
except (socket.timeout, TimeoutError):
    print("timeout")
"""


def reach(host, source: str, target: str, port: int, proto: str = "tcp") -> str:
    """What a client at `source` in the namespace peer sees when it reaches target:port."""
    return host.check_output(
        "ip netns exec peer python3 -c %s %s %s %s %s", REACH, source, target, str(port), proto
    ).strip()


def run_playbook(
    host,
    playbook: str,
    tags: str,
    extra_vars: dict[str, object] | None = None,
    local: bool = False,
) -> tuple[int, str]:
    """ansible-playbook on this platform only (local: on the controller); (return code, output on
    one line)."""
    inventory = ["localhost,"] if local else [os.environ["MOLECULE_INVENTORY_FILE"], "--limit"]
    command = [
        "ansible-playbook",
        "--inventory",
        *inventory,
        *([] if local else [host.backend.get_hostname()]),
        "--tags",
        tags,
        str(SCENARIO / playbook),
    ]
    if extra_vars:
        command[1:1] = ["--extra-vars", json.dumps(extra_vars)]
    run = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
    )
    return run.returncode, " ".join((run.stdout + run.stderr).split())
