"""Build the lab's systemd images (Debian 12, Debian 13, Ubuntu 24.04) without any registry.

debootstrap (minbase) from this machine's apt mirror → post-build script in a chroot → tarball
`cache_dir()/images/<distro>-<hash>.tar` → `docker import` as `sharpeyes/systemd:<distro>` with
the label `sharpeyes.recipe=<hash>`. A tag that already carries the recipe's hash is kept as is;
a cached tarball skips debootstrap.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import docker
from docker.errors import DockerException, ImageNotFound

from sharpeyes.errors import DependencyUnavailable, LabError
from sharpeyes.lab import dockerd
from sharpeyes.lab.recipes import IMPORT_CHANGES, RECIPES, Recipe, post_build_script
from sharpeyes.paths import cache_dir

log = logging.getLogger(__name__)

REPOSITORY = "sharpeyes/systemd"
LABEL = "sharpeyes.recipe"
DEBIAN_KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
UBUNTU_KEYRING = Path("/usr/share/keyrings/ubuntu-archive-keyring.gpg")
# Debian ships the Ubuntu keyring from trixie on (package ubuntu-keyring); bookworm lacks it.
UBUNTU_KEYRING_SUITE = "trixie"
DEBOOTSTRAP_TIMEOUT_S = 1200


def image_ref(distro: str) -> str:
    """`sharpeyes/systemd:<distro>`; raises LabError for an unknown distro."""
    _recipe(distro)
    return f"{REPOSITORY}:{distro}"


def _recipe(distro: str) -> Recipe:
    try:
        return RECIPES[distro]
    except KeyError:
        raise LabError(
            f"unknown image distro {distro!r}", hint=f"one of: {', '.join(RECIPES)}"
        ) from None


def images_dir() -> Path:
    return cache_dir() / "images"


def tarball_path(recipe: Recipe) -> Path:
    return images_dir() / f"{recipe.distro}-{recipe.hash()}.tar"


# --- the apt mirror -------------------------------------------------------------------------

_URI_RE = re.compile(r"^\s*URIs:\s*(\S+)", re.MULTILINE)
_DEB_RE = re.compile(r"^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)", re.MULTILINE)


def debian_mirror() -> str:
    """The Debian archive this machine's apt uses (SHARPEYES_APT_MIRROR overrides).

    The first `.../debian` URI in /etc/apt/sources.list{,.d/*.sources,.d/*.list}.
    """
    env = os.environ.get("SHARPEYES_APT_MIRROR")
    if env:
        return env.rstrip("/")
    apt = Path("/etc/apt")
    candidates = [apt / "sources.list"]
    for pattern in ("*.sources", "*.list"):
        candidates += sorted((apt / "sources.list.d").glob(pattern))
    for path in candidates:
        try:
            text = path.read_text()
        except OSError:
            continue
        uris: list[str] = _URI_RE.findall(text) + _DEB_RE.findall(text)
        for uri in uris:
            if uri.rstrip("/").endswith("/debian"):
                return uri.rstrip("/")
    raise DependencyUnavailable(
        "no Debian mirror found in /etc/apt/sources.list*",
        hint="set SHARPEYES_APT_MIRROR=http://<mirror>/debian",
    )


def mirror_for(recipe: Recipe) -> str:
    """Ubuntu lives on the same mirror host under /ubuntu."""
    base = debian_mirror()
    return base if recipe.family == "debian" else base.rsplit("/", 1)[0] + "/ubuntu"


def ubuntu_keyring() -> Path:
    """The Ubuntu archive keyring: the host's, else extracted from Debian's ubuntu-keyring .deb."""
    if UBUNTU_KEYRING.is_file():
        return UBUNTU_KEYRING
    cached = cache_dir() / "keyrings" / UBUNTU_KEYRING.name
    if cached.is_file():
        return cached
    log.info("fetching the Ubuntu keyring from Debian %s (ubuntu-keyring)", UBUNTU_KEYRING_SUITE)
    with tempfile.TemporaryDirectory(prefix="sharpeyes-apt-") as tmp:
        work = Path(tmp)
        (work / "lists" / "partial").mkdir(parents=True)
        (work / "archives" / "partial").mkdir(parents=True)
        (work / "sources.list").write_text(
            f"deb [signed-by={DEBIAN_KEYRING}] {debian_mirror()} {UBUNTU_KEYRING_SUITE} main\n"
        )
        opts = [
            f"-oDir::Etc::SourceList={work / 'sources.list'}",
            "-oDir::Etc::SourceParts=/nonexistent",
            f"-oDir::State::Lists={work / 'lists'}",
            f"-oDir::Cache={work}",
            "-oDir::Cache::pkgcache=",
            "-oDir::Cache::srcpkgcache=",
            "-oAPT::Sandbox::User=root",
            "-qq",
        ]
        _run(["apt-get", *opts, "update"], what="apt-get update (trixie lists)")
        _run(["apt-get", *opts, "download", "ubuntu-keyring"], what="apt-get download", cwd=work)
        debs = list(work.glob("ubuntu-keyring_*.deb"))
        if not debs:
            raise DependencyUnavailable("ubuntu-keyring .deb not downloaded")
        _run(["dpkg-deb", "-x", str(debs[0]), str(work / "x")], what="dpkg-deb -x")
        cached.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(work / "x" / UBUNTU_KEYRING.relative_to("/"), cached)
    return cached


def _run(cmd: list[str], *, what: str, cwd: Path | None = None, timeout: float = 600) -> None:
    proc = subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
        raise LabError(f"{what} failed (exit {proc.returncode}): {tail}")


# --- build ----------------------------------------------------------------------------------


def _debootstrap(recipe: Recipe, root: Path) -> None:
    if shutil.which("debootstrap") is None:
        raise DependencyUnavailable(
            "debootstrap is not installed", hint="apt-get install debootstrap"
        )
    keyring = DEBIAN_KEYRING if recipe.family == "debian" else ubuntu_keyring()
    script = Path("/usr/share/debootstrap/scripts") / recipe.script
    cmd = [
        "debootstrap",
        "--variant=minbase",
        f"--include={','.join(recipe.packages)}",
        f"--components={','.join(recipe.components)}",
        f"--keyring={keyring}",
        recipe.suite,
        str(root),
        mirror_for(recipe),
        str(script),
    ]
    log.info("%s", " ".join(cmd))
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=DEBOOTSTRAP_TIMEOUT_S, check=False
    )
    if proc.returncode != 0:
        logfile = root / "debootstrap" / "debootstrap.log"
        detail = logfile.read_text(errors="replace") if logfile.is_file() else proc.stderr
        tail = " | ".join(detail.strip().splitlines()[-5:])
        raise LabError(f"debootstrap {recipe.suite} failed: {tail}")


def debootstrap(recipe: Recipe, root: Path) -> None:
    """debootstrap `recipe` into `root` from this machine's mirror (also used by the RAID VM)."""
    _debootstrap(recipe, root)


def _post_build(root: Path) -> None:
    proc = subprocess.run(
        ["chroot", str(root), "/bin/sh", "-s"],
        input=post_build_script(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"},
    )
    if proc.returncode != 0:
        raise LabError(f"post-build script failed: {proc.stderr.strip()[-500:]}")


def _build_tarball(recipe: Recipe) -> Path:
    """debootstrap + post-build + tar, written atomically to the cache."""
    target = tarball_path(recipe)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"build-{recipe.distro}-", dir=target.parent) as tmp:
        root = Path(tmp) / "root"
        t0 = time.monotonic()
        _debootstrap(recipe, root)
        log.info("debootstrap %s: %.0f s", recipe.suite, time.monotonic() - t0)
        _post_build(root)
        partial = Path(tmp) / "image.tar"
        _run(
            ["tar", "--numeric-owner", "--xattrs", "-C", str(root), "-cf", str(partial), "."],
            what="tar",
        )
        partial.replace(target)
    _prune_tarballs(recipe, keep=target)
    return target


KEEP_TARBALLS = 2  # this build and the one before: checkouts of two recipes re-import, not rebuild


def _prune_tarballs(recipe: Recipe, keep: Path) -> None:
    """Drop older tarballs of this distro, keeping `keep` and the newest other one."""
    own = re.compile(rf"^{re.escape(recipe.distro)}-[0-9a-f]{{64}}\.tar$")
    others = sorted(
        (p for p in keep.parent.iterdir() if own.match(p.name) and p != keep),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for stale in others[KEEP_TARBALLS - 1 :]:
        stale.unlink()


def _tag_hash(client: docker.DockerClient, ref: str) -> str | None:
    try:
        image = client.images.get(ref)
    except ImageNotFound:
        return None
    labels: dict[str, str] = image.labels or {}
    return labels.get(LABEL)


def _import(client: docker.DockerClient, recipe: Recipe, tarball: Path) -> None:
    changes = [*IMPORT_CHANGES, f"LABEL {LABEL}={recipe.hash()}"]
    try:
        client.api.import_image_from_file(
            str(tarball), repository=REPOSITORY, tag=recipe.distro, changes=changes
        )
    except DockerException as exc:
        raise LabError(f"docker import of {tarball.name} failed: {exc}") from exc
    if _tag_hash(client, image_ref(recipe.distro)) != recipe.hash():
        raise LabError(f"docker import of {tarball.name} did not produce a labelled image")
    # The previous build of this tag, now untagged, goes unless a container still uses it.
    client.images.prune(filters={"dangling": True, "label": LABEL})


def ensure_image(
    client: docker.DockerClient, distro: str, *, force: bool = False
) -> tuple[str, dict[str, float]]:
    """Make `sharpeyes/systemd:<distro>` match its recipe; a report line and step timings."""
    recipe = _recipe(distro)
    ref = image_ref(distro)
    digest = recipe.hash()
    if not force and _tag_hash(client, ref) == digest:
        return f"{ref} up to date (recipe {digest[:12]})", {}
    timings: dict[str, float] = {}
    tarball = tarball_path(recipe)
    if force or not tarball.is_file():
        t0 = time.monotonic()
        _build_tarball(recipe)
        timings["build"] = time.monotonic() - t0
    t0 = time.monotonic()
    _import(client, recipe, tarball)
    timings["import"] = time.monotonic() - t0
    steps = ", ".join(f"{k} {v:.0f} s" for k, v in timings.items())
    return f"{ref} built (recipe {digest[:12]}; {steps})", timings


def build_images(force: bool = False, distros: list[str] | None = None) -> list[str]:
    """Build (in sequence) every image whose tag does not carry its recipe's hash."""
    client, _started = dockerd.ensure_daemon()
    lines: list[str] = []
    for distro in distros or list(RECIPES):
        line, _timings = ensure_image(client, distro, force=force)
        lines.append(line)
    return lines
