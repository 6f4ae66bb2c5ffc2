"""The published artifact repository as apt sees it: signature verified with the published key
(`Signed-By`), refused with another key or without a signature, pinned versions visible and
downloadable. Needs no NetBox: apt runs in a throwaway configuration (its own sources, lists,
cache, status and trust directories) against a file: URI, and nothing is installed on this host.
"""

from __future__ import annotations

import hashlib
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from sharpeyes.artifacts import repo, signing
from sharpeyes.cli.main import main

pytestmark = pytest.mark.integration

BUILD = Path(__file__).resolve().parents[1] / "fixtures/platform/build.py"
PKG = "sharpeyes-fixture-platform"


def uri(repo_dir: Path | str) -> str:
    return f"file:{repo_dir}" if isinstance(repo_dir, Path) else repo_dir


class Apt:
    """apt-get / apt-cache confined to `root`: no host sources, keys, lists or dpkg status."""

    def __init__(self, root: Path, repo_dir: Path | str, keyring: Path) -> None:
        self.root = root
        for sub in ("parts", "prefs", "trusted", "lists/partial", "cache/archives/partial", "dl"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        (root / "status").write_text("")
        (root / "sources.list").write_text(
            f"deb [signed-by={keyring}] {uri(repo_dir)} sharpeyes main\n"
        )
        self.options = [
            f"-oDir::Etc::SourceList={root}/sources.list",
            f"-oDir::Etc::SourceParts={root}/parts",
            f"-oDir::Etc::Preferences={root}/prefs/none",
            f"-oDir::Etc::PreferencesParts={root}/prefs",
            f"-oDir::Etc::Trusted={root}/trusted/none",
            f"-oDir::Etc::TrustedParts={root}/trusted",
            f"-oDir::State::Lists={root}/lists",
            f"-oDir::State::status={root}/status",
            f"-oDir::Cache={root}/cache",
            "-oAPT::Sandbox::User=root",
            "-oAcquire::Languages=none",
        ]

    def run(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [tool, *self.options, *args],
            cwd=self.root / "dl",
            capture_output=True,
            text=True,
            check=False,
        )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fixture-debs")
    subprocess.run([sys.executable, str(BUILD), str(out)], check=True, capture_output=True)
    return out


@pytest.fixture
def published(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, repo.Published]:
    monkeypatch.setenv("SHARPEYES_STATE_DIR", str(tmp_path / "state"))
    return built, repo.publish(built, tmp_path / "repo")


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file()
    }


def test_apt_verifies_the_signature_and_sees_the_pinned_versions(
    published: tuple[Path, repo.Published], tmp_path: Path
) -> None:
    delivery, result = published
    assert result.changed and result.key_created
    assert result.keyring == tmp_path / "repo" / signing.KEYRING_NAME
    assert (tmp_path / "state/artifacts/gnupg").is_dir()  # the secret key stays in the state dir
    assert b"PRIVATE KEY" not in b"".join(p.read_bytes() for p in result.out.rglob("*.gpg"))
    apt = Apt(tmp_path / "apt", result.out, result.keyring)
    update = apt.run("apt-get", "update")
    assert update.returncode == 0, update.stdout + update.stderr
    assert "W:" not in update.stderr and "E:" not in update.stderr, update.stderr
    policy = apt.run("apt-cache", "policy", PKG)
    assert policy.returncode == 0
    listed = yaml.safe_load((delivery / "manifest.yml").read_text())["packages"]
    for entry in listed:
        assert f" {entry['version']} 500" in policy.stdout, policy.stdout
    # pinned: exactly the version asked for, byte-identical to the manifest's digest
    entry = next(e for e in listed if e["version"] == "2.0")
    download = apt.run("apt-get", "download", f"{PKG}={entry['version']}")
    assert download.returncode == 0, download.stderr
    got = apt.root / "dl" / entry["file"]
    assert hashlib.sha256(got.read_bytes()).hexdigest() == entry["sha256"]
    missing = apt.run("apt-get", "download", f"{PKG}=9.9")
    assert missing.returncode != 0
    assert f"Version '9.9' for '{PKG}' was not found" in missing.stderr


