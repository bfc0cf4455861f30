"""`cruscotto user …`: who can log in to the web app and the API, with which role."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.table import Table as RichTable

from cruscotto.cli.context import console, fail, state

app = typer.Typer(
    help="Manage web users (roles: admin, manager, rep, viewer).", no_args_is_help=True
)


def _store(ctx: typer.Context):
    from cruscotto.web.users import UserStore

    return UserStore(state(ctx).warehouse())


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help="admin, manager, rep or viewer.")],
    rep_id: Annotated[
        str | None, typer.Option("--rep-id", help="For a rep: the rep_id whose numbers they see.")
    ] = None,
    team: Annotated[
        list[str] | None, typer.Option("--team", help="For a manager: a team they manage (repeat).")
    ] = None,
    language: Annotated[str, typer.Option(help="en, it or pt.")] = "en",
    password: Annotated[
        str | None, typer.Option(help="Password (asked for when not given).")
    ] = None,
    email: Annotated[
        str | None, typer.Option(help="E-mail address for alerts and digests.")
    ] = None,
) -> None:
    """Add a user."""
    from cruscotto.web.users import UserError

    if password is None:
        password = getpass.getpass(f"password for {name}: ")
    try:
        user = _store(ctx).add(
            name, password, role, rep_id=rep_id, teams=team or (), language=language, email=email
        )
    except UserError as exc:
        fail(str(exc))
    console.print(f"added {user.username} ({user.role})")


@app.command("list")
def list_users(ctx: typer.Context) -> None:
    """List the users and their scope."""
    out = RichTable()
    for heading in ("user", "role", "rep_id", "teams", "language", "email"):
        out.add_column(heading)
    for user in _store(ctx).list():
        teams = ", ".join(user.teams)
        out.add_row(
            user.username, user.role, user.rep_id or "", teams, user.language, user.email or ""
        )
    console.print(out)


@app.command("email")
def set_email(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Login name.")],
    address: Annotated[str, typer.Argument(help='E-mail address ("" removes it).')],
) -> None:
    """Set the e-mail address alerts and digests go to."""
    from cruscotto.web.users import UserError

    try:
        _store(ctx).set_email(name, address)
    except UserError as exc:
        fail(str(exc))
    console.print(f"{name}: {address or 'no e-mail address'}")


@app.command("remove")
def remove(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Remove a user and their API tokens."""
    from cruscotto.web.users import UserError

    try:
        _store(ctx).remove(name)
    except UserError as exc:
        fail(str(exc))
    console.print(f"removed {name}")


@app.command("token")
def token(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Issue a bearer token for the JSON API (printed once; only a digest is stored)."""
    from cruscotto.web.users import UserError

    try:
        issued = _store(ctx).issue_token(name)
    except UserError as exc:
        fail(str(exc))
    console.print(issued, highlight=False, soft_wrap=True)
