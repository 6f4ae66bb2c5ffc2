"""The generator: deterministic, matches the committed data, reports drift by file; the spec
speaks the project's vocabulary; point layout and link sizing."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from sharpeyes.errors import InputError, ValidationFailed
from sharpeyes.paths import netbox_data_dir
from sharpeyes.sot import generate as gen
from sharpeyes.sot.generate import catalogue, stations
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


@pytest.fixture
def generated(monkeypatch: pytest.MonkeyPatch, files: dict[str, str]) -> dict[str, str]:
    """`run` hands out the module's generation instead of generating again (seconds each)."""
    monkeypatch.setattr(gen, "generate", lambda _spec: files)
    return files


def test_drift_names_the_file(tmp_path: Path, generated: dict[str, str]) -> None:
    files = generated
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


def test_run_writes_only_changed_files(tmp_path: Path, generated: dict[str, str]) -> None:
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


def test_too_many_cameras_for_a_satellite_converter(tmp_path: Path) -> None:
    text = SPEC.read_text(encoding="utf-8").replace(
        "cameras: {checkpoint: 16}", "cameras: {checkpoint: 60}", 1
    )
    bad = tmp_path / "qingxin.yml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(
        InputError, match=r"site qx-cp01: point qx-cp01-p00\d has 15 cameras, more than the conv"
    ):
        gen.generate(load_spec(bad))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'poe_draw_w: 15, type_code: "132"',
            'poe_draw_w: 15, type_code: "121"',
            "cameras.checkpoint: type_code 121 is not 132",
        ),
        (
            "platform: h3c-comware7",
            "platform: h3c-comware5",
            "switches.h3c: unknown platform h3c-comware5 (h3c-comware7, huawei-vrp5)",
        ),
    ],
)
def test_spec_catalogue_speaks_the_vocabulary(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    text = SPEC.read_text(encoding="utf-8")
    assert old in text
    bad = tmp_path / "qingxin.yml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ValidationFailed) as info:
        load_spec(bad)
    assert any(message in p for p in info.value.problems)


def test_layout_places_hubs_direct_points_and_every_camera() -> None:
    site = next(s for s in load_spec(SPEC).sites if s.slug == "qx-ps01")
    points = stations.layout(site, random.Random(1))
    kinds = [p.kind for p in points]
    assert len(points) == site.points
    assert kinds.count("hub") == site.switches
    assert kinds.count("direct") == site.links - site.switches
    assert sum(p.cameras for p in points) == sum(site.cameras.values())
    assert all(p.cameras == 1 for p in points if p.kind == "direct")
    hubs = {p.index for p in points if p.kind == "hub"}
    assert all(p.hub in hubs and p.hub < p.index for p in points if p.kind == "satellite")


@pytest.mark.parametrize(
    ("main_mbps", "steps", "kbps"),
    [
        (16, catalogue.FE_LINK_STEPS_MBPS, 20_000),  # 16 Mbit/s x 1.25 = 20
        (20, catalogue.FE_LINK_STEPS_MBPS, 50_000),
        (4000, catalogue.FE_LINK_STEPS_MBPS, 200_000),  # capped at the last step
        (172, catalogue.SITE_LINK_STEPS_MBPS, 300_000),  # 215 Mbit/s
    ],
)
def test_link_bandwidth_rounds_up_to_a_lease_step(
    main_mbps: float, steps: tuple[int, ...], kbps: int
) -> None:
    assert catalogue.bandwidth_kbps(main_mbps, steps) == kbps
