"""Digests and control fields of .deb files."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sharpeyes.errors import DependencyUnavailable, InputError


@dataclass(frozen=True)
class Control:
    """The control fields a repository needs to place a package."""

    package: str
    version: str
    architecture: str


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def control(path: Path) -> Control:
    """Package, Version and Architecture of a .deb (read by dpkg-deb)."""
    tool = shutil.which("dpkg-deb")
    if tool is None:
        raise DependencyUnavailable("dpkg-deb not found", hint="apt-get install dpkg")
    proc = subprocess.run(
        [tool, "--field", str(path), "Package", "Version", "Architecture"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise InputError(f"{path}: not a readable .deb ({proc.stderr.strip()})")
    fields = dict(line.split(": ", 1) for line in proc.stdout.splitlines() if ": " in line)
    try:
        return Control(fields["Package"], fields["Version"], fields["Architecture"])
    except KeyError as exc:
        raise InputError(f"{path}: control file lacks {exc.args[0]}") from None
