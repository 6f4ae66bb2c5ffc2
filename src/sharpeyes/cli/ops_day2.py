"""`sharpeyes ops update|restart|facts`: day-2 pyinfra deploys on the servers NetBox lists
(docs/runbooks/day2.md). `register(app)` adds them to the `ops` app; the logic is in
`sharpeyes.ops.day2`.

Hosts come from the Ansible inventory (`-i`, default inventory/netbox.yml plus the lab's SSH
layer when the lab wrote one), filtered by --site/--role/--name; switches are never targets.
Exit codes: 0 ok, 1 a host failed or was unreachable, 3 bad options, 4 the inventory (NetBox)
unreachable.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from sharpeyes.ops.day2 import Target

SiteOpt = Annotated[
    list[str] | None, typer.Option("--site", help="Only servers of this NetBox site (slug).")
]
RoleOpt = Annotated[
    list[str] | None, typer.Option("--role", help="Only servers of this NetBox role (slug).")
]
NameOpt = Annotated[
    list[str] | None, typer.Option("--name", help="Only servers whose name matches (glob).")
]
InventoryOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "-i",
        "--inventory",
        help="Inventory source (repeatable) [default: inventory/netbox.yml + inventory/lab].",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
ApplyOpt = Annotated[bool, typer.Option("--apply", help="Change the hosts (default: dry run).")]


def _targets(
    inventory: list[Path] | None,
    site: list[str] | None,
    role: list[str] | None,
    name: list[str] | None,
) -> list[Target]:
    from sharpeyes.ops import targets

    hostvars = targets.load_hostvars(inventory or targets.default_sources())
    return targets.select(hostvars, sites=site or (), roles=role or (), names=name or ())


def update(
    *,
    batch: Annotated[
        int, typer.Option("--batch", min=1, help="Hosts per batch (like Ansible's serial).")
    ] = 1,
    apply: ApplyOpt = False,
    cache_time: Annotated[
        int, typer.Option("--cache-time", min=0, help="Skip `apt-get update` if lists are newer.")
    ] = 3600,
    site: SiteOpt = None,
    role: RoleOpt = None,
    name: NameOpt = None,
    inventory: InventoryOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Upgrade packages batch by batch; stop after the first batch with a failed or unreachable
    host (later hosts untouched). Without --apply: what each host would upgrade."""
    from sharpeyes.ops import day2

    report = day2.update(
        _targets(inventory, site, role, name), batch=batch, apply=apply, cache_time_s=cache_time
    )
    typer.echo(report.to_json() if as_json else day2.format_run(report))
    raise typer.Exit(report.exit_code)


def restart(
    service: Annotated[str, typer.Argument(help="The systemd unit to restart.")],
    *,
    check: Annotated[
        str | None,
        typer.Option("--check", help="Health check run on each host after it (exit 0 = healthy)."),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds a host may take to pass the gate.")
    ] = 60.0,
    apply: ApplyOpt = False,
    site: SiteOpt = None,
    role: RoleOpt = None,
    name: NameOpt = None,
    inventory: InventoryOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Restart a service host by host; after each, wait until it is active (and --check passes)
    before the next; stop at the first host that fails. Without --apply: check the unit exists."""
    from sharpeyes.ops import day2

    report = day2.restart(
        _targets(inventory, site, role, name),
        service,
        apply=apply,
        check=check,
        timeout_s=timeout,
    )
    typer.echo(report.to_json() if as_json else day2.format_run(report))
    raise typer.Exit(report.exit_code)


def facts(
    *,
    site: SiteOpt = None,
    role: RoleOpt = None,
    name: NameOpt = None,
    inventory: InventoryOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """OS, kernel, uptime, disks and failed systemd units of each server (read-only)."""
    from sharpeyes.ops import day2

    report = day2.facts(_targets(inventory, site, role, name))
    typer.echo(report.to_json() if as_json else day2.format_facts(report))
    raise typer.Exit(report.exit_code)


def register(app: typer.Typer) -> None:
    """Add the day-2 commands to the `ops` app."""
    app.command("update")(update)
    app.command("restart")(restart)
    app.command("facts")(facts)
