"""`sharpeyes artifacts publish|list`: the offline, signed vendor package repository.

Library modules are imported inside each command, so `sharpeyes --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="The offline artifact repository: vendor packages checked, pinned and signed.",
    no_args_is_help=True,
)


@app.command("publish")
def publish_cmd(
    directory: Annotated[
        Path, typer.Argument(help="Directory of the vendor's .deb files (and manifest.yml).")
    ],
    repo: Annotated[
        Path | None,
        typer.Option("--repo", help="Repository to write (default: <state dir>/artifacts/repo)."),
    ] = None,
    manifest: Annotated[
        Path | None,
        typer.Option("--manifest", help="Manifest of the delivery (default: DIR/manifest.yml)."),
    ] = None,
) -> None:
    """Check every .deb against the manifest and publish them as a signed apt repository."""
    from sharpeyes.artifacts import repo as repository

    result = repository.publish(directory, repo, manifest)
    if result.key_created:
        typer.echo(f"generated signing key {result.fingerprint}", err=True)
    state = "published" if result.changed else "unchanged"
    typer.echo(f"{result.out}: {state} ({len(result.pins)} package(s), suite {result.suite})")
    for pin in result.pins:
        typer.echo(f"  {pin}")
    typer.echo(f"signed by {result.fingerprint}; apt Signed-By: {result.keyring}")


@app.command("list")
def list_cmd(
    manifest: Annotated[
        Path | None,
        typer.Option("--manifest", help="Vendor manifest whose pinned packages to list."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Print everything a run needs offline: pinned vendor packages and the roles' packages."""
    import json

    from sharpeyes.artifacts import listing

    needed = (listing.vendor(manifest) if manifest else []) + listing.roles()
    if as_json:
        typer.echo(json.dumps([n.__dict__ for n in needed], indent=2))
        return
    for item in needed:
        typer.echo(f"{item.kind:<7} {item.package:<40} {item.source}")
