"""`sharpeyes <noun> <verb>`: a thin Typer layer; all logic lives in the library.

Exit codes (sharpeyes.errors): 0 ok · 1 a target failed · 2 plan/diff found changes · 3 invalid
input or usage · 4 a dependency is unreachable (tests/unit/test_exit_codes.py holds the table).

Importing this module loads only Typer and the CLI modules: every command imports its library
(pynetbox, pydantic, openpyxl, yaml, rich) when it runs, and help is plain click text (Typer's
rich help costs ~0.1 s of imports), so `sharpeyes --help` stays fast (benchmarks/cli_help.py).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

import typer

from sharpeyes.cli import artifacts, inventory, lab, ops, points, sot, switch
from sharpeyes.errors import EXIT_INVALID_INPUT, EXIT_TARGET_FAILED, SharpeyesError

if TYPE_CHECKING:
    from rich.console import Console

app = typer.Typer(
    name="sharpeyes",
    help="Build and run a Sharp Eyes video-surveillance network from NetBox.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # never print locals: tokens must not reach a traceback
    add_completion=False,
    rich_markup_mode=None,  # plain click help for every sub-app: no rich import for --help
)
app.add_typer(lab.app, name="lab")
app.add_typer(sot.app, name="sot")
app.add_typer(points.app, name="points")
app.add_typer(ops.app, name="ops")
app.add_typer(inventory.app, name="inventory")
app.add_typer(switch.app, name="switch")
app.add_typer(artifacts.app, name="artifacts")


@cache
def err_console() -> Console:
    """The stderr console, created (and rich imported) on first use."""
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True)


@app.command()
def demo() -> None:
    """Bring up the lab and run the end-to-end pipeline as far as it exists; print what it did."""
    from sharpeyes.lab import demo as pipeline
    from sharpeyes.lab import netbox

    results = []
    for result in pipeline.run():
        results.append(result)
        state = "no changes" if result.changes == 0 else "changed"
        err_console().print(f"[bold]== {result.name}[/]: {state} ({result.seconds:.1f} s)")
    typer.echo("\nsharpeyes demo")
    for result in results:
        state = "no changes" if result.changes == 0 else "changed"
        typer.echo(f"  {result.name:<40}{result.seconds:7.1f} s  {state:<10}  {result.detail}")
    total_changes = sum(r.changes for r in results)
    url = netbox.status().get("url")
    typer.echo(f'  NetBox: {url}  (eval "$(sharpeyes lab env)" for a token)')
    typer.echo(
        "  result: " + ("no changes" if total_changes == 0 else f"{total_changes} change(s)")
    )


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks and debug logs."),
    lab: bool = typer.Option(
        False,
        "--lab",
        help="Use the lab NetBox: its URL and token replace NETBOX_API / NETBOX_TOKEN.",
    ),
) -> None:
    if debug:
        os.environ["SHARPEYES_DEBUG"] = "1"
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO,
        format="%(message)s",
        stream=sys.stderr,
    )
    if lab:  # the CLI, not the library, knows the lab (STYLE 9.12)
        from sharpeyes.lab import env as lab_env

        lab_env.use_lab_netbox()


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the app on `argv` (default: the command line), turning library errors
    into one line and an exit code: returns on success, else raises SystemExit(code)."""
    try:
        # standalone_mode=False: returns typer.Exit's code instead of raising it
        code = app(
            args=None if argv is None else list(argv), prog_name="sharpeyes", standalone_mode=False
        )
        if isinstance(code, int) and code:
            sys.exit(code)
    except SharpeyesError as exc:
        if os.environ.get("SHARPEYES_DEBUG"):  # the traceback too, but the same exit code
            import traceback

            traceback.print_exc()
        err_console().print(f"[bold red]error:[/] {exc.message}", markup=True, highlight=False)
        if exc.hint:
            err_console().print(f"[yellow]hint:[/] {exc.hint}", highlight=False)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:  # a declined confirmation (`sot apply` without --yes): nothing written
        err_console().print("aborted")
        sys.exit(EXIT_TARGET_FAILED)
    except typer.exceptions.TyperException as exc:  # click's usage errors, vendored by Typer
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            err_console().print(f"error: {exc}")
        sys.exit(EXIT_INVALID_INPUT)
    except KeyboardInterrupt:
        err_console().print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
