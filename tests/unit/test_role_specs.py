"""Every role keeps the role contract (STYLE 9.2-9.6): the checks in `roledoc.CHECKS`, run on every
directory under roles/ (a new role is picked up without touching this file), and proven to catch a
role that breaks each rule."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sharpeyes import roledoc

REPO = Path(__file__).resolve().parents[2]
ROLES = roledoc.discover_roles(REPO / "roles")


def test_there_are_roles() -> None:
    assert ROLES, f"no role under {REPO / 'roles'}"


@pytest.mark.parametrize("check", sorted(roledoc.CHECKS))
@pytest.mark.parametrize("role", ROLES, ids=lambda path: path.name)
def test_role_keeps_the_contract(role: Path, check: str) -> None:
    problems = roledoc.CHECKS[check](role)
    assert problems == [], "\n".join(problems)


def _write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


GOOD_ROLE = {
    "roles/demo/meta/main.yml": (
        "galaxy_info:\n  min_ansible_version: '2.21'\n  platforms:\n"
        "    - name: Debian\n      versions: [bookworm]\ndependencies: []\n"
    ),
    "roles/demo/meta/argument_specs.yml": (
        "argument_specs:\n  main:\n    options:\n"
        "      demo_enabled:\n        type: bool\n        default: true\n"
        "        description: Apply the role.\n"
        "      demo_mode:\n        type: str\n        default: strict\n"
        "        choices: [strict, lenient]\n        description: How strict the role is.\n"
        "      demo_users:\n        type: list\n        elements: dict\n        default: []\n"
        "        description: Users to create.\n        options:\n"
        "          shell:\n            type: str\n            choices: [bash, sh]\n"
        "            description: Login shell.\n"
    ),
    "roles/demo/defaults/main.yml": "demo_enabled: true\ndemo_mode: strict\ndemo_users: []\n",
    "roles/demo/vars/main.yml": "__demo_packages: [demo]\n",
    "roles/demo/tasks/main.yml": "- name: Do nothing\n  ansible.builtin.meta: noop\n",
    "roles/demo/README.md": f"# demo\n\n{roledoc.BEGIN}\n{roledoc.END}\n",
    "molecule/demo/molecule.yml": "provisioner:\n  inventory:\n    group_vars:\n      all: {}\n",
    "molecule/demo/converge.yml": "- name: Converge\n  hosts: all\n  roles:\n    - role: demo\n",
    "molecule/demo/tests/test_demo.py": "",
}

# One breach per check, each with the problem the check must report.
BREACHES: dict[str, tuple[dict[str, str | None], str]] = {
    "files": ({"roles/demo/tasks/main.yml": None}, "demo: missing tasks/main.yml"),
    "options_documented": (
        {
            "roles/demo/meta/argument_specs.yml": "argument_specs:\n  main:\n    options:\n"
            "      demo_users:\n        type: list\n        default: []\n"
            "        description: Users.\n        options:\n"
            "          shell:\n            type: str\n"
        },
        "demo: demo_users.shell has no description",
    ),
    "defaults_match_specs": (
        {
            "roles/demo/defaults/main.yml": (
                "demo_enabled: false\ndemo_mode: strict\ndemo_users: []\n"
            ),
        },
        "demo: demo_enabled defaults to False in defaults/main.yml but True in argument_specs",
    ),
    "choices_in_readme": (
        {"roles/demo/README.md": f"# demo\n\n{roledoc.BEGIN}\n{roledoc.END}\n"},
        "demo: choice 'bash' of demo_users.shell is not documented in README.md",
    ),
    "vars_internal": (
        {"roles/demo/vars/Debian.yml": "demo_packages: [demo]\n"},
        "demo: vars/Debian.yml: ['demo_packages'] must start with __demo_",
    ),
    "readme_current": (
        {"roles/demo/README.md": f"# demo\n\n{roledoc.BEGIN}\nhand-edited\n{roledoc.END}\n"},
        "demo/README.md is stale",
    ),
    "meta": (
        {
            "roles/demo/meta/main.yml": "galaxy_info:\n  min_ansible_version: '2.21'\n"
            "dependencies: [base]\n"
        },
        "demo: meta/main.yml has dependencies; ordering belongs in playbooks",
    ),
    "molecule_scenario": (
        {"molecule/demo/molecule.yml": "scenario:\n  test_sequence: [converge]\n"},
        "demo: molecule/demo/molecule.yml sets scenario.test_sequence, which the shared base "
        ".config/molecule/config.yml owns",
    ),
}


@pytest.fixture
def good_role(tmp_path: Path) -> Path:
    _write(tmp_path, GOOD_ROLE)
    role = tmp_path / "roles" / "demo"
    assert roledoc.main([str(role)]) == 0  # generate the README section
    return role


def test_a_compliant_role_passes_every_check(good_role: Path) -> None:
    assert roledoc.check_role(good_role) == {name: [] for name in roledoc.CHECKS}


def test_every_check_has_a_breach_case() -> None:
    assert set(BREACHES) == set(roledoc.CHECKS)


@pytest.mark.parametrize("check", sorted(BREACHES))
def test_a_broken_role_is_reported(good_role: Path, check: str) -> None:
    changes, expected = BREACHES[check]
    root = good_role.parent.parent
    for relative, text in changes.items():
        if text is None:
            (root / relative).unlink()
        else:
            _write(root, {relative: text})
    problems = roledoc.check_role(good_role)
    assert any(expected in problem for problem in problems[check]), problems[check]


def test_missing_scenario_and_entry_point_are_reported(good_role: Path) -> None:
    (good_role / "meta" / "argument_specs.yml").write_text("argument_specs: {}\n")
    shutil.rmtree(good_role.parent.parent / "molecule" / "demo")
    problems = roledoc.check_role(good_role)
    assert problems["options_documented"] == [
        f"{good_role}/meta/argument_specs.yml: no argument_specs.main entry point"
    ]
    assert "demo: missing molecule/demo/molecule.yml" in problems["molecule_scenario"]
    assert "demo: missing molecule/demo/tests/test_demo.py" in problems["molecule_scenario"]


def test_generated_section_documents_suboption_choices(good_role: Path) -> None:
    text = (good_role / "README.md").read_text()
    assert "- Choices: `strict`, `lenient`" in text
    assert "Login shell. Choices: `bash`, `sh`." in text


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


def test_a_shared_scenario_covers_each_role_it_converges(good_role: Path) -> None:
    root = good_role.parent.parent
    shutil.rmtree(root / "molecule" / "demo")
    _write(
        root,
        {
            "molecule/stack/molecule.yml": "provisioner: {}\n",
            "molecule/stack/converge.yml": (
                "- name: Converge\n  hosts: all\n  roles:\n    - role: other\n    - role: demo\n"
            ),
        },
    )
    assert roledoc.scenario_dir(good_role) == root / "molecule" / "stack"
    assert roledoc.check_role(good_role)["molecule_scenario"] == [
        "demo: missing molecule/stack/tests/test_demo.py"
    ]
    _write(root, {"molecule/stack/tests/test_demo.py": ""})
    assert roledoc.check_role(good_role)["molecule_scenario"] == []
