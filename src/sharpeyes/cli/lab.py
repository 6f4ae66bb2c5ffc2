"""`sharpeyes lab up|down|status|env`."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer

app = typer.Typer(
    help="Bring the local lab (NetBox, server containers, switch simulators) up and down.",
    no_args_is_help=True,
)


class Part(StrEnum):
    netbox = "netbox"
    hosts = "hosts"
    switches = "switches"
    bare = "bare"
    raidvm = "raidvm"
    all = "all"


@app.command()
def up(part: Part = typer.Argument(Part.all, help="What to bring up.")) -> None:
    """Start the lab parts (idempotent); wait until they are healthy.

    The hosts are the video servers the lab NetBox lists (apply the dataset first:
    `sharpeyes --lab sot apply`); while it lists none, the dataset's ten, with a warning. Each
    publishes SSH on 127.0.0.1 for the ops account; `inventory/lab` says how Ansible reaches it.
    The switches are one SSH simulator per access switch NetBox lists (127.0.0.1 ports).
    `bare` (not part of `all`): a host as delivered, root with a one-time key, for
    `sharpeyes ops bootstrap`. `raidvm` (not part of `all`): a QEMU VM with 2 system and 15 data
    disks carrying the serials NetBox holds for the server it stands in for (RAID tests).
    """
    from sharpeyes.lab import control
    from sharpeyes.lab.parts import format_results

    for line in format_results(control.up(part.value)):
        typer.echo(line)


@app.command()
def down(part: Part = typer.Argument(Part.all, help="What to stop.")) -> None:
    """Stop only what `lab up` started."""
    from sharpeyes.lab import control

    for line in control.down(part.value):
        typer.echo(line)


@app.command()
def status(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Show NetBox (url, version, healthy) and each host (name, SSH address, image, running)."""
    from sharpeyes.lab import control

    report = control.status()
    if as_json:
        typer.echo(json.dumps(report, indent=2, sort_keys=True))
        return
    typer.echo(control.format_status(report))


@app.command()
def env() -> None:
    """Print `export NETBOX_API=… NETBOX_TOKEN=… ANSIBLE_CONFIG=… SHARPEYES_SWITCH_USER=…
    SHARPEYES_SWITCH_PASSWORD=…` for shells, nb_inventory and the switch pipeline."""
    from sharpeyes.lab import env as lab_env

    typer.echo(lab_env.exports())


@app.command()
def images(force: bool = typer.Option(False, "--force", help="Rebuild even when cached.")) -> None:
    """Build (or reuse from cache) the systemd images (Debian 12, Debian 13, Ubuntu 24.04, and a
    bare Debian 12 without Python for bootstrap tests)."""
    from sharpeyes.lab import hosts

    for line in hosts.build_images(force=force):
        typer.echo(line)


@app.command()
def reset(
    part: str = typer.Argument("netbox", help="Only `netbox`: restore the empty migrated DB."),
    loaded: bool = typer.Option(
        False,
        "--loaded",
        help="Restore NetBox holding the whole dataset from the cached snapshot for the "
        "dataset's hash (seconds); without one, apply the dataset and save one (minutes).",
    ),
    data: Path | None = typer.Option(
        None, "--data", help="With --loaded: dataset directory (default: the repo's netbox/)."
    ),
) -> None:
    """Restore NetBox to its freshly migrated, empty state (keeps the lab user and token)."""
    from sharpeyes.errors import InputError
    from sharpeyes.lab import commands, netbox

    if part != "netbox":
        raise InputError(f"lab reset: unknown part {part!r} (only 'netbox' can be reset)")
    for line in commands.reset_loaded(data) if loaded else netbox.reset():
        typer.echo(line)


snapshot_app = typer.Typer(
    help="Loaded-NetBox snapshots (docs/decisions/0002).", no_args_is_help=True
)
app.add_typer(snapshot_app, name="snapshot")


@snapshot_app.command("list")
def snapshot_list() -> None:
    """The cached and the repo's snapshots, newest first; `*` marks the current dataset's key."""
    from sharpeyes.lab import snapshot

    current = snapshot.current_key()
    for where, found in (("cache", snapshot.snapshots()), ("repo", snapshot.committed())):
        for key, path in found:
            mark = "*" if key == current else " "
            size = path.stat().st_size / 1e6
            typer.echo(f"{mark} {key}  {where:5}  {size:5.2f} MB  {path}")


@snapshot_app.command("commit")
def snapshot_commit() -> None:
    """Write the current dataset's cached snapshot (and the migrated dump) into
    netbox/snapshots/ without users' secrets: the baseline a fresh machine restores before
    applying the rest. Run `lab reset netbox --loaded` first; commit the files."""
    from sharpeyes.lab import netbox, snapshot

    for path in netbox.commit_baseline(snapshot.current_key()):
        typer.echo(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")


@app.command()
def fault(
    switch: str = typer.Argument(..., help="A simulated switch (NetBox name)."),
    drop_after: int | None = typer.Option(
        None, "--drop-after", help="Drop each session after N commands."
    ),
    reject: list[str] | None = typer.Option(
        None, "--reject", help="Refuse commands matching this regex (repeatable)."
    ),
    delay: float | None = typer.Option(None, "--delay", help="Seconds before every reply."),
    clear: bool = typer.Option(False, "--clear", help="Remove every fault first."),
) -> None:
    """Inject faults into one switch simulator, at run time (no restart)."""
    from sharpeyes.lab import switches
    from sharpeyes.switches.sim import control

    faults = control.set_faults(
        switches.sim_dir(), switch, drop_after=drop_after, reject=reject, delay=delay, clear=clear
    )
    typer.echo(f"{switch}: {json.dumps(faults, sort_keys=True)}")


@app.command()
def reboot(switch: str = typer.Argument(..., help="A simulated switch (NetBox name).")) -> None:
    """Power-cycle one switch simulator: its unsaved changes are lost."""
    from sharpeyes.lab import switches
    from sharpeyes.switches.sim import control

    control.reboot(switches.sim_dir(), switch)
    typer.echo(f"{switch}: rebooted (running configuration = saved configuration)")


raidvm_app = typer.Typer(
    help="The RAID lab VM: hot-pull and insert its disks (QEMU monitor).", no_args_is_help=True
)
app.add_typer(raidvm_app, name="raidvm")


@raidvm_app.command("pull-disk")
def raidvm_pull_disk(
    slot: int = typer.Argument(..., help="Slot: 1..15 data, 16 system disk 2."),
) -> None:
    """Hot-unplug the disk in SLOT (as if pulled from the bay)."""
    from sharpeyes.lab import vm

    typer.echo(f"slot {slot}: pulled {vm.pull_disk(slot)}")


@raidvm_app.command("insert-disk")
def raidvm_insert_disk(
    slot: int = typer.Argument(..., help="Slot: 1..15 data, 16 system disk 2."),
    blank: bool = typer.Option(False, "--blank", help="A new empty disk, not the pulled one."),
    serial: str | None = typer.Option(None, "--serial", help="Serial of the new disk."),
) -> None:
    """Hot-plug a disk into SLOT: the one pulled from it, or a blank one (new serial)."""
    from sharpeyes.lab import vm

    typer.echo(f"slot {slot}: inserted {vm.insert_disk(slot, blank=blank, serial=serial)}")
