"""Every role keeps its defaults, argument_specs, vars and README consistent (STYLE 9.2-9.6)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from sharpeyes import roledoc

ROLES_DIR = Path(__file__).resolve().parents[2] / "roles"
ROLES = sorted(path for path in ROLES_DIR.iterdir() if path.is_dir()) if ROLES_DIR.is_dir() else []


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None


def _defaults(role: Path) -> dict[str, Any]:
    return _yaml(role / "defaults" / "main.yml") or {}


def test_there_are_roles() -> None:
    assert ROLES, f"no role under {ROLES_DIR}"


@pytest.mark.parametrize("role", ROLES, ids=lambda path: path.name)
def test_role_has_the_standard_files(role: Path) -> None:
    for relative in ("README.md", "meta/main.yml", "meta/argument_specs.yml", "tasks/main.yml"):
        assert (role / relative).is_file(), f"{role.name}: missing {relative}"


@pytest.mark.parametrize("role", ROLES, ids=lambda path: path.name)
def test_defaults_equal_the_argument_specs(role: Path) -> None:
    options = roledoc.main_options(role)
    defaults = _defaults(role)
    required = {name for name, spec in options.items() if (spec or {}).get("required")}
    assert set(defaults) == set(options) - required, (
        f"{role.name}: only in defaults {sorted(set(defaults) - set(options))}, "
        f"only in argument_specs {sorted(set(options) - required - set(defaults))}"
    )
    for name, value in defaults.items():
        spec = options[name] or {}
        assert "default" in spec, f"{role.name}: {name} has no default in argument_specs"
        assert spec["default"] == value, f"{role.name}: {name} default differs from defaults"


@pytest.mark.parametrize("role", ROLES, ids=lambda path: path.name)
def test_every_option_is_typed_and_described(role: Path) -> None:
    for name, raw in roledoc.main_options(role).items():
        spec = raw or {}
        assert name.startswith(f"{role.name}_"), f"{role.name}: {name} lacks the role prefix"
        assert spec.get("type"), f"{role.name}: {name} has no type"
        assert spec.get("description"), f"{role.name}: {name} has no description"
        if spec.get("type") == "list":
            assert spec.get("elements"), f"{role.name}: {name} is a list without elements"


@pytest.mark.parametrize("role", ROLES, ids=lambda path: path.name)
def test_vars_are_internal(role: Path) -> None:
    prefix = f"__{role.name}_"
    for path in sorted((role / "vars").glob("*.yml")):
        bad = [key for key in (_yaml(path) or {}) if not key.startswith(prefix)]
        assert not bad, f"{role.name}/vars/{path.name}: {bad} must start with {prefix}"


@pytest.mark.parametrize("role", ROLES, ids=lambda path: path.name)
def test_meta_has_no_dependencies(role: Path) -> None:
    meta = _yaml(role / "meta" / "main.yml") or {}
    assert not meta.get("dependencies"), f"{role.name}: ordering belongs in playbooks"
    info = meta.get("galaxy_info") or {}
    assert info.get("min_ansible_version"), f"{role.name}: no min_ansible_version"


@pytest.mark.parametrize("role", ROLES, ids=lambda path: path.name)
def test_readme_generated_section_is_current(role: Path) -> None:
    assert roledoc.is_current(role), (
        f"{role.name}/README.md is stale: run `python -m sharpeyes.roledoc roles/{role.name}`"
    )


def test_roledoc_check_flags_a_stale_readme(tmp_path: Path) -> None:
    role = tmp_path / "demo"
    (role / "meta").mkdir(parents=True)
    (role / "meta" / "main.yml").write_text("galaxy_info:\n  min_ansible_version: '2.21'\n")
    (role / "meta" / "argument_specs.yml").write_text(
        "argument_specs:\n  main:\n    options:\n      demo_enabled:\n"
        "        type: bool\n        default: true\n        description: Apply the role.\n"
    )
    (role / "README.md").write_text(f"# demo\n\n{roledoc.BEGIN}\n{roledoc.END}\n")
    assert roledoc.main(["--check", str(role)]) == 1
    assert roledoc.main([str(role)]) == 0
    assert roledoc.main(["--check", str(role)]) == 0
    assert "### `demo_enabled`" in (role / "README.md").read_text()
