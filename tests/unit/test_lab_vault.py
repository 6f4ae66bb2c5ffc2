"""The lab's vault (sharpeyes.lab.vault): a generated password out of git, the emergency account's
hash vaulted with it, both made once; the inventory layer writes the hash as `!vault |`."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sharpeyes.lab import inventory_layer, vault


@pytest.fixture
def state(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("SHARPEYES_STATE_DIR", str(tmp_path))
    return tmp_path


def test_the_password_is_generated_once_and_private(state: Path) -> None:
    path = vault.ensure_password()
    assert path == state / "vault" / "password"
    assert path.stat().st_mode & 0o777 == 0o600
    first = path.read_text()
    assert len(first.strip()) >= 32
    assert vault.ensure_password().read_text() == first


def test_the_emergency_hash_is_vaulted_and_kept(state: Path) -> None:
    ciphertext = vault.emergency_hash()
    assert ciphertext.startswith("$ANSIBLE_VAULT;1.1;AES256\n")
    crypt_hash = vault.decrypt(ciphertext)
    assert crypt_hash.startswith("$6$") and crypt_hash not in ciphertext
    password = (state / "vault" / "emergency-password").read_text().strip()
    salt = crypt_hash.split("$")[2]
    again = subprocess.run(
        ["openssl", "passwd", "-6", "-salt", salt, "-stdin"],
        input=password + "\n",
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert again == crypt_hash  # the kept password is the one hashed
    assert vault.emergency_hash() == ciphertext  # kept, not re-encrypted (the layer stays put)


def test_a_wrong_vault_password_does_not_decrypt(state: Path) -> None:
    ciphertext = vault.encrypt("value")
    vault.password_file().write_text("another password\n")
    with pytest.raises(Exception, match="ansible-vault failed"):
        vault.decrypt(ciphertext)


def test_the_layer_writes_the_hash_as_a_vault_tag(state: Path) -> None:
    text = inventory_layer._text(inventory_layer.host_vars(22001))
    assert "users_emergency_password_hash: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n" in text
    data = inventory_layer.parse(text)
    assert data["users_emergency_enabled"] is True
    ciphertext = data["users_emergency_password_hash"]
    assert isinstance(ciphertext, inventory_layer.Vaulted)
    assert vault.decrypt(ciphertext).startswith("$6$")
