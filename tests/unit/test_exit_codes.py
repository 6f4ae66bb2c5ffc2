"""The exit-code contract in one table: every command on a good and a bad input (STYLE 9.9).

0 ok · 1 a target failed · 2 changes/drift · 3 invalid input or usage · 4 a dependency is
unreachable. Commands that need NetBox run here against an unreachable one: bad input is still 3
(the input is read before connecting), good input is 4; their good cases against a real NetBox
are in tests/integration/test_cli_exit_codes.py. `lab up|down|images|reset` and `demo` start or
change the lab, so only their usage errors are here (the e2e tier runs them). Nothing here starts
or touches a lab: the lab state directory is an empty temporary one.

The table runs in-process through `main` (the console script's entry point) in one fixture; each
row is still its own test. Only `sot validate` and `points check` read the whole repo dataset
(one good row each).
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from typer.main import get_command

from sharpeyes.cli.main import app, main
from sharpeyes.errors import (
    EXIT_CHANGES,
    EXIT_INVALID_INPUT,
    EXIT_OK,
    EXIT_TARGET_FAILED,
    EXIT_UNREACHABLE,
)
from sharpeyes.inventory import snapshot, source
from sharpeyes.inventory.model import Inventory
from sharpeyes.lab.ssh import ensure_key
from sharpeyes.paths import netbox_data_dir

TESTS = Path(__file__).resolve().parents[1]
UNREACHABLE = "http://127.0.0.1:9"  # the discard port: connection refused at once


@dataclass(frozen=True)
class Case:
    """`sharpeyes *argv` exits `code` and prints `fragment` (stdout or stderr).

    argv items may name an input of the `inputs` fixture as {name}.
    """

    argv: tuple[str, ...]
    code: int
    fragment: str
    unset: tuple[str, ...] = ()  # environment variables removed for this row

    @property
    def id(self) -> str:
        return " ".join(self.argv) + "".join(f" (no {name})" for name in self.unset)


def case(argv: str, code: int, fragment: str, *unset: str) -> Case:
    return Case(tuple(argv.split()), code, fragment, unset)


TABLE = [
    # the root
    case("--help", EXIT_OK, "Usage: sharpeyes"),
    case("--bogus", EXIT_INVALID_INPUT, "No such option: --bogus"),
    case("sot bogus", EXIT_INVALID_INPUT, "No such command 'bogus'"),
    # sot validate: the real dataset (the one slow row), a tiny dataset short of the seed counts
    case("sot validate", EXIT_OK, "ok: sites 26"),
    case("sot validate --data {fixture}", EXIT_INVALID_INPUT, "the seed says"),
    case("sot validate --data {missing}", EXIT_INVALID_INPUT, "dataset directory not found"),
    # sot summary
    case("sot summary --json --data {fixture}", EXIT_OK, '"sites": 2'),
    case("sot summary --data {missing}", EXIT_INVALID_INPUT, "dataset directory not found"),
    case("sot summary --data {badyaml}", EXIT_INVALID_INPUT, "dcim.sites.yml"),
    # sot plan / apply / export: NetBox unreachable; bad input is reported before connecting
    case("sot plan --data {fixture}", EXIT_UNREACHABLE, f"NetBox at {UNREACHABLE} is unreachable"),
    case("sot plan --data {badyaml}", EXIT_INVALID_INPUT, "dcim.sites.yml"),
    case("sot plan --data {fixture}", EXIT_INVALID_INPUT, "NETBOX_TOKEN not set", "NETBOX_TOKEN"),
    case("--lab sot plan --data {fixture}", EXIT_UNREACHABLE, "never brought up"),
    case("sot apply --yes --data {fixture}", EXIT_UNREACHABLE, "is unreachable"),
    case("sot apply --yes --data {badyaml}", EXIT_INVALID_INPUT, "dcim.sites.yml"),
    case("sot apply --batch-size 0", EXIT_INVALID_INPUT, "Invalid value for '--batch-size'"),
    case("sot export --data {fixture}", EXIT_UNREACHABLE, "is unreachable"),
    case("sot export --data {badyaml}", EXIT_INVALID_INPUT, "dcim.sites.yml"),
    # sot generate on a one-site spec: write, in sync, drifted (a data dir holding only the
    # spec), a broken or missing spec
    case("sot generate --data {spec_only}", EXIT_OK, "file(s) changed"),
    case("sot generate --check --data {generated}", EXIT_OK, "files match the spec"),
    case("sot generate --check --data {drift}", EXIT_CHANGES, "dataset drifted from the spec"),
    case("sot generate --check --spec {broken_yaml}", EXIT_INVALID_INPUT, "not valid YAML"),
    case("sot generate --check --spec {missing}", EXIT_INVALID_INPUT, "cannot read spec"),
    # points check (offline) / import (live NetBox: unreachable here; the file is read first)
    case("points check {good_csv}", EXIT_OK, "ok: every row passed"),
    case("points check {bad_header_csv}", EXIT_INVALID_INPUT, "unknown header 'foo'"),
    case("points check {bad_rows_csv}", EXIT_INVALID_INPUT, "19 problem(s)"),
    case("points check {field_csv} --use-cached-values", EXIT_OK, "ok: every row passed"),
    case("points check {missing}", EXIT_INVALID_INPUT, "no such file"),
    case("points import {good_csv}", EXIT_UNREACHABLE, "is unreachable"),
    case("points import {good_csv} --apply", EXIT_UNREACHABLE, "is unreachable"),
    case("points import {bad_header_csv} --apply", EXIT_INVALID_INPUT, "unknown header 'foo'"),
    case("points import {missing}", EXIT_INVALID_INPUT, "no such file"),
    case("points import {field_csv} --use-cached-values", EXIT_UNREACHABLE, "is unreachable"),
    # inventory snapshot / check: NetBox unreachable (4), bad input first (3)
    case("inventory snapshot", EXIT_UNREACHABLE, f"NetBox at {UNREACHABLE} is unreachable"),
    case("inventory snapshot", EXIT_INVALID_INPUT, "NETBOX_TOKEN not set", "NETBOX_TOKEN"),
    case("inventory snapshot -i {missing}", EXIT_INVALID_INPUT, "no such file or directory"),
    case("inventory check {snapshot}", EXIT_UNREACHABLE, "is unreachable"),
    case("inventory check {edited_snapshot}", EXIT_INVALID_INPUT, "does not match its sha256"),
    case("inventory check {broken_yaml}", EXIT_INVALID_INPUT, "not a sharpeyes inventory snapshot"),
    case("inventory check {missing}", EXIT_INVALID_INPUT, "cannot read the snapshot"),
    # lab: read-only commands on a lab that was never brought up, usage errors for the rest
    case("lab status --json", EXIT_OK, '"netbox"'),
    case("lab env", EXIT_UNREACHABLE, "never brought up"),
    case("lab up routers", EXIT_INVALID_INPUT, "'routers' is not one of"),
    case("lab down routers", EXIT_INVALID_INPUT, "'routers' is not one of"),
    case("lab fault qx-cp01-sw01 --clear", EXIT_UNREACHABLE, "lab up switches"),
    case("lab fault qx-cp01-sw01 --delay soon", EXIT_INVALID_INPUT, "Invalid value for '--delay'"),
    case("lab reboot qx-cp01-sw01", EXIT_UNREACHABLE, "control socket"),
    case("lab images --bogus", EXIT_INVALID_INPUT, "No such option: --bogus"),
    case("lab raidvm pull-disk three", EXIT_INVALID_INPUT, "Invalid value for 'slot'"),
    case("lab reset hosts", EXIT_INVALID_INPUT, "lab reset: unknown part 'hosts'"),
    case("lab snapshot list", EXIT_OK, "  repo  "),
    case("lab snapshot commit", EXIT_UNREACHABLE, "never brought up"),
    # ops bootstrap: input checked before any host is contacted; a refused connection is a
    # failed target
    case("ops bootstrap", EXIT_INVALID_INPUT, "Missing argument 'HOST[:PORT]...'"),
    case("ops bootstrap h --ops-key {missing}", EXIT_INVALID_INPUT, "does not exist"),
    case("ops bootstrap h:0 --ops-key {opskey}", EXIT_INVALID_INPUT, "port '0' is not 1..65535"),
    case(
        "ops bootstrap 127.0.0.1:9 --ops-key {opskey} --known-hosts {known_hosts}",
        EXIT_TARGET_FAILED,
        "cannot reach 127.0.0.1:9",
    ),
    case("ops facts", EXIT_UNREACHABLE, f"NetBox at {UNREACHABLE} is unreachable"),
    case("ops restart", EXIT_INVALID_INPUT, "Missing argument 'service'"),
    case("ops update --batch 0", EXIT_INVALID_INPUT, "Invalid value for '--batch'"),
    # switch: NetBox unreachable (4), usage errors (3)
    case("switch render", EXIT_UNREACHABLE, f"NetBox at {UNREACHABLE} is unreachable"),
    case("switch diff --site x", EXIT_UNREACHABLE, f"NetBox at {UNREACHABLE} is unreachable"),
    case("switch backup", EXIT_UNREACHABLE, f"NetBox at {UNREACHABLE} is unreachable"),
    case("switch push --batch 0", EXIT_INVALID_INPUT, "Invalid value for '--batch'"),
    case("switch verify --name x", EXIT_UNREACHABLE, f"NetBox at {UNREACHABLE} is unreachable"),
    case("switch rollback --max-failures 1", EXIT_INVALID_INPUT, "No such option"),
    # artifacts: offline (full cases in tests/unit/test_artifacts.py)
    case("artifacts publish {missing}", EXIT_INVALID_INPUT, "missing: not a directory"),
    case("artifacts list", EXIT_OK, "chrony"),
    # demo
    case("demo extra", EXIT_INVALID_INPUT, "unexpected extra argument"),
]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Named input files and directories, good and bad."""
    root = tmp_path_factory.mktemp("exit-codes")
    badyaml = root / "badyaml"
    (badyaml / "estate").mkdir(parents=True)
    (badyaml / "estate" / "dcim.sites.yml").write_text("objects: [\n", encoding="utf-8")
    spec = yaml.safe_load((netbox_data_dir() / "spec" / "qingxin.yml").read_text("utf-8"))
    spec["sites"] = [s for s in spec["sites"] if s["slug"] == "qx-ts01"]  # ~0.3 s to generate
    spec["totals"] = {"new_boxes": 2, "signs": 2}
    for name in ("spec_only", "generated", "drift"):
        (root / name / "spec").mkdir(parents=True)
        (root / name / "spec" / "qingxin.yml").write_text(
            yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    generated = invoke(["sot", "generate", "--data", str(root / "generated")], {})
    assert generated.code == EXIT_OK, generated.stderr
    (root / "broken.yml").write_text("spec: [\n", encoding="utf-8")
    (root / "bad-header.csv").write_text("foo,bar\n1,2\n", encoding="utf-8")
    ensure_key(root / "ops_ed25519", "exit-codes")
    (root / "known_hosts").write_text("", encoding="utf-8")
    snap = snapshot.render(
        source.Loaded(
            Inventory.from_ansible({"all": {}, "servers": {"hosts": ["vc01"]}}),
            (netbox_data_dir().parent / "inventory" / "netbox.yml",),
            UNREACHABLE,
            "4.7.3",
        )
    )
    (root / "snapshot.yml").write_text(snap, encoding="utf-8")
    (root / "edited.yml").write_text(snap.replace("vc01", "vc02"), encoding="utf-8")
    return {
        "opskey": str(root / "ops_ed25519"),
        "known_hosts": str(root / "known_hosts"),
        "fixture": str(TESTS / "integration" / "data" / "fixture"),
        "missing": str(root / "missing"),
        "badyaml": str(badyaml),
        "spec_only": str(root / "spec_only"),
        "generated": str(root / "generated"),
        "drift": str(root / "drift"),
        "broken_yaml": str(root / "broken.yml"),
        "good_csv": str(netbox_data_dir() / "points" / "sample-batch-qx-ps01.csv"),
        "field_csv": str(netbox_data_dir() / "points" / "sample-field-qx-ps01.csv"),
        "bad_header_csv": str(root / "bad-header.csv"),
        "snapshot": str(root / "snapshot.yml"),
        "edited_snapshot": str(root / "edited.yml"),
        "bad_rows_csv": str(TESTS / "unit" / "data" / "points" / "bad-batch-qx-ps01.csv"),
    }


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str


def invoke(argv: list[str], env: dict[str, str | None]) -> Outcome:
    """`sharpeyes *argv` in this process, exactly as the console script runs it (`main`), with
    stdin empty (a confirmation prompt gets EOF), stdout/stderr captured and `env` applied; the
    process environment and logging are restored afterwards."""
    saved_env = dict(os.environ)
    saved_handlers, saved_level = logging.root.handlers[:], logging.root.level
    logging.root.handlers.clear()  # the CLI's basicConfig binds to this call's stderr
    try:
        with CliRunner().isolation(env=env) as (out, err, _):
            try:
                main(argv)
                code = EXIT_OK
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
            return Outcome(code, out.getvalue().decode(), err.getvalue().decode())
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        logging.root.handlers[:] = saved_handlers
        logging.root.setLevel(saved_level)


@pytest.fixture(scope="module")
def results(inputs: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """Every row of the table, run once, in-process (a subprocess per row costs ~0.4 s of
    interpreter start and imports; tests/unit/test_cli.py runs the real console script)."""
    env: dict[str, str | None] = {
        "NETBOX_API": UNREACHABLE,
        "NETBOX_TOKEN": "0123456789abcdef0123456789abcdef01234567",
        "SHARPEYES_STATE_DIR": str(tmp_path_factory.mktemp("no-lab")),
        "SHARPEYES_DEBUG": None,
        "COLUMNS": "300",
    }
    return {
        c.id: invoke([a.format(**inputs) for a in c.argv], {**env, **dict.fromkeys(c.unset)})
        for c in TABLE
    }


@pytest.mark.parametrize("c", TABLE, ids=[c.id for c in TABLE])
def test_exit_code(c: Case, results: dict[str, Outcome]) -> None:
    proc = results[c.id]
    output = proc.stdout + proc.stderr
    assert proc.code == c.code, output[-2000:]
    assert c.fragment in output, output[-2000:]
    assert "Traceback" not in proc.stderr


def test_every_command_is_in_the_table() -> None:
    """A new command gets a row: each `sharpeyes <noun> <verb>` appears in some argv."""
    root = get_command(app)
    assert hasattr(root, "commands")
    commands: set[str] = set()
    for name, cmd in root.commands.items():
        subs = getattr(cmd, "commands", None)
        commands |= {f"{name} {sub}" for sub in subs} if subs else {name}
    argvs = [[a for a in c.argv if not a.startswith("-")] for c in TABLE]
    covered = {" ".join(a[:2]) for a in argvs} | {a[0] for a in argvs if a}
    assert commands - covered == set()
