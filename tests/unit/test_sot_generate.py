"""The generator: deterministic, matches the committed data, reports drift by file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sharpeyes.errors import InputError, ValidationFailed
from sharpeyes.paths import netbox_data_dir
from sharpeyes.sot import generate as gen
from sharpeyes.sot.spec import load_spec

SPEC = netbox_data_dir() / "spec" / "qingxin.yml"


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    return gen.generate(load_spec(SPEC))


def test_spec_totals_are_the_seeds() -> None:
    spec = load_spec(SPEC)
    assert sum(s.points for s in spec.sites) == 479
    assert sum(s.switches for s in spec.sites) == 80
    assert sum(s.links for s in spec.sites) == 211
    assert sum(sum(s.cameras.values()) for s in spec.sites) == 1134
    assert sum(s.splice_screens for s in spec.sites) == 99
    assert len(spec.sites) == 25


def test_generation_is_deterministic(files: dict[str, str]) -> None:
    assert gen.generate(load_spec(SPEC)) == files


def test_committed_data_matches_the_spec(files: dict[str, str]) -> None:
    assert gen.drift(netbox_data_dir(), files) == []


def test_output_stays_small(files: dict[str, str]) -> None:
    total = sum(len(t.encode()) for t in files.values())
    assert total < 8_000_000


def test_drift_names_the_file(tmp_path: Path, files: dict[str, str]) -> None:
    data = tmp_path / "netbox"
    shutil.copytree(netbox_data_dir(), data)
    path = data / "estate" / "dcim.sites.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("qx-ps01", "qx-ps99", 1))
    (data / "estate" / "dcim.extra.yml").write_text("---\n")
    (data / "custom" / "dcim.platforms.yml").unlink()
    problems = gen.drift(data, files)
    assert problems == [
        "netbox/custom/dcim.platforms.yml: missing (the generator produces it)",
        "netbox/estate/dcim.sites.yml: differs from the spec's generation (first at line "
        + str(
            next(
                n
                for n, line in enumerate(files["estate/dcim.sites.yml"].splitlines(), 1)
                if "qx-ps01" in line
            )
        )
        + ")",
        "netbox/estate/dcim.extra.yml: not produced by the generator",
    ]
    with pytest.raises(gen.DatasetDriftError, match=r"dcim\.sites\.yml: differs"):
        gen.run(data, check=True)


def test_run_writes_only_changed_files(tmp_path: Path) -> None:
    data = tmp_path / "netbox"
    shutil.copytree(netbox_data_dir(), data)
    (data / "estate" / "ipam.vrfs.yml").write_text("---\n")
    _, changed, _ = gen.run(data)
    assert changed == ["estate/ipam.vrfs.yml"]


def test_infeasible_spec_is_rejected(tmp_path: Path) -> None:
    text = SPEC.read_text(encoding="utf-8").replace(
        "points: 43, switches: 6, links: 19", "points: 43, switches: 6, links: 5", 1
    )
    bad = tmp_path / "qingxin.yml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationFailed, match="links must be >= switches"):
        load_spec(bad)


def test_too_many_cameras_for_the_switch_ports(tmp_path: Path) -> None:
    text = SPEC.read_text(encoding="utf-8").replace(
        "cameras: {checkpoint: 16}", "cameras: {checkpoint: 60}", 1
    )
    bad = tmp_path / "qingxin.yml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"site qx-cp01: switch qx-cp01-sw0\d has more cameras"):
        gen.generate(load_spec(bad))