def test_apt_refuses_the_repository_with_another_key(
    published: tuple[Path, repo.Published], tmp_path: Path
) -> None:
    _, result = published
    other, _ = signing.ensure(tmp_path / "other-gnupg")
    wrong = tmp_path / "other-keyring.gpg"
    wrong.write_bytes(signing.public_keyring(other))
    signing.stop_agent(other)
    apt = Apt(tmp_path / "apt", result.out, wrong)
    update = apt.run("apt-get", "update")
    assert update.returncode != 0
    assert f"NO_PUBKEY {result.fingerprint[-16:]}" in update.stderr, update.stderr
    assert f"The repository 'file:{result.out} sharpeyes InRelease' is not signed" in update.stderr
    assert apt.run("apt-cache", "policy", PKG).stdout.strip() == ""


def test_apt_refuses_an_unsigned_repository(
    published: tuple[Path, repo.Published], tmp_path: Path
) -> None:
    _, result = published
    unsigned = tmp_path / "unsigned"
    shutil.copytree(result.out, unsigned)
    for name in repo.SIGNATURES:
        (unsigned / "dists/sharpeyes" / name).unlink()
    apt = Apt(tmp_path / "apt", unsigned, result.keyring)
    update = apt.run("apt-get", "update")
    assert update.returncode != 0
    assert "is not signed" in update.stderr, update.stderr
    assert apt.run("apt-cache", "policy", PKG).stdout.strip() == ""


def test_publishing_twice_changes_nothing_and_says_so(
    published: tuple[Path, repo.Published], capsys: pytest.CaptureFixture[str]
) -> None:
    delivery, result = published
    before = snapshot(result.out)
    with pytest.raises(SystemExit) as exited:
        main(["artifacts", "publish", str(delivery), "--repo", str(result.out)])
        raise SystemExit(0)
    assert exited.value.code == 0
    assert f"{result.out}: unchanged (3 package(s), suite sharpeyes)" in capsys.readouterr().out
    assert snapshot(result.out) == before
    assert [p.name for p in result.out.parent.iterdir() if p.name.startswith(".")] == []


def test_a_new_delivery_replaces_the_repository(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHARPEYES_STATE_DIR", str(tmp_path / "state"))
    first = tmp_path / "first"
    shutil.copytree(built, first)
    (first / f"{PKG}_3.0_all.deb").unlink()
    manifest = yaml.safe_load((first / "manifest.yml").read_text())
    manifest["packages"] = [p for p in manifest["packages"] if p["version"] != "3.0"]
    (first / "manifest.yml").write_text(yaml.safe_dump(manifest))
    out = tmp_path / "repo"
    assert repo.publish(first, out).pins == [f"{PKG}=1.0", f"{PKG}=2.0"]
    second = repo.publish(built, out)
    assert second.changed and not second.key_created
    assert second.pins == [f"{PKG}=1.0", f"{PKG}=2.0", f"{PKG}=3.0"]
    apt = Apt(tmp_path / "apt", out, second.keyring)
    assert apt.run("apt-get", "update").returncode == 0
    assert "Candidate: 3.0" in apt.run("apt-cache", "policy", PKG).stdout


def test_apt_over_http_as_the_management_server_serves_it(
    published: tuple[Path, repo.Published], tmp_path: Path
) -> None:
    """The repository served by a static HTTP server on 127.0.0.1 (as the management server
    serves it): apt verifies it and downloads the pinned version."""
    _, result = published
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
        cwd=result.out.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "http.server did not start"
                time.sleep(0.05)
        apt = Apt(tmp_path / "apt", f"http://127.0.0.1:{port}/{result.out.name}", result.keyring)
        update = apt.run("apt-get", "update")
        assert update.returncode == 0, update.stdout + update.stderr
        assert "W:" not in update.stderr, update.stderr
        download = apt.run("apt-get", "download", f"{PKG}=1.0")
        assert download.returncode == 0, download.stderr
        assert (apt.root / "dl" / f"{PKG}_1.0_all.deb").is_file()
    finally:
        server.terminate()
        server.wait(timeout=5)
