"""`sharpeyes points check|import` (point-list / 点位表)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Check and import point lists (点位表).", no_args_is_help=True)
