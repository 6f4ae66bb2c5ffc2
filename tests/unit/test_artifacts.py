"""The artifact manifest and the delivery check (`sharpeyes artifacts publish`): every refusal
names the file (and both digests for a tampered one), exits 3 and writes nothing: no repository,
no signing key. The fixture .debs are built with dpkg-deb (tests/fixtures/platform/build.py);
publishing and apt's verification are in tests/integration/test_artifacts_repo.py."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sharpeyes.artifacts import listing, manifest, repo
from sharpeyes.cli.main import main
from sharpeyes.errors import EXIT_INVALID_INPUT, ArtifactsInvalid, InputError

BUILD = Path(__file__).resolve().parents[1] / "fixtures/platform/build.py"
PKG = "sharpeyes-fixture-platform"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fixture-debs")
    subprocess.run([sys.executable, str(BUILD), str(out)], check=True, capture_output=True)
    return out


@pytest.fixture
def delivery(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the fixture delivery; the lab state directory is an empty temp one."""
    monkeypatch.setenv("SHARPEYES_STATE_DIR", str(tmp_path / "state"))
    dest = tmp_path / "delivery"
    shutil.copytree(built, dest)
    return dest


def refused(delivery: Path, out: Path) -> str:
    """Publish, expect the refusal, assert nothing was written; return the message."""
    with pytest.raises(ArtifactsInvalid) as caught:
        repo.publish(delivery, out)
    assert caught.value.exit_code == EXIT_INVALID_INPUT
    assert not out.exists()
    assert not (delivery.parent / "state").exists()  # no signing key generated either
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".")] == []
    return caught.value.message


def edit_manifest(delivery: Path, change: dict[str, object], index: int = 0) -> Path:
    path = delivery / "manifest.yml"
    data = yaml.safe_load(path.read_text())
    data["packages"][index].update(change)
    path.write_text(yaml.safe_dump(data))
    return path


def test_tampered_deb_is_refused_naming_file_and_both_digests(delivery: Path) -> None:
    deb = delivery / f"{PKG}_2.0_all.deb"
    listed = hashlib.sha256(deb.read_bytes()).hexdigest()
    deb.write_bytes(deb.read_bytes() + b"\0")
    actual = hashlib.sha256(deb.read_bytes()).hexdigest()
    message = refused(delivery, delivery.parent / "repo")
    assert message == (
        f"delivery {delivery}: 1 problem(s)\n"
        f"{deb}: SHA-256 mismatch (tampered or corrupt): manifest {listed}, file {actual}"
    )


def test_missing_deb_is_refused(delivery: Path) -> None:
    (delivery / f"{PKG}_1.0_all.deb").unlink()
    message = refused(delivery, delivery.parent / "repo")
    assert message == (
        f"delivery {delivery}: 1 problem(s)\n"
        f"{delivery / f'{PKG}_1.0_all.deb'}: missing (listed in {delivery / 'manifest.yml'} "
        f"as {PKG}=1.0)"
    )


def test_unlisted_deb_is_refused(delivery: Path) -> None:
    extra = delivery / "extra_9.9_all.deb"
    shutil.copy(delivery / f"{PKG}_1.0_all.deb", extra)
    message = refused(delivery, delivery.parent / "repo")
    assert message == (
        f"delivery {delivery}: 1 problem(s)\n"
        f"{extra}: not in {delivery / 'manifest.yml'} (every .deb must be listed with its "
        "package, version and SHA-256)"
    )


def test_version_mismatch_is_refused(delivery: Path) -> None:
    # the manifest pins 1.0's file (right digest) as 1.5: its control file says 1.0
    path = edit_manifest(delivery, {"version": "1.5"})
    message = refused(delivery, delivery.parent / "repo")
    assert message == (
        f"delivery {delivery}: 1 problem(s)\n"
        f"{delivery / f'{PKG}_1.0_all.deb'}: is {PKG}=1.0, {path} pins {PKG}=1.5"
    )


def test_all_problems_are_reported_at_once(delivery: Path) -> None:
    (delivery / f"{PKG}_1.0_all.deb").unlink()
    (delivery / f"{PKG}_3.0_all.deb").write_bytes(b"not a deb")
    message = refused(delivery, delivery.parent / "repo")
    assert message.startswith(f"delivery {delivery}: 2 problem(s)\n")
    assert "_1.0_all.deb: missing" in message
    assert "_3.0_all.deb: SHA-256 mismatch" in message


