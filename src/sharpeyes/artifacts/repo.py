"""Build the signed apt repository from a checked delivery and replace the old one atomically.

Layout (a `dists/` repository, the one apt treats as first class: suite and component for
pinning, per-architecture indexes, InRelease with `Signed-By`)::

    OUT/sharpeyes-archive-keyring.gpg          public key for apt's Signed-By
    OUT/dists/<suite>/{Release,InRelease,Release.gpg}
    OUT/dists/<suite>/<component>/binary-<arch>/Packages{,.gz}
    OUT/pool/<component>/<p>/<package>/<package>_<version>_<arch>.deb

Everything is built in a staging directory beside OUT; a delivery that fails its checks writes
nothing, and a publish whose result equals the existing repository (ignoring Release's Date and
the signatures, which still verify) leaves it untouched and says so.
"""

from __future__ import annotations

import dataclasses
import gzip
import logging
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sharpeyes import paths
from sharpeyes.artifacts import debfile, manifest, signing
from sharpeyes.errors import DependencyUnavailable, InputError, TargetFailed

log = logging.getLogger(__name__)

SIGNATURES = ("InRelease", "Release.gpg")


@dataclass(frozen=True)
class Published:
    out: Path
    changed: bool
    pins: list[str]
    fingerprint: str
    keyring: Path
    key_created: bool
    suite: str
    component: str


def default_out() -> Path:
    return paths.state_dir() / "artifacts" / "repo"


def publish(
    directory: Path,
    out: Path | None = None,
    manifest_path: Path | None = None,
    gnupghome: Path | None = None,
) -> Published:
    """Check `directory` against its manifest and publish it as a signed repository at `out`."""
    out = (out or default_out()).absolute()
    if not directory.is_dir():
        raise InputError(f"{directory}: not a directory (the vendor delivery of .deb files)")
    manifest_path = manifest_path or directory / "manifest.yml"
    loaded = manifest.load(manifest_path)
    verified = manifest.check(directory, loaded, manifest_path)
    _guard(out)
    ftparchive = shutil.which("apt-ftparchive")
    if ftparchive is None:
        raise DependencyUnavailable(
            "apt-ftparchive not found", hint="apt-get install apt-utils (make system-deps)"
        )
    key, created = signing.ensure(gnupghome)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.staging-"))
    try:
        staging.chmod(0o755)  # apt's unprivileged _apt user reads the repository
        _build(staging, verified, loaded, key, ftparchive)
        keyring = out / signing.KEYRING_NAME
        result = Published(
            out=out,
            changed=True,
            pins=[v.entry.pin for v in verified],
            fingerprint=key.fingerprint,
            keyring=keyring,
            key_created=created,
            suite=loaded.suite,
            component=loaded.component,
        )
        if out.is_dir() and _same(staging, out, loaded.suite):
            log.debug("%s: unchanged", out)
            return dataclasses.replace(result, changed=False)
        _replace(staging, out)
        return result
    finally:
        signing.stop_agent(key)
        if staging.exists():
            shutil.rmtree(staging)


def _guard(out: Path) -> None:
    """Refuse to replace a directory that is not a repository this command published."""
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not (out / signing.KEYRING_NAME).is_file():
        raise InputError(
            f"{out}: not empty and not a repository published by `sharpeyes artifacts publish`",
            hint="choose another --repo or empty that directory",
        )


def pool_path(component: str, package: str, version: str, architecture: str) -> str:
    prefix = package[:4] if package.startswith("lib") else package[0]
    bare = version.split(":", 1)[-1]  # no epoch in file names
    return f"pool/{component}/{prefix}/{package}/{package}_{bare}_{architecture}.deb"


def _build(
    root: Path,
    verified: list[manifest.Verified],
    loaded: manifest.Manifest,
    key: signing.Key,
    ftparchive: str,
) -> None:
    for item in verified:
        dest = root / pool_path(
            loaded.component, item.entry.package, item.entry.version, item.architecture
        )
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(item.path, dest)
        if debfile.sha256(dest) != item.entry.sha256:  # changed since the check: refuse
            raise InputError(f"{item.path}: changed while being published; nothing written")
    suite_dir = root / "dists" / loaded.suite
    for arch in loaded.architectures:
        text = _packages(root, ftparchive, arch, f"pool/{loaded.component}")
        index = suite_dir / loaded.component / f"binary-{arch}"
        index.mkdir(parents=True, exist_ok=True)
        (index / "Packages").write_text(text, encoding="utf-8")
        with gzip.GzipFile(index / "Packages.gz", "wb", mtime=0) as gz:
            gz.write(text.encode())
    release = _run(
        root,
        [
            ftparchive,
            "-o", "APT::FTPArchive::Release::Origin=sharpeyes",
            "-o", "APT::FTPArchive::Release::Label=sharpeyes vendor artifacts",
            "-o", f"APT::FTPArchive::Release::Suite={loaded.suite}",
            "-o", f"APT::FTPArchive::Release::Codename={loaded.suite}",
            "-o", f"APT::FTPArchive::Release::Architectures={' '.join(loaded.architectures)}",
            "-o", f"APT::FTPArchive::Release::Components={loaded.component}",
            "-o", "APT::FTPArchive::Release::Description=Vendor packages checked against "
            "their manifest (sharpeyes artifacts publish)",
            "release", f"dists/{loaded.suite}",
        ],
    )  # fmt: skip
    (suite_dir / "Release").write_text(release, encoding="utf-8")
    signing.sign_release(key, suite_dir / "Release")
    (root / signing.KEYRING_NAME).write_bytes(signing.public_keyring(key))
    for path in root.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def _packages(root: Path, ftparchive: str, arch: str, pool: str) -> str:
    """The Packages index of one architecture, stanzas sorted (stable across runs)."""
    text = _run(root, [ftparchive, "--arch", arch, "packages", pool])
    stanzas = [s.strip("\n") for s in text.split("\n\n") if s.strip()]
    stanzas.sort(key=lambda s: s.splitlines()[:2])
    return "".join(s + "\n\n" for s in stanzas)


def _run(cwd: Path, args: list[str]) -> str:
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise TargetFailed(f"{Path(args[0]).name} failed: {proc.stderr.strip()}")
    return proc.stdout


def _files(root: Path) -> dict[str, Path]:
    return {str(p.relative_to(root)): p for p in root.rglob("*") if p.is_file()}


def _same(new: Path, old: Path, suite: str) -> bool:
    """The existing repository serves exactly what `new` would, and its signatures verify."""
    new_files, old_files = _files(new), _files(old)
    if new_files.keys() != old_files.keys():
        return False
    signed = {f"dists/{suite}/{name}" for name in (*SIGNATURES, "Release")}
    for rel, path in new_files.items():
        if rel not in signed and path.read_bytes() != old_files[rel].read_bytes():
            return False

    def undated(path: Path) -> list[str]:
        return [ln for ln in path.read_text().splitlines() if not ln.startswith("Date:")]

    release = f"dists/{suite}/Release"
    if undated(new_files[release]) != undated(old_files[release]):
        return False
    keyring = new / signing.KEYRING_NAME
    suite_dir = old / "dists" / suite
    return signing.verify(keyring, suite_dir / "InRelease") and signing.verify(
        keyring, suite_dir / "Release.gpg", suite_dir / "Release"
    )


def _replace(staging: Path, out: Path) -> None:
    if not out.exists():
        staging.rename(out)
        return
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    out.rename(old)
    staging.rename(out)
    shutil.rmtree(old)
