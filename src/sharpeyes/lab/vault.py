"""The lab's ansible-vault: its secrets are vaulted the way production's are, with a generated
vault password that stays in the lab state directory (git-ignored), never in the repo.

`$SHARPEYES_STATE_DIR/vault/` holds, each made once and kept (mode 0600):

- `password`: the vault password (`sharpeyes lab env` exports ANSIBLE_VAULT_PASSWORD_FILE);
- `emergency-password`: the emergency console account's password, what ops keep in their safe;
- `emergency-hash.vault`: its SHA-512 crypt hash, encrypted with the vault password: the value
  the inventory layer writes as `users_emergency_password_hash: !vault |` (the users role).

Kept rather than re-encrypted on each `lab up hosts`: vault ciphertext is salted, so a fresh one
would rewrite the layer every time.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from sharpeyes.errors import LabError
from sharpeyes.paths import state_dir


def vault_dir() -> Path:
    return state_dir() / "vault"


def password_file() -> Path:
    return vault_dir() / "password"


def _write_secret(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    tmp.replace(path)


def _run(argv: list[str], stdin: str) -> str:
    proc = subprocess.run(argv, input=stdin, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise LabError(f"{Path(argv[0]).name} failed: {(proc.stderr or proc.stdout).strip()}")
    return proc.stdout


def ensure_password() -> Path:
    """The vault password file, generated on first use."""
    path = password_file()
    if not path.is_file():
        _write_secret(path, secrets.token_urlsafe(32) + "\n")
    return path


def _vault(action: str, text: str) -> str:
    """`ansible-vault encrypt|decrypt` of text, stdin to stdout, with the lab's password."""
    ansible_vault = str(Path(sys.executable).parent / "ansible-vault")
    password = ["--vault-password-file", str(ensure_password())]
    return _run([ansible_vault, action, *password, "--output", "-", "-"], text)


def encrypt(value: str) -> str:
    """`value` encrypted with the lab's vault password (the text after `!vault |`)."""
    return _vault("encrypt", value)


def decrypt(ciphertext: str) -> str:
    return _vault("decrypt", ciphertext)


def emergency_hash() -> str:
    """The vaulted crypt hash of the emergency account's password, both generated once."""
    vaulted = vault_dir() / "emergency-hash.vault"
    if vaulted.is_file() and password_file().is_file():
        return vaulted.read_text(encoding="utf-8")
    password = secrets.token_urlsafe(18)
    crypt_hash = _run(["openssl", "passwd", "-6", "-stdin"], password + "\n").strip()
    _write_secret(vault_dir() / "emergency-password", password + "\n")
    ciphertext = encrypt(crypt_hash)
    _write_secret(vaulted, ciphertext)
    return ciphertext
