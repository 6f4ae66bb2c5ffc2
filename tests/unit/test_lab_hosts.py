"""Recipe hashing, image naming and the host run options (no Docker needed)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from sharpeyes.errors import DependencyUnavailable, LabError
from sharpeyes.lab import dockerd, hosts, images
from sharpeyes.lab.recipes import RECIPES


def test_four_images_with_fixed_tags() -> None:
    assert [images.image_ref(d) for d in RECIPES] == [
        "sharpeyes/systemd:debian12",
        "sharpeyes/systemd:debian13",
        "sharpeyes/systemd:ubuntu2404",
        "sharpeyes/systemd:debian12-bare",
    ]
    assert {r.suite for r in RECIPES.values()} == {"bookworm", "trixie", "noble"}


def test_unknown_distro_is_an_error() -> None:
    with pytest.raises(LabError, match="unknown image distro"):
        images.image_ref("centos7")


def test_recipe_hash_is_stable_and_distinct() -> None:
    hashes = [r.hash() for r in RECIPES.values()]
    assert len(set(hashes)) == 4
    assert all(len(h) == 64 for h in hashes)
    assert [r.hash() for r in RECIPES.values()] == hashes


def test_recipe_hash_follows_packages_and_ignores_their_order() -> None:
    recipe = RECIPES["debian12"]
    shuffled = dataclasses.replace(recipe, packages=tuple(reversed(recipe.packages)))
    assert shuffled.hash() == recipe.hash()
    more = dataclasses.replace(recipe, packages=(*recipe.packages, "chrony"))
    assert more.hash() != recipe.hash()
    assert dataclasses.replace(recipe, suite="sid").hash() != recipe.hash()


def test_recipe_hash_is_mirror_independent(monkeypatch: pytest.MonkeyPatch) -> None:
    before = RECIPES["ubuntu2404"].hash()
    monkeypatch.setenv("SHARPEYES_APT_MIRROR", "http://mirror.invalid/debian")
    assert RECIPES["ubuntu2404"].hash() == before
    assert images.mirror_for(RECIPES["ubuntu2404"]) == "http://mirror.invalid/ubuntu"
    assert images.mirror_for(RECIPES["debian13"]) == "http://mirror.invalid/debian"


def test_recipes_install_what_ansible_and_systemd_need() -> None:
    for distro in ("debian12", "debian13", "ubuntu2404"):
        needed = {"systemd", "systemd-sysv", "python3", "python3-apt", "sudo", "openssh-server"}
        assert needed <= set(RECIPES[distro].packages)


def test_the_bare_image_is_a_server_as_delivered() -> None:
    packages = set(RECIPES["debian12-bare"].packages)
    assert {"systemd", "openssh-server"} <= packages
    assert not packages & {"python3", "python3-apt", "sudo"}


def test_tarball_is_keyed_by_distro_and_hash(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SHARPEYES_CACHE_DIR", str(tmp_path))
    recipe = RECIPES["debian13"]
    assert images.tarball_path(recipe) == tmp_path / "images" / f"debian13-{recipe.hash()}.tar"


def test_mirror_read_from_this_machines_apt() -> None:
    mirror = images.debian_mirror()
    assert mirror.startswith("http") and mirror.endswith("/debian")


def test_distro_override_per_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHARPEYES_LAB_HOST_IMAGE", raising=False)
    monkeypatch.setenv("SHARPEYES_LAB_HOST_IMAGES", "qxdc-vc02=ubuntu2404, qxdc-vc03=debian13")
    assert hosts.distro_for("qxdc-vc01") == "debian12"
    assert hosts.distro_for("qxdc-vc02") == "ubuntu2404"
    assert hosts.distro_for("qxdc-vc03") == "debian13"
    monkeypatch.setenv("SHARPEYES_LAB_HOST_IMAGE", "debian13")
    assert hosts.distro_for("qxdc-vc01") == "debian13"


def test_run_options_are_the_unprivileged_systemd_set() -> None:
    opts = hosts.run_options("qxdc-vc01", "sharpeyes/systemd:debian12", "debian12")
    assert "privileged" not in opts
    assert opts["cap_add"] == ["SYS_ADMIN", "NET_ADMIN"]  # systemd; nftables in its own netns
    assert opts["cgroupns"] == "host"
    assert opts["volumes"]["/sys/fs/cgroup"]["mode"] == "ro"
    assert set(opts["tmpfs"]) == {"/run", "/run/lock", "/tmp"}
    assert opts["stop_signal"] == "SIGRTMIN+3"
    assert opts["hostname"] == opts["name"] == "qxdc-vc01"
    assert opts["labels"]["sharpeyes.lab"] == "host"
    assert opts["ports"] == {}
    published = hosts.run_options("b", "img", "debian12-bare", ssh_port=22001, kind="bare")
    assert published["ports"] == {"22/tcp": ("127.0.0.1", 22001)}  # loopback only
    assert published["labels"]["sharpeyes.lab"] == "bare"


def test_no_dockerd_binary_is_a_dependency_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(DependencyUnavailable, match="no dockerd binary") as info:
        dockerd._start_daemon()
    assert info.value.hint == "apt-get install docker.io"
    assert info.value.exit_code == 4