def test_unquoted_version_is_refused_naming_the_field(delivery: Path) -> None:
    path = delivery / "manifest.yml"
    path.write_text(path.read_text().replace('version: "2.0"', "version: 2.0"))
    with pytest.raises(ArtifactsInvalid) as caught:
        manifest.load(path)
    assert caught.value.message == (
        f"manifest {path}: 1 problem(s)\n{path}: packages.1.version: Input should be a valid string"
    )


def test_duplicate_pin_is_refused(delivery: Path) -> None:
    path = edit_manifest(delivery, {"version": "1.0"}, index=1)
    with pytest.raises(ArtifactsInvalid) as caught:
        manifest.load(path)
    assert caught.value.message == f"manifest {path}: 1 problem(s)\n{path}: {PKG}=1.0 listed twice"


def test_missing_manifest_is_an_input_error(delivery: Path) -> None:
    (delivery / "manifest.yml").unlink()
    with pytest.raises(InputError) as caught:
        repo.publish(delivery, delivery.parent / "repo")
    assert caught.value.message == (
        f"{delivery / 'manifest.yml'}: cannot read the manifest (No such file or directory)"
    )


def test_foreign_output_directory_is_left_alone(delivery: Path) -> None:
    out = delivery.parent / "precious"
    out.mkdir()
    (out / "data.txt").write_text("keep me")
    with pytest.raises(InputError) as caught:
        repo.publish(delivery, out)
    assert caught.value.message == (
        f"{out}: not empty and not a repository published by `sharpeyes artifacts publish`"
    )
    assert [p.name for p in out.iterdir()] == ["data.txt"]
    assert not (delivery.parent / "state").exists()


def test_cli_tampered_exits_3_and_names_the_file(
    delivery: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deb = delivery / f"{PKG}_3.0_all.deb"
    deb.write_bytes(deb.read_bytes()[:-1])
    out = delivery.parent / "repo"
    with pytest.raises(SystemExit) as exited:
        main(["artifacts", "publish", str(delivery), "--repo", str(out)])
    assert exited.value.code == EXIT_INVALID_INPUT
    assert f"{deb}: SHA-256 mismatch" in capsys.readouterr().err.replace("\n", "")
    assert not out.exists()


def test_pool_path_drops_the_epoch() -> None:
    assert repo.pool_path("main", "vendor-media", "1:2.0-3", "amd64") == (
        "pool/main/v/vendor-media/vendor-media_2.0-3_amd64.deb"
    )
    assert repo.pool_path("main", "libfoo", "1.0", "all") == (
        "pool/main/libf/libfoo/libfoo_1.0_all.deb"
    )


def test_list_prints_the_pinned_packages_and_the_roles_packages(
    delivery: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["artifacts", "list", "--manifest", str(delivery / "manifest.yml"), "--json"])
    needed = json.loads(capsys.readouterr().out)
    vendor = [n["package"] for n in needed if n["kind"] == "vendor"]
    assert vendor == [f"{PKG}=1.0", f"{PKG}=2.0", f"{PKG}=3.0"]
    assert {"kind": "debian", "package": "chrony"} in [
        {"kind": n["kind"], "package": n["package"]} for n in needed
    ]


def test_role_packages_skip_jinja_and_foreign_keys(tmp_path: Path) -> None:
    vars_dir = tmp_path / "roles/web/vars"
    vars_dir.mkdir(parents=True)
    (vars_dir / "Debian.yml").write_text(
        yaml.safe_dump(
            {
                "__web_packages": ["nginx", "{{ web_extra }}"],
                "__web_tls_packages": ["ssl-cert"],
                "__other_packages": ["nope"],
                "__web_port": 80,
            }
        )
    )
    got = [(n.package, n.source) for n in listing.roles(tmp_path / "roles")]
    assert got == [
        ("nginx", "role web (roles/web/vars/Debian.yml)"),
        ("ssl-cert", "role web (roles/web/vars/Debian.yml)"),
    ]


def test_missing_delivery_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        repo.publish(tmp_path / "nope", tmp_path / "repo")
    assert caught.value.message == (
        f"{tmp_path / 'nope'}: not a directory (the vendor delivery of .deb files)"
    )
    assert list(tmp_path.iterdir()) == []
