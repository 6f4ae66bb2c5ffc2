"""The artifact manifest and the check of a vendor delivery against it.

The manifest (YAML, default `manifest.yml` in the delivery directory) is the trust root: it lists
every vendor .deb by file name with its package name, exact version and SHA-256, as handed over
with the delivery (docs/runbooks/artifacts.md)::

    suite: sharpeyes              # apt suite (codename) of the published repository
    component: main
    architectures: [amd64]        # binary-<arch> indexes; Architecture: all packages go in each
    packages:
      - file: vendor-media_2.0_amd64.deb
        package: vendor-media
        version: "2.0"            # a string: quote it (YAML reads 2.0 as a number)
        sha256: 64 hex digits

A delivery passes only when every listed file is present with its digest, its control fields
name the listed package=version, and no other .deb lies beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from sharpeyes.artifacts import debfile
from sharpeyes.errors import ArtifactsInvalid, InputError

NAME = r"^[a-z0-9][a-z0-9+.-]+$"
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class Entry(BaseModel):
    """One pinned vendor package: its file, package=version and SHA-256."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: Annotated[str, StringConstraints(pattern=r"^[^/]+\.deb$")]
    package: Annotated[str, StringConstraints(pattern=NAME)]
    version: Annotated[str, Field(strict=True, min_length=1)]
    sha256: Sha256

    @property
    def pin(self) -> str:
        return f"{self.package}={self.version}"


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    suite: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.-]*$")] = "sharpeyes"
    component: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")] = "main"
    architectures: list[Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$")]] = Field(
        default_factory=lambda: ["amd64"], min_length=1
    )
    packages: list[Entry] = Field(min_length=1)


@dataclass(frozen=True)
class Verified:
    """A delivered .deb whose digest and control fields match its manifest entry."""

    path: Path
    entry: Entry
    architecture: str


def load(path: Path) -> Manifest:
    """Read and validate a manifest; errors name the file and the field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(
            f"{path}: cannot read the manifest ({exc.strerror})",
            hint="pass --manifest FILE or put manifest.yml beside the .deb files",
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({exc})") from None
    try:
        manifest = Manifest.model_validate(raw)
    except ValidationError as exc:
        problems = [
            f"{path}: {'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise ArtifactsInvalid(problems, what=f"manifest {path}") from None
    seen: dict[str, str] = {}
    problems = []
    for entry in manifest.packages:
        for key in (entry.file, entry.pin):
            if key in seen:
                problems.append(f"{path}: {key} listed twice")
            seen[key] = entry.file
    if problems:
        raise ArtifactsInvalid(problems, what=f"manifest {path}")
    return manifest


def check(directory: Path, manifest: Manifest, manifest_path: Path) -> list[Verified]:
    """Check every .deb of `directory` against the manifest; raise with all problems at once.

    Reads only: nothing is written, whatever the outcome.
    """
    if not directory.is_dir():
        raise InputError(f"{directory}: not a directory")
    listed = {entry.file: entry for entry in manifest.packages}
    present = {path.name: path for path in directory.glob("*.deb")}
    problems: list[str] = []
    verified: list[Verified] = []
    for name in sorted(present.keys() - listed.keys()):
        problems.append(
            f"{present[name]}: not in {manifest_path} (every .deb must be listed with its "
            "package, version and SHA-256)"
        )
    for entry in manifest.packages:
        path = directory / entry.file
        if entry.file not in present:
            problems.append(f"{path}: missing (listed in {manifest_path} as {entry.pin})")
            continue
        actual = debfile.sha256(path)
        if actual != entry.sha256:
            problems.append(
                f"{path}: SHA-256 mismatch (tampered or corrupt): manifest {entry.sha256}, "
                f"file {actual}"
            )
            continue  # never read the control fields of an untrusted file
        fields = debfile.control(path)
        if (fields.package, fields.version) != (entry.package, entry.version):
            problems.append(
                f"{path}: is {fields.package}={fields.version}, {manifest_path} pins {entry.pin}"
            )
            continue
        if fields.architecture != "all" and fields.architecture not in manifest.architectures:
            problems.append(
                f"{path}: architecture {fields.architecture} is not in {manifest_path} "
                f"architectures ({', '.join(manifest.architectures)})"
            )
            continue
        verified.append(Verified(path, entry, fields.architecture))
    if problems:
        raise ArtifactsInvalid(problems, what=f"delivery {directory}")
    return verified
