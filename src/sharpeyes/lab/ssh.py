"""SSH into the lab's containers as production does: keys, an ops account, known host keys.

Everything lives under `state_dir()/ssh/` (git-ignored, never in the repo):
`id_ed25519[.pub]` the ops key, `bootstrap_ed25519[.pub]` the one-time root key of bare
containers, `known_hosts` the host keys the lab read from each container (through Docker, a
channel it trusts, never by trust-on-first-use), `ports.json` the 127.0.0.1 port published per
container name (assigned once, then kept: deterministic across `lab up`/`down`).
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from docker.models.containers import Container

from sharpeyes.errors import LabError
from sharpeyes.paths import state_dir

OPS_USER = "sharpeyes-ops"
SUDOERS_FILE = "/etc/sudoers.d/sharpeyes-ops"
ADDRESS = "127.0.0.1"
DEFAULT_PORT_BASE = 22000  # first host gets base + 1; SHARPEYES_LAB_SSH_PORT_BASE moves it
HOST_KEY_FILES = (
    "/etc/ssh/ssh_host_ed25519_key.pub",
    "/etc/ssh/ssh_host_ecdsa_key.pub",
    "/etc/ssh/ssh_host_rsa_key.pub",
)


def ssh_dir() -> Path:
    return state_dir() / "ssh"


def ops_key() -> Path:
    """The ops account's private key (its public half next to it, `.pub`)."""
    return ssh_dir() / "id_ed25519"


def bootstrap_key() -> Path:
    """The one-time key root of a bare container accepts until `ops bootstrap` removes it."""
    return ssh_dir() / "bootstrap_ed25519"


def known_hosts() -> Path:
    return ssh_dir() / "known_hosts"


def _ports_file() -> Path:
    return ssh_dir() / "ports.json"


