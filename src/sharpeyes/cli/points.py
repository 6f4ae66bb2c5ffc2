"""`sharpeyes points check|import` (point-list / 点位表).

Library modules (openpyxl, pynetbox behind them) are imported inside each command, so
`sharpeyes --help` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from sharpeyes.points.run import Checked

app = typer.Typer(help="Check and import point lists (点位表).", no_args_is_help=True)

FileArg = Annotated[Path, typer.Argument(help="Point list: .csv (UTF-8 or GB18030) or .xlsx.")]
DataOpt = Annotated[
    Path | None, typer.Option("--data", help="Dataset directory (default: the repo's netbox/).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
CachedOpt = Annotated[
    bool,
    typer.Option(
        "--use-cached-values",
        help="XLSX: read a formula cell as the value the spreadsheet saved with it "
        "(default: refuse formulas; one without a saved value is refused either way).",
    ),
]


def _emit(checked: Checked, as_json: bool, against: str) -> None:
    from sharpeyes.points import plan as points_plan

    if as_json:
        typer.echo(json.dumps(points_plan.as_json(checked.result), indent=2, ensure_ascii=False))
    else:
        typer.echo(
            points_plan.render(checked.result, encoding=checked.sheet.encoding, against=against)
        )


@app.command("check")
def check_cmd(
    file: FileArg, data: DataOpt = None, as_json: JsonOpt = False, use_cached: CachedOpt = False
) -> None:
    """Check a point list offline against the repo dataset; exit 3 listing every bad row."""
    from sharpeyes.points import run as points_run

    checked = points_run.check_file(file, data, use_cached_values=use_cached)
    _emit(checked, as_json, "repo dataset")
    if not as_json:
        typer.echo("ok: every row passed (nothing written).")


@app.command("import")
def import_cmd(
    file: FileArg,
    apply: Annotated[bool, typer.Option("--apply", help="Write to NetBox (default: dry run).")] = (
        False
    ),
    data: DataOpt = None,
    as_json: JsonOpt = False,
    use_cached: CachedOpt = False,
) -> None:
    """Check a point list against live NetBox and print the plan; --apply writes it."""
    from rich.console import Console

    from sharpeyes.points import run as points_run

    session = points_run.prepare_import(file, data, use_cached_values=use_cached)
    _emit(session.checked, as_json, "live NetBox")
    counts = session.counts()
    if not as_json:
        typer.echo(
            "NetBox changes: "
            + ", ".join(f"{ep} +{n['create']} ~{n['update']}" for ep, n in counts.items())
        )
    if not apply:
        if not as_json:
            typer.echo("dry run: nothing written; re-run with --apply to write these objects.")
        return
    result = points_run.apply_import(session)
    typer.echo(
        f"applied: {result.created} created, {result.updated} updated "
        f"({result.requests} bulk requests).",
        err=as_json,  # keep stdout pure JSON
    )
    Console(stderr=True, highlight=False).print(
        f"[yellow]hint:[/] {points_run.EXPORT_HINT}", markup=True
    )
