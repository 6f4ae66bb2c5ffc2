"""`sharpeyes switch render|diff|backup|push|verify|rollback` (docs/runbooks/switches.md).

Switches come from NetBox (role access-switch unless --role), filtered by --site/--role/
--name/--platform; how to reach them from the inventory (`-i`, default inventory/netbox.yml plus
the lab layer when `lab up switches` wrote one). Exit codes: 0 ok; 1 a switch failed (or was
rolled back); 2 diff found changes / verify found drift; 3 bad input (render refused); 4 NetBox
unreachable.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from sharpeyes.switches.model import Switch
    from sharpeyes.switches.pipeline import Result
    from sharpeyes.switches.session import Target

app = typer.Typer(
    help="Switch configurations from NetBox: render, diff, backup, push, verify, rollback.",
    no_args_is_help=True,
)

SiteOpt = Annotated[str | None, typer.Option("--site", help="NetBox site slug.")]
RoleOpt = Annotated[str | None, typer.Option("--role", help="NetBox role slug.")]
NameOpt = Annotated[list[str] | None, typer.Option("--name", help="Switch name (repeatable).")]
PlatformOpt = Annotated[str | None, typer.Option("--platform", help="NetBox platform slug.")]
InventoryOpt = Annotated[
    list[Path] | None,
    typer.Option("-i", "--inventory", help="Inventory source (repeatable)."),
]
BackupOpt = Annotated[
    Path | None, typer.Option("--backup-dir", help="Backup tree [default: <state>/switch-backups].")
]
BatchOpt = Annotated[int, typer.Option("--batch", min=1, help="Switches in parallel per batch.")]
FailOpt = Annotated[
    int, typer.Option("--max-failures", min=1, help="Stop after this many failed switches.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _switches(
    site: str | None, role: str | None, name: list[str] | None, platform: str | None
) -> list[Switch]:
    from sharpeyes.errors import InputError
    from sharpeyes.sot import client
    from sharpeyes.switches import netbox

    found = netbox.load(client.connect(), site=site, role=role, names=name, platform=platform)
    if not found:
        raise InputError("no switch in NetBox matches the filters")
    return found


def _targets(switches: list[Switch], inventory: list[Path] | None) -> dict[str, Target]:
    from sharpeyes.switches import session

    return session.targets([s.name for s in switches], inventory)


def _selected(
    site: str | None,
    role: str | None,
    name: list[str] | None,
    platform: str | None,
    inventory: list[Path] | None,
) -> tuple[dict[str, Switch], dict[str, Target]]:
    """The switches the filters select, by name, and how to reach each."""
    sws = {s.name: s for s in _switches(site, role, name, platform)}
    return sws, _targets(list(sws.values()), inventory)


def err_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True)


def _report(results: list[Result], *, as_json: bool, show_commands: bool = False) -> None:
    import json

    if as_json:
        typer.echo(json.dumps([r.__dict__ for r in results], indent=1))
        return
    if show_commands:
        for r in results:
            if r.found:
                typer.echo(
                    f"# {r.switch}: drift, the switch has (as commands from NetBox's state):"
                )
                typer.echo("\n".join(f"#   {line}" for line in r.found))
            if r.commands:
                typer.echo(f"# {r.switch}: {len(r.commands)} command(s)")
                typer.echo("\n".join(r.commands))
    from rich.table import Table

    table = Table("switch", "commands", "result", "seconds", "detail")
    for r in results:
        table.add_row(r.switch, str(len(r.commands)), r.result, f"{r.seconds:.1f}", r.detail)
    err_console().print(table)


def _exit(results: list[Result], *, changes_are_2: bool) -> None:
    from sharpeyes.switches import pipeline as p

    bad = {p.FAILED, p.ROLLED_BACK, p.SKIPPED}
    if any(r.result in bad for r in results):
        raise typer.Exit(1)
    if changes_are_2 and any(r.result in (p.CHANGED, p.DRIFT) for r in results):
        raise typer.Exit(2)


def _run(
    names: list[str],
    work: Callable[[str], Result],
    *,
    batch: int,
    max_failures: int,
    canary: bool,
) -> list[Result]:
    from rich.progress import Progress

    from sharpeyes.switches import pipeline as p

    with Progress(console=err_console(), transient=True) as bar:
        task = bar.add_task("switches", total=len(names))
        return p.run_batched(
            names,
            work,
            batch=batch,
            max_failures=max_failures,
            canary=canary,
            progress=lambda _r: bar.advance(task),
        )


def _read_only(
    names: list[str], step: Callable[[str], Result], *, batch: int, as_json: bool
) -> None:
    """A step that changes no switch (diff, verify, push --check) on every one of them, none
    skipped: the commands per switch, then exit 2 when any switch has changes or drift."""
    results = _run(names, step, batch=batch, max_failures=len(names) + 1, canary=False)
    _report(results, as_json=as_json, show_commands=True)
    _exit(results, changes_are_2=True)


@app.command("render")
def render_cmd(
    *,
    site: SiteOpt = None,
    role: RoleOpt = None,
    name: NameOpt = None,
    platform: PlatformOpt = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Directory for <switch>.cfg files.")
    ] = None,
    check: Annotated[bool, typer.Option("--check", help="Validate only, write nothing.")] = False,
) -> None:
    """Render each switch's configuration (stdout, or one file per switch with -o)."""
    from sharpeyes.errors import ValidationFailed
    from sharpeyes.switches.render import render

    problems: list[str] = []
    texts: dict[str, str] = {}
    for sw in _switches(site, role, name, platform):
        try:
            texts[sw.name] = render(sw)
        except ValidationFailed as exc:
            problems += exc.problems
    if problems:
        raise ValidationFailed(problems, what="render")
    if check:
        typer.echo(f"{len(texts)} switch configuration(s) render")
        return
    for sw_name, text in texts.items():
        if output is None:
            typer.echo(f"# ---- {sw_name}\n{text}", nl=False)
        else:
            output.mkdir(parents=True, exist_ok=True)
            (output / f"{sw_name}.cfg").write_text(text, encoding="utf-8")
    if output is not None:
        typer.echo(f"wrote {len(texts)} configuration(s) to {output}")


