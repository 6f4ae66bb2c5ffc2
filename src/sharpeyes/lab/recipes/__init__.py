"""Recipes for the lab's systemd images: suite, packages and the post-build script.

A recipe holds only mirror-independent facts, so its hash (the image cache key and the
`sharpeyes.recipe` label) changes exactly when what ends up in the image changes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib.resources import files

# Bump when the build procedure itself (not the data below) changes what an image contains.
BUILD_FORMAT = 1

PACKAGES: tuple[str, ...] = (
    "systemd",
    "systemd-sysv",
    "dbus",
    "python3",
    "python3-apt",
    "sudo",
    "iproute2",
    "iputils-ping",
    "procps",
    "netbase",
    "ca-certificates",
    "openssh-server",
)

# A server as the vendor delivers it (`sharpeyes ops bootstrap` tests): sshd and root only, no
# Python, no sudo, no ops account.
BARE_PACKAGES: tuple[str, ...] = (
    "systemd",
    "systemd-sysv",
    "dbus",
    "iproute2",
    "procps",
    "netbase",
    "ca-certificates",
    "openssh-server",
)

# `docker import -c` changes: systemd as PID 1, told it runs in a container.
IMPORT_CHANGES: tuple[str, ...] = (
    'CMD ["/lib/systemd/systemd"]',
    "ENV container=docker",
)  # STOPSIGNAL is not a valid import change on Docker 20.10: the run options set it.


def post_build_script() -> str:
    """Shell script run inside the fresh root (chroot) before it is tarred."""
    return (files(__package__) / "post_build.sh").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Recipe:
    distro: str  # the image tag: debian12, debian13, ubuntu2404, debian12-bare
    family: str  # "debian" or "ubuntu": picks the mirror path and the keyring
    suite: str  # debootstrap suite
    script: str  # debootstrap script name (its Debian 12 version has no "noble" script)
    components: tuple[str, ...] = ("main",)
    packages: tuple[str, ...] = PACKAGES

    def as_dict(self) -> dict[str, object]:
        return {
            "format": BUILD_FORMAT,
            "distro": self.distro,
            "family": self.family,
            "suite": self.suite,
            "script": self.script,
            "components": list(self.components),
            "packages": sorted(self.packages),
            "post_build": post_build_script(),
            "import_changes": list(IMPORT_CHANGES),
        }

    def hash(self) -> str:
        """sha256 of the canonical JSON of the recipe (mirror-independent)."""
        blob = json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()


RECIPES: dict[str, Recipe] = {
    r.distro: r
    for r in (
        Recipe(distro="debian12", family="debian", suite="bookworm", script="bookworm"),
        Recipe(distro="debian13", family="debian", suite="trixie", script="trixie"),
        # gutsy is the script every Ubuntu suite since 7.10 links to.
        Recipe(distro="ubuntu2404", family="ubuntu", suite="noble", script="gutsy"),
        Recipe(
            distro="debian12-bare",
            family="debian",
            suite="bookworm",
            script="bookworm",
            packages=BARE_PACKAGES,
        ),
    )
}
