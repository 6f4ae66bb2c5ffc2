"""`sharpeyes sot validate|summary|plan|apply|export` (NetBox source of truth)."""

from __future__ import annotations

import typer

app = typer.Typer(help="The NetBox source of truth: dataset, validation, sync.",
                  no_args_is_help=True)