@app.command("diff")
def diff_cmd(
    *,
    site: SiteOpt = None,
    role: RoleOpt = None,
    name: NameOpt = None,
    platform: PlatformOpt = None,
    inventory: InventoryOpt = None,
    batch: BatchOpt = 8,
    as_json: JsonOpt = False,
) -> None:
    """The exact commands push would send, per switch. Exit 2 when there are any."""
    from sharpeyes.switches import pipeline as p

    sws, targets = _selected(site, role, name, platform, inventory)
    _read_only(list(sws), lambda n: p.diff_one(sws[n], targets[n]), batch=batch, as_json=as_json)


@app.command("backup")
def backup_cmd(
    *,
    site: SiteOpt = None,
    role: RoleOpt = None,
    name: NameOpt = None,
    platform: PlatformOpt = None,
    inventory: InventoryOpt = None,
    backup_dir: BackupOpt = None,
    batch: BatchOpt = 8,
    as_json: JsonOpt = False,
) -> None:
    """Save each switch's running configuration (latest + timestamped history)."""
    from sharpeyes.switches import pipeline as p

    directory = backup_dir or p.default_backup_dir()
    sws, targets = _selected(site, role, name, platform, inventory)
    results = _run(
        list(sws),
        lambda n: p.backup_one(targets[n], directory),
        batch=batch,
        max_failures=len(sws) + 1,
        canary=False,
    )
    _report(results, as_json=as_json)
    _exit(results, changes_are_2=False)


@app.command("push")
def push_cmd(
    *,
    site: SiteOpt = None,
    role: RoleOpt = None,
    name: NameOpt = None,
    platform: PlatformOpt = None,
    inventory: InventoryOpt = None,
    backup_dir: BackupOpt = None,
    batch: BatchOpt = 8,
    max_failures: FailOpt = 3,
    check: Annotated[bool, typer.Option("--check", help="Show what would be sent.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Backup, send the remediation, verify, save; roll back a switch that fails."""
    from sharpeyes.switches import pipeline as p

    directory = backup_dir or p.default_backup_dir()
    sws, targets = _selected(site, role, name, platform, inventory)
    if check:
        _read_only(
            list(sws), lambda n: p.diff_one(sws[n], targets[n]), batch=batch, as_json=as_json
        )
        return
    results = _run(
        list(sws),
        lambda n: p.push_one(sws[n], targets[n], directory),
        batch=batch,
        max_failures=max_failures,
        canary=True,
    )
    _report(results, as_json=as_json, show_commands=False)
    _exit(results, changes_are_2=False)


@app.command("verify")
def verify_cmd(
    *,
    site: SiteOpt = None,
    role: RoleOpt = None,
    name: NameOpt = None,
    platform: PlatformOpt = None,
    inventory: InventoryOpt = None,
    batch: BatchOpt = 8,
    as_json: JsonOpt = False,
) -> None:
    """Compliant when the re-diff is empty and the VLAN displays match NetBox. Exit 2 on drift."""
    from sharpeyes.switches import pipeline as p

    sws, targets = _selected(site, role, name, platform, inventory)
    _read_only(list(sws), lambda n: p.verify_one(sws[n], targets[n]), batch=batch, as_json=as_json)


@app.command("rollback")
def rollback_cmd(
    *,
    site: SiteOpt = None,
    role: RoleOpt = None,
    name: NameOpt = None,
    platform: PlatformOpt = None,
    inventory: InventoryOpt = None,
    backup_dir: BackupOpt = None,
    at: Annotated[
        str | None, typer.Option("--at", help="History stamp prefix (default: latest backup).")
    ] = None,
    batch: BatchOpt = 8,
    check: Annotated[bool, typer.Option("--check", help="Show what would be sent.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Bring switches back to a backup (the latest, or --at a history stamp)."""
    from sharpeyes.switches import diff
    from sharpeyes.switches import pipeline as p
    from sharpeyes.switches.session import Session

    directory = backup_dir or p.default_backup_dir()
    sws, targets = _selected(site, role, name, platform, inventory)

    def one(n: str) -> Result:
        backup = p.read_backup(directory, n, at)
        if check:
            sess = Session(targets[n])
            try:
                cmds = diff.rollback(sws[n].platform, sess.running(), backup)
            finally:
                sess.close()
            return p.Result(n, p.CHANGED if cmds else p.UNCHANGED, cmds)
        cmds = p.restore(n, sws[n].platform, targets[n], backup)
        return p.Result(n, p.CHANGED if cmds else p.UNCHANGED, cmds)

    results = _run(list(sws), one, batch=batch, max_failures=len(sws) + 1, canary=False)
    _report(results, as_json=as_json, show_commands=check)
    _exit(results, changes_are_2=check)
