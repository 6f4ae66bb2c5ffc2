"""The dataset format and its one reader: layout, load/merge, canonical dump, references."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sharpeyes.errors import DatasetInvalid
from sharpeyes.paths import netbox_data_dir
from sharpeyes.sot import loader, schema
from sharpeyes.sot.dataset import dumps, iter_refs
from sharpeyes.sot.loader import layout, load, read_file
from sharpeyes.sot.schema import Kind

FIXTURE = Path(__file__).parents[1] / "integration" / "data" / "fixture"
SITES = "---\nendpoint: dcim.sites\nobjects:\n"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_fixture_loads_and_dumps_byte_identical() -> None:
    assert load(FIXTURE).dataset.count() == 43
    paths, problems = layout(FIXTURE)
    assert problems == [] and len(paths) == 22
    for path in paths:
        fl = read_file(path, FIXTURE)
        assert fl.endpoint is not None and fl.problems == []
        text = dumps(fl.endpoint, [obj.data for obj, _ in fl.objects])
        assert text == path.read_text(encoding="utf-8"), path


def test_split_files_merge_and_duplicates_are_errors(tmp_path: Path) -> None:
    _write(tmp_path / "estate" / "dcim.sites.a.yml", SITES + "  - {slug: a, name: A}\n")
    _write(tmp_path / "estate" / "dcim.sites.b.yml", SITES + "  - {slug: b, name: B}\n")
    _write(tmp_path / "README.md", "not a dataset file\n")
    ds = load(tmp_path).dataset
    assert sorted(o.key for o in ds.objects["dcim.sites"]) == ["a", "b"]
    _write(tmp_path / "custom" / "dcim.sites.yml", SITES + "  - {slug: a, name: Again}\n")
    with pytest.raises(DatasetInvalid) as info:
        load(tmp_path)
    shown = tmp_path.name
    assert info.value.problems == [
        f"{shown}/estate/dcim.sites.a.yml: site a: duplicate dcim.sites key "
        f"(first in {shown}/custom/dcim.sites.yml)"
    ]


def test_the_parsed_dataset_is_cached_by_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHARPEYES_CACHE_DIR", str(tmp_path / "cache"))
    data = tmp_path / "netbox"
    sites = _write(data / "estate" / "dcim.sites.yml", SITES + "  - {slug: a, name: A}\n")
    _write(data / "custom" / "extras.tags.yml", "---\nendpoint: extras.tags\nobjects: []\n")
    parsed: list[str] = []
    real_read = loader.read_file

    def counting_read(path: Path, data_dir: Path) -> loader.FileLoad:
        parsed.append(path.name)
        return real_read(path, data_dir)

    monkeypatch.setattr(loader, "read_file", counting_read)
    first = loader.load_dataset(data)
    assert sorted(parsed) == ["dcim.sites.yml", "extras.tags.yml"]
    again = loader.load_dataset(data)
    assert len(parsed) == 2  # the second read came from the cache
    assert again.objects["dcim.sites"][0].data == first.objects["dcim.sites"][0].data
    sites.write_text(SITES + "  - {slug: a, name: Changed}\n", encoding="utf-8")
    assert loader.load_dataset(data).objects["dcim.sites"][0].data["name"] == "Changed"
    assert parsed[2:] == ["dcim.sites.yml"]  # one changed file: that file parsed again
    sites.write_text(SITES + "  - {slug: a}\n", encoding="utf-8")  # name missing: invalid
    for _ in range(2):  # problems are never cached
        with pytest.raises(DatasetInvalid, match="name"):
            loader.load_dataset(data)
    assert parsed[3:] == ["dcim.sites.yml", "dcim.sites.yml"]


# The allowed places (loader docstring): endpoint files directly in custom/ and estate/, the
# spec in spec/*.yml, non-YAML files (README, point-list samples) elsewhere.
ALLOWED = [
    "README.md",
    "estate/README.md",
    "spec/qingxin.yml",
    "points/README.md",
    "points/sample-batch-qx-ps01.csv",
    "points/sample-batch-qx-ps01.xlsx",
    ".cache/anything.yml",
]
MISPLACED = [
    ("estate/extra/dcim.sites.extra.yaml", "endpoint files live directly in estate/"),
    ("estate/dcim.sites.yaml", "use the .yml extension"),
    ("estate/dcim.gadgets.yml", "unknown endpoint 'dcim.gadgets'"),
    ("custom/notes.txt", "not a dataset file (name endpoint files"),
    ("dcim.sites.yml", "YAML outside the dataset"),
    ("points/batch.yml", "YAML outside the dataset"),
    ("spec/old/qingxin.yml", "YAML outside the dataset"),
    ("spec/qingxin.yaml", "YAML outside the dataset"),
]


def test_allowed_places_hold_no_problem(tmp_path: Path) -> None:
    site = _write(tmp_path / "estate" / "dcim.sites.yml", SITES + "  - {slug: a, name: A}\n")
    for rel in ALLOWED:
        _write(tmp_path / rel, "---\n{}\n")
    assert layout(tmp_path) == ([site], [])


@pytest.mark.parametrize(("rel", "message"), MISPLACED, ids=[m[0] for m in MISPLACED])
def test_misplaced_files_are_named(tmp_path: Path, rel: str, message: str) -> None:
    _write(tmp_path / "estate" / "dcim.sites.yml", SITES + "  - {slug: a, name: A}\n")
    _write(tmp_path / rel, SITES + "  - {slug: b, name: B}\n")
    with pytest.raises(DatasetInvalid) as info:
        load(tmp_path)
    (problem,) = info.value.problems
    assert problem.startswith(f"{tmp_path.name}/{rel}: ")
    assert message in problem


def test_the_shipped_layout_is_clean() -> None:
    paths, problems = layout(netbox_data_dir())
    assert problems == []
    assert {p.parent.name for p in paths} == {"custom", "estate"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("  - {slug: a, name: A, colour: red}\n", "unknown field 'colour'"),
        ("  - {slug: a}\n", "missing required field 'name'"),
        ("  - {slug: a, name: A, region: {slug: r}}\n", "reference is its slug"),
        ("  - {slug: a, name: A, tags: sharpeyes-managed}\n", "must be a list"),
    ],
)
def test_invalid_objects_name_file_object_and_field(
    tmp_path: Path, body: str, message: str
) -> None:
    path = _write(tmp_path / "estate" / "dcim.sites.yml", SITES + body)
    problems = read_file(path, tmp_path).problems
    assert any(message in p for p in problems), problems
    assert all(p.startswith(f"{tmp_path.name}/estate/dcim.sites.yml: site a: ") for p in problems)


def test_endpoint_must_match_file_name(tmp_path: Path) -> None:
    path = _write(tmp_path / "estate" / "dcim.sites.yml", "---\nendpoint: dcim.regions\n")
    (problem,) = read_file(path, tmp_path).problems
    assert "'endpoint: dcim.regions' does not match the file name (dcim.sites)" in problem


def test_iter_refs_walks_every_reference_kind() -> None:
    cable = {
        "a_terminations": [{"device": "sw", "interface": "GE0/0/1"}],
        "b_terminations": [{"circuit": {"provider": "p", "cid": "C1"}, "term_side": "A"}],
    }
    refs = [(r.field.name, r.target, r.value) for r in iter_refs(_ep("dcim.cables"), cable)]
    assert refs == [
        ("a_terminations", "dcim.interfaces", {"device": "sw", "name": "GE0/0/1"}),
        (
            "b_terminations",
            "circuits.circuit-terminations",
            {"circuit": {"provider": "p", "cid": "C1"}, "term_side": "A"},
        ),
    ]
    ip = {"address": "10.0.0.1/24", "vrf": "v", "assigned_object": {"device": "d", "name": "e"}}
    targets = [(r.field.name, r.target) for r in iter_refs(_ep("ipam.ip-addresses"), ip)]
    assert targets == [("vrf", "ipam.vrfs"), ("assigned_object", "dcim.interfaces")]
    iface = {"device": "d", "name": "e", "tagged_vlans": [{"group": "g", "vid": 1}], "tags": []}
    values = [(r.field.name, r.value) for r in iter_refs(_ep("dcim.interfaces"), iface)]
    assert values == [("device", "d"), ("tagged_vlans", {"group": "g", "vid": 1})]


def _ep(name: str) -> schema.Endpoint:
    return schema.REGISTRY[name]


def test_natural_order_and_composite_references() -> None:
    objs: list[dict[str, Any]] = [
        {"device": "cam0010", "name": "eth0", "type": "1000base-t"},
        {"device": "cam0009", "name": "eth0", "type": "1000base-t"},
        {"device": "cam0009", "name": "bond0", "type": "lag", "lag": None},
    ]
    text = dumps("dcim.interfaces", objs)
    assert text.index("cam0009") < text.index("cam0010")
    assert text.index("bond0") < text.index("name: eth0")
    assert text.startswith("---\nendpoint: dcim.interfaces\nobjects:\n  - device:")


def test_registry_is_in_dependency_order() -> None:
    for ep in schema.ENDPOINTS:
        for f in ep.fields:
            if f.deferred:
                continue
            for target in [f.target, *f.types.values()]:
                if target is None or target not in schema.REGISTRY:
                    continue
                if target == ep.name:
                    assert f.name in ep.self_refs, (ep.name, f.name)
                else:
                    assert schema.ORDER[target] < schema.ORDER[ep.name], (ep.name, f.name, target)
            if f.kind is Kind.TERMS:
                for _, target in schema.CABLE_TERMINATIONS.values():
                    if target in schema.REGISTRY:
                        assert schema.ORDER[target] < schema.ORDER[ep.name]
