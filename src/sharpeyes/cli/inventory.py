"""`sharpeyes inventory snapshot|check`: offline inventories from NetBox and their drift.

Library modules are imported inside each command, so `sharpeyes --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Offline inventory snapshots and their drift from NetBox.", no_args_is_help=True
)

SourcesOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "-i",
        "--inventory",
        help="Inventory source, repeatable (default: inventory/netbox.yml; add inventory/lab "
        "for the lab's connection layer).",
    ),
]


@app.command("snapshot")
def snapshot_cmd(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write here (default: stdout).")
    ] = None,
    sources: SourcesOpt = None,
) -> None:
    """Write the live inventory as an offline YAML inventory (ansible-playbook -i FILE)."""
    from sharpeyes.inventory import snapshot, source

    loaded = source.load(sources or None, live=True)
    text = snapshot.render(loaded)
    if output is None:
        typer.echo(text, nl=False)
        return
    tmp = output.with_name(output.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(output)
    groups = len(loaded.inventory.groups) - 1
    typer.echo(f"{output}: {len(loaded.inventory.hosts)} hosts, {groups} groups", err=True)


@app.command("check")
def check_cmd(
    file: Annotated[Path, typer.Argument(help="A snapshot written by `inventory snapshot`.")],
    sources: SourcesOpt = None,
) -> None:
    """Compare a snapshot with live NetBox: exit 0 same, 2 drifted (differences listed)."""
    from sharpeyes.errors import EXIT_CHANGES
    from sharpeyes.inventory import snapshot

    result = snapshot.check(file, sources or None)
    where = result.live.netbox_url or "the live sources"
    if not result.differences:
        typer.echo(f"{file}: same as {where} ({len(result.live.inventory.hosts)} hosts)")
        return
    typer.echo(f"{file} (taken {result.header.created}) drifted from {where}:")
    for line in result.differences:
        typer.echo(f"  {line}")
    typer.echo(f"{len(result.differences)} difference(s)")
    raise typer.Exit(EXIT_CHANGES)
