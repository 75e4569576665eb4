"""``callqa workbench`` (start the review workbench) and ``callqa workbench add-user``.

A thin layer over :mod:`scorers.workbench`: it checks the arguments, loads
the rubric(s) for labels and coaching notes, and runs the app under uvicorn.
Binds to 127.0.0.1 unless told otherwise; a wider address gets a warning,
because the workbench itself speaks plain HTTP (put TLS in front of it).

Exit codes: 0 done, 2 unusable input (no scorecards, no accounts, a bad role,
a short password, an invalid rubric).
"""
from __future__ import annotations

import ipaddress
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from pipelines.paths import DEFAULT_RUBRIC, default_routing

EXIT_UNUSABLE = 2
console = Console(stderr=True)
workbench_app = typer.Typer(help="The review workbench: compliance queue, cases, agent pages, in the browser.")

USERS = typer.Option(None, "--users", help="accounts file (default: $CALLQA_USERS or ~/.callqa/workbench-users.json)")


def _fail(kind: str, message: str) -> typer.Exit:
    console.print(f"[red]{kind}[/red] ", end="")
    console.print(message, markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_UNUSABLE)


def _users_file(users: Optional[Path]) -> Path:
    from scorers.workbench.users import default_users_file

    return users if users is not None else default_users_file()


def _rubrics(rubric: Path, routing: Optional[Path]):
    """The first rubric (the pass line of the charts), and every rubric of the routing file: the agent
    pages and the queue show the calls of each, every call judged by its own rubric."""
    from scorers.config import ConfigError
    from scorers.routing import load_routing
    from scorers.rubric import load_rubric

    try:
        main = load_rubric(rubric, build=False)
        routing = routing if routing is not None else default_routing()
        others = load_routing(routing, build=False, models=False).rubrics if routing is not None else []
    except ConfigError as err:
        raise _fail("rubric error", str(err))
    return main, others


@workbench_app.callback(invoke_without_command=True)
def workbench(ctx: typer.Context,
              scorecards: Optional[Path] = typer.Option(None, "--scorecards", "-s",
                                                        help="scorecard folder (the OUT of `callqa score`)"),
              host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
              port: int = typer.Option(8700, "--port", help="port to listen on"),
              users: Optional[Path] = USERS,
              rubric: Path = typer.Option(DEFAULT_RUBRIC, "--rubric", "-r", help="the first rubric shown (its pass line on charts); the routing file's rubrics are shown too"),
              routing: Optional[Path] = typer.Option(None, "--routing", help="routing file: names of every "
                                                     "rubric's criteria (default: rubrics/routing.yaml)")) -> None:
    """Start the review workbench (`callqa workbench --scorecards OUT`)."""
    if ctx.invoked_subcommand is not None:
        return
    if scorecards is None:
        raise _fail("usage", "callqa workbench --scorecards OUT [--host 127.0.0.1 --port 8700] [--users FILE]")
    if not (scorecards / "calls").is_dir() or not any((scorecards / "calls").rglob("*.parquet")):
        raise _fail("no scorecards", f"{scorecards / 'calls'} has no Parquet files (run `callqa score` first)")
    from scorers.workbench.users import UserError, load_users

    users_file = _users_file(users)
    try:
        accounts = load_users(users_file)
    except UserError as err:
        raise _fail("users error", str(err))
    if not accounts:
        raise _fail("no accounts", f"{users_file} holds no user: create one with "
                    f"`callqa workbench add-user NAME --role compliance|coach|qa_lead [--team T]`")
    main, others = _rubrics(rubric, routing)
    if not _loopback(host):
        console.print(f"[yellow]warning[/yellow] listening on {host}: the workbench speaks plain HTTP; "
                      "serve it behind TLS (a reverse proxy) so passwords and session cookies are encrypted",
                      soft_wrap=True)
    import uvicorn

    from scorers.workbench.app import create_app

    app = create_app(scorecards, users_file, main, others)
    console.print(f"callqa workbench: http://{host}:{port}/  ({len(accounts)} accounts in {users_file})",
                  soft_wrap=True, markup=False)
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False, server_header=False)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@workbench_app.command("add-user")
def add_user_command(name: str = typer.Argument(..., help="the name decisions are signed with"),
                     role: str = typer.Option(..., "--role", help="compliance, coach or qa_lead"),
                     team: list[str] = typer.Option([], "--team", help="a team a coach sees (repeat for several)"),
                     users: Optional[Path] = USERS,
                     replace: bool = typer.Option(False, "--replace", help="reset an existing account"),
                     password_stdin: bool = typer.Option(False, "--password-stdin",
                                                         help="read the password from standard input")) -> None:
    """Create an account (the password is asked for twice, or read with --password-stdin)."""
    from scorers.workbench.users import UserError, add_user

    users_file = _users_file(users)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        user = add_user(users_file, name, role, team, password, replace=replace)
    except UserError as err:
        raise _fail("user error", str(err))
    teams = f", teams {', '.join(sorted(user.teams))}" if user.teams else ""
    typer.echo(f"{'updated' if replace else 'added'} {user.name} ({user.role}{teams}) in {users_file}")
