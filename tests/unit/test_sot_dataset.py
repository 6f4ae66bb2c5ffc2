"""The dataset format: load/validate/merge, canonical dump (round trip), registry order."""

from __future__ import annotations

from pathlib import Path

import pytest

from sharpeyes.errors import InputError, ValidationFailed
from sharpeyes.sot import schema
from sharpeyes.sot.dataset import dataset_files, dumps, load_dir, load_file
from sharpeyes.sot.schema import Kind

FIXTURE = Path(__file__).parents[1] / "integration" / "data" / "fixture"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_fixture_loads_and_dumps_byte_identical() -> None:
    ds = load_dir(FIXTURE)
    assert ds.count() == 43
    for path in dataset_files(FIXTURE):
        ep, objs = load_file(path)
        assert dumps(ep, [o.data for o in objs]) == path.read_text(encoding="utf-8"), path


def test_split_files_merge_and_duplicates_are_errors(tmp_path: Path) -> None:
    head = "---\nendpoint: dcim.sites\nobjects:\n"
    _write(tmp_path / "estate" / "dcim.sites.a.yml", head + "  - {slug: a, name: A}\n")
    _write(tmp_path / "estate" / "dcim.sites.b.yml", head + "  - {slug: b, name: B}\n")
    _write(tmp_path / "README.md", "not a dataset file\n")
    ds = load_dir(tmp_path)
    assert sorted(o.key for o in ds.objects["dcim.sites"]) == ["a", "b"]
    _write(tmp_path / "custom" / "dcim.sites.yml", head + "  - {slug: a, name: Again}\n")
    with pytest.raises(ValidationFailed, match=r"duplicate dcim\.sites key"):
        load_dir(tmp_path)


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
    path = _write(tmp_path / "dcim.sites.yml", "---\nendpoint: dcim.sites\nobjects:\n" + body)
    with pytest.raises(ValidationFailed) as exc:
        load_file(path)
    assert message in exc.value.message
    assert f"{path}: a: " in exc.value.message


def test_endpoint_must_match_file_name(tmp_path: Path) -> None:
    path = _write(tmp_path / "dcim.sites.yml", "---\nendpoint: dcim.regions\nobjects: []\n")
    with pytest.raises(InputError, match="does not match the file name"):
        load_file(path)


def test_natural_order_and_composite_references() -> None:
    objs = [
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
