"""`sharpeyes sot validate|summary|plan|apply|export` (NetBox source of truth).

Library modules (pynetbox, pydantic, yaml behind them) are imported inside each command, so
`sharpeyes --help` stays fast (tests/unit/test_cli.py checks what importing the CLI loads).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from sharpeyes.errors import EXIT_CHANGES
from sharpeyes.paths import netbox_data_dir

# = sharpeyes.sot.apply.BATCH, repeated so the option's default needs no import (a test checks).
DEFAULT_BATCH = 500

app = typer.Typer(
    help="The NetBox source of truth: dataset, validation, sync.", no_args_is_help=True
)


# -- plan / apply / export (the sync engine: sharpeyes.sot.sync) ---------------------------------

_DATA_HELP = "Dataset directory (default: the repo's netbox/)."
DataOpt = Annotated[Path | None, typer.Option("--data", help=_DATA_HELP)]


@app.command("plan")
def plan_cmd(
    data: DataOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    full: Annotated[
        bool,
        typer.Option("--full", help="Read all of NetBox, not just what changed since the base."),
    ] = False,
) -> None:
    """Diff the dataset against live NetBox; exit 0 when in sync, 2 when there are changes.

    With a sync base only what changed since it is read (the change log, the objects the repo
    changed, per-endpoint counts); anything it cannot vouch for falls back to the full read."""
    from sharpeyes.sot import plan as sot_plan
    from sharpeyes.sot import sync as sot_sync

    session = sot_sync.plan(data, full=full)
    if as_json:
        typer.echo(json.dumps(session.plan.as_json(), indent=2, ensure_ascii=False, default=str))
    else:
        typer.echo(sot_plan.format_plan(session.plan))
    if not session.plan.in_sync:
        raise typer.Exit(EXIT_CHANGES)


@app.command("apply")
def apply_cmd(
    data: DataOpt = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking.")] = False,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="Objects per bulk request.")
    ] = DEFAULT_BATCH,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Resolve conflicts (changed in repo and NetBox) on the repo's side."
        ),
    ] = False,
) -> None:
    """Compute the three-way plan, ask, then write it to NetBox in bulk (re-runs converge).

    Objects changed only in NetBox since the last sync are kept (run `sot export`); conflicts
    make it write nothing and exit 3 unless --force. Without a sync base it never deletes."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from sharpeyes.sot import plan as sot_plan
    from sharpeyes.sot import sync as sot_sync

    session = sot_sync.plan(data, force=force)
    typer.echo(sot_plan.format_plan(session.plan))
    if session.plan.conflicts:
        raise sot_sync.ConflictsFound(
            f"{len(session.plan.conflicts)} conflict(s) listed above: nothing was written",
            hint="`sot apply --force` takes the repo's side; `sot export` takes NetBox's",
        )
    if session.plan.in_sync:
        if sot_sync.record_after_apply(session, wrote=False):
            typer.echo("Nothing to write; recorded the sync base (NetBox matches the repo).")
        else:
            typer.echo("Nothing to do: 0 writes.")
        return
    if not yes:
        typer.confirm("Apply these changes to NetBox?", abort=True)
    console = Console(stderr=True)
    columns = (
        TextColumn("{task.description:<40}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("apply", total=sot_sync.expected_work(session))

        def on_progress(desc: str, n: int) -> None:
            bar.update(task, advance=n, description=desc)

        result = sot_sync.apply(session, on_progress, batch=batch_size)
    typer.echo(
        f"Applied: {result.created} created, {result.updated} updated, "
        f"{result.deleted} deleted ({result.requests} bulk requests)."
    )


@app.command("export")
def export_cmd(data: DataOpt = None) -> None:
    """Write live NetBox back into the dataset YAML (review with git diff)."""
    from sharpeyes.sot import sync as sot_sync

    changed = sot_sync.export(data)
    for path in changed:
        typer.echo(f"wrote {path}")
    typer.echo(f"{len(changed)} file(s) changed.")


# -- validate / summary / generate (the dataset: sharpeyes.sot.validate|summary|generate) --------

_DatasetDir = Annotated[
    Path | None, typer.Option("--data", help="Dataset directory (default: the repo's netbox/).")
]


def _dataset_dir(data: Path | None) -> Path:
    return data if data is not None else netbox_data_dir()


@app.command("validate")
def validate_cmd(
    data: _DatasetDir = None,
    against_spec: Annotated[
        bool,
        typer.Option("--against-spec", help="Also fail when the data differs from the spec."),
    ] = False,
) -> None:
    """Check the dataset offline (schema, references, seed counts, GB ids, IPs, ports, PoE,
    storage); exit 3 listing every problem."""
    from sharpeyes.sot import summary as sot_summary
    from sharpeyes.sot import validate as sot_validate

    loaded = sot_validate.validate(_dataset_dir(data), against_spec=against_spec)
    counts = sot_summary.summarise(loaded).counts
    typer.echo("ok: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@app.command("summary")
def summary_cmd(
    data: _DatasetDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Print the estate's counts and the camera prefixes of every site with cameras."""
    from rich.console import Console
    from rich.table import Table

    from sharpeyes.sot import summary as sot_summary

    result = sot_summary.summary(_dataset_dir(data))
    if as_json:
        typer.echo(json.dumps(result.as_json(), indent=2, ensure_ascii=False))
        return
    console = Console()
    counts = Table("item", "count", title="Qingxin estate")
    for key, value in result.counts.items():
        counts.add_row(key, str(value))
    console.print(counts)
    stations = Table("slug", "name", "camera prefixes")
    for st in result.stations:
        stations.add_row(st["slug"], st["name"], " ".join(st["camera_prefixes"]))
    console.print(stations)
    storage = Table("storage", "figure", title="Retention arithmetic")
    for what, figure in result.storage_rows():
        storage.add_row(what, figure)
    console.print(storage)


@app.command("generate")
def generate_cmd(
    data: _DatasetDir = None,
    spec: Annotated[
        Path | None, typer.Option("--spec", help="Spec file (default: <data>/spec/qingxin.yml).")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 2 if the data drifted.")
    ] = False,
) -> None:
    """Expand the bootstrap spec into netbox/custom and netbox/estate (deterministic)."""
    from sharpeyes.sot import generate as sot_generate

    files, changed, secs = sot_generate.run(_dataset_dir(data), spec, check=check)
    if check:
        typer.echo(f"ok: {len(files)} files match the spec ({secs:.1f}s)")
        return
    for rel in changed:
        typer.echo(f"wrote {rel}")
    typer.echo(f"{len(changed)} of {len(files)} file(s) changed ({secs:.1f}s)")
