"""`sharpeyes ops ...`: pyinfra deploys against servers over SSH (docs/runbooks/bootstrap.md)."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from sharpeyes.cli import ops_day2

app = typer.Typer(help="Operate servers over SSH with pyinfra deploys.", no_args_is_help=True)

PASSWORD_ENV = "SHARPEYES_BOOTSTRAP_PASSWORD"


@app.command()
def bootstrap(
    hosts: list[str] = typer.Argument(
        ..., metavar="HOST[:PORT]...", help="The hosts to bootstrap, one or more."
    ),
    ops_key: Path = typer.Option(
        ..., "--ops-key", help="The ops private key; its .pub is authorised for the ops user."
    ),
    known_hosts: Path | None = typer.Option(
        None,
        "--known-hosts",
        help="known_hosts holding the hosts' keys, checked strictly [default: ~/.ssh/known_hosts].",
    ),
    login_user: str = typer.Option("root", "--login-user", help="The vendor login."),
    login_key: Path | None = typer.Option(
        None,
        "--login-key",
        help=f"The vendor login's one-time key (or the password in ${PASSWORD_ENV}).",
    ),
) -> None:
    """Bring bare hosts to where Ansible reaches them: Python, the ops account and key,
    passwordless sudo, sshd keys-only without root login. Idempotent; exit 1 if a host failed.

    In the lab: `sharpeyes lab up bare`, then the command `lab status` suggests.
    """
    from sharpeyes.errors import TargetFailed
    from sharpeyes.ops.bootstrap import Access, Target
    from sharpeyes.ops.bootstrap import bootstrap as run

    access = Access(
        ops_key=ops_key,
        known_hosts=known_hosts or Path("~/.ssh/known_hosts").expanduser(),
        login_user=login_user,
        login_key=login_key,
        login_password=os.environ.get(PASSWORD_ENV) or None,
    )
    results = run([Target.parse(h) for h in hosts], access)
    for r in results:
        state = "ok" if r.ok else "FAILED"
        what = r.error or (f"{r.changed} change(s)" if r.changed else "no changes")
        typer.echo(f"{r.name:<24} {state:<7} as {r.login or '-':<14} {what}")
    failed = [r.name for r in results if not r.ok]
    if failed:
        raise TargetFailed(f"ops bootstrap failed on {len(failed)} host(s): {', '.join(failed)}")


ops_day2.register(app)
