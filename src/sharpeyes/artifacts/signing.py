"""The lab's archive signing key: generated once under the git-ignored state directory.

`<state_dir>/artifacts/gnupg` (mode 0700) holds the secret key (Ed25519, no passphrase: a lab
key; production imports the bureau's key there, docs/runbooks/artifacts.md); its public half is
exported as a binary keyring for apt's `Signed-By`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sharpeyes import paths
from sharpeyes.errors import DependencyUnavailable, TargetFailed

UID = "Sharp Eyes archive (lab) <archive@sharpeyes.invalid>"
KEYRING_NAME = "sharpeyes-archive-keyring.gpg"


@dataclass(frozen=True)
class Key:
    home: Path
    fingerprint: str

    def gpg(self, *args: str, stdin: bytes | None = None) -> bytes:
        return _gpg(self.home, *args, stdin=stdin)


def home() -> Path:
    return paths.state_dir() / "artifacts" / "gnupg"


def _gpg(gnupghome: Path, *args: str, stdin: bytes | None = None) -> bytes:
    tool = shutil.which("gpg")
    if tool is None:
        raise DependencyUnavailable("gpg not found", hint="apt-get install gnupg")
    proc = subprocess.run(
        [tool, "--homedir", str(gnupghome), "--batch", "--no-tty", "--quiet", *args],
        input=stdin,
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip()
        raise TargetFailed(f"gpg {args[0]} failed in {gnupghome}: {err}")
    return proc.stdout


def _fingerprint(gnupghome: Path) -> str | None:
    out = _gpg(gnupghome, "--with-colons", "--list-secret-keys").decode()
    for line in out.splitlines():
        if line.startswith("fpr:"):
            return line.split(":")[9]
    return None


def ensure(gnupghome: Path | None = None) -> tuple[Key, bool]:
    """The signing key, generated when absent; returns (key, created)."""
    where = gnupghome or home()
    where.mkdir(parents=True, exist_ok=True)
    os.chmod(where, 0o700)
    fpr = _fingerprint(where)
    created = fpr is None
    if fpr is None:
        _gpg(
            where,
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "",
            "--quick-generate-key",
            UID,
            "ed25519",
            "sign",
            "never",
        )
        fpr = _fingerprint(where)
        if fpr is None:
            raise TargetFailed(f"gpg generated no secret key in {where}")
    return Key(where, fpr), created


def public_keyring(key: Key) -> bytes:
    """The public key as a binary keyring (apt's Signed-By accepts it as a .gpg file)."""
    return key.gpg("--export", key.fingerprint)


def sign_release(key: Key, release: Path) -> None:
    """Write InRelease (clear-signed) and Release.gpg (detached) beside `release`."""
    common = ["--pinentry-mode", "loopback", "--passphrase", "", "--local-user", key.fingerprint]
    common += ["--digest-algo", "SHA512", "--yes"]
    key.gpg(*common, "--clearsign", "--output", str(release.with_name("InRelease")), str(release))
    key.gpg(
        *common,
        "--armor",
        "--detach-sign",
        "--output",
        str(release.with_name("Release.gpg")),
        str(release),
    )


def verify(keyring: Path, signed: Path, data: Path | None = None) -> bool:
    """True when `signed` (InRelease, or Release.gpg over `data`) verifies with `keyring`."""
    tool = shutil.which("gpgv")
    if tool is None:
        raise DependencyUnavailable("gpgv not found", hint="apt-get install gpgv")
    args = [tool, "--keyring", str(keyring), str(signed)]
    if data is not None:
        args.append(str(data))
    return subprocess.run(args, capture_output=True, check=False).returncode == 0


def stop_agent(key: Key) -> None:
    """Stop the gpg-agent this key's home started (no daemon left behind)."""
    tool = shutil.which("gpgconf")
    if tool:
        subprocess.run(
            [tool, "--homedir", str(key.home), "--kill", "all"], capture_output=True, check=False
        )