def _write_if_changed(path: Path, text: str, mode: int = 0o644) -> bool:
    """Atomic write; False (and no write) when the file already holds `text`."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    tmp.replace(path)
    return True


def ensure_key(path: Path, comment: str) -> str:
    """Create an ed25519 key pair at `path` (+ `.pub`) unless present; the public key line."""
    pub = path.with_name(path.name + ".pub")
    if path.is_file() and pub.is_file():
        return pub.read_text(encoding="utf-8").strip()
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    line = f"{public.decode()} {comment}"
    _write_if_changed(path, private, mode=0o600)
    _write_if_changed(pub, line + "\n")
    return line


def port_base() -> int:
    raw = os.environ.get("SHARPEYES_LAB_SSH_PORT_BASE", str(DEFAULT_PORT_BASE))
    try:
        base = int(raw)
    except ValueError:
        raise LabError(f"SHARPEYES_LAB_SSH_PORT_BASE={raw!r} is not a port number") from None
    if not 1024 <= base <= 65000:
        raise LabError(f"SHARPEYES_LAB_SSH_PORT_BASE={base} is outside 1024..65000")
    return base


def ports_for(names: list[str]) -> dict[str, int]:
    """The published SSH port of each name: kept from `ports.json`, new names get the lowest port
    above the base that no other name holds and nothing listens on now (another lab, say the
    integration tier's, may have published the same range). Recorded before any container uses
    it."""
    path = _ports_file()
    known: dict[str, int] = json.loads(path.read_text()) if path.is_file() else {}
    taken = set(known.values())
    port = port_base()
    for name in names:
        if name in known:
            continue
        port += 1
        while port in taken or not _bindable(port):
            port += 1
        known[name] = port
        taken.add(port)
    _write_if_changed(path, json.dumps(known, indent=2, sort_keys=True) + "\n")
    return {name: known[name] for name in names}


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((ADDRESS, port))
        except OSError:
            return False
    return True


def published_port(container: Container) -> int | None:
    """The 127.0.0.1 port Docker maps to the container's port 22, from its creation options."""
    bindings = (container.attrs.get("HostConfig") or {}).get("PortBindings") or {}
    for binding in bindings.get("22/tcp") or []:
        if binding.get("HostIp") == ADDRESS and binding.get("HostPort"):
            return int(binding["HostPort"])
    return None


# Run as root inside a server container: the ops account, its key, passwordless sudo (a sudoers.d
# drop-in checked by visudo before it is moved in place). Prints changed=0|1; changes nothing when
# all is in place.
OPS_ACCOUNT_SCRIPT = r"""
set -eu
user="$1"; key="$2"; sudoers="$3"; changed=0
if ! id -u "$user" >/dev/null 2>&1; then
  useradd --create-home --shell /bin/bash --comment "sharpeyes ops (lab)" "$user"
  changed=1
fi
home=$(getent passwd "$user" | cut -d: -f6)
if [ "$(cat "$home/.ssh/authorized_keys" 2>/dev/null || true)" != "$key" ]; then
  install -d -m 0700 -o "$user" -g "$user" "$home/.ssh"
  printf '%s\n' "$key" > "$home/.ssh/.authorized_keys.new"
  chown "$user:$user" "$home/.ssh/.authorized_keys.new"
  chmod 0600 "$home/.ssh/.authorized_keys.new"
  mv "$home/.ssh/.authorized_keys.new" "$home/.ssh/authorized_keys"
  changed=1
fi
rule="$user ALL=(ALL:ALL) NOPASSWD: ALL"
if [ "$(cat "$sudoers" 2>/dev/null || true)" != "$rule" ]; then
  tmp=$(mktemp "$(dirname "$sudoers")/.sharpeyes.XXXXXX")  # dot files: sudo ignores them
  printf '%s\n' "$rule" > "$tmp"
  chmod 0440 "$tmp"
  if ! visudo -cqf "$tmp"; then rm -f "$tmp"; echo "visudo rejected the rule" >&2; exit 1; fi
  mv "$tmp" "$sudoers"
  changed=1
fi
echo "changed=$changed"
"""


def ensure_ops_account(container: Container, public_key: str) -> bool:
    """Create or repair the ops account in a running container; True when something changed."""
    code, out = container.exec_run(
        ["sh", "-c", OPS_ACCOUNT_SCRIPT, "ops-account", OPS_USER, public_key, SUDOERS_FILE]
    )
    text = (out if isinstance(out, bytes) else b"".join(out)).decode(errors="replace").strip()
    if code != 0 or not text.endswith(("changed=0", "changed=1")):
        raise LabError(f"{container.name}: creating the ops account {OPS_USER} failed: {text}")
    return text.endswith("changed=1")


def install_root_key(container: Container, public_key: str) -> None:
    """Authorise the one-time bootstrap key for root (a bare container fresh from its image)."""
    script = (
        'install -d -m 0700 /root/.ssh && printf "%s\\n" "$1" > /root/.ssh/authorized_keys'
        " && chmod 0600 /root/.ssh/authorized_keys"
    )
    code, out = container.exec_run(["sh", "-c", script, "root-key", public_key])
    if code != 0:
        raise LabError(f"{container.name}: installing the bootstrap key failed: {out!r}")


def host_keys(container: Container) -> list[str]:
    """The container's public SSH host keys (`type base64`), read through Docker.

    The keys are generated at first boot (sharpeyes-ssh-hostkeys.service), so they exist once
    systemd reports the system running.
    """
    code, out = container.exec_run(["cat", *HOST_KEY_FILES])
    text = (out if isinstance(out, bytes) else b"".join(out)).decode(errors="replace")
    keys = [
        " ".join(line.split()[:2])
        for line in text.splitlines()
        if line.startswith(("ssh-", "ecdsa-"))
    ]
    if code != 0 or not keys:
        raise LabError(f"{container.name}: no SSH host keys in {', '.join(HOST_KEY_FILES)}")
    return keys


def known_hosts_text(entries: dict[int, list[str]]) -> str:
    """known_hosts lines `[127.0.0.1]:<port> <type> <key>` for each published port, sorted."""
    lines = [
        f"[{ADDRESS}]:{port} {key}" for port in sorted(entries) for key in sorted(entries[port])
    ]
    return "".join(line + "\n" for line in lines)


def write_known_hosts(entries: dict[int, list[str]]) -> bool:
    """Rewrite the lab known_hosts from `entries` (port -> host keys); True when it changed."""
    return _write_if_changed(known_hosts(), known_hosts_text(entries))
