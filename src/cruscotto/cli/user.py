"""`cruscotto user …`: who can log in to the web app and the API, with which role.

Every change is recorded in the audit trail as `cli:<os user>`. While `cruscotto serve`
holds the database, the commands go through the running server (see cli/through_server).
"""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.table import Table as RichTable

from cruscotto.cli.context import console, errors, fail, user_admin

app = typer.Typer(
    help="Manage web users (roles: admin, manager, rep, viewer) and their API tokens.",
    no_args_is_help=True,
)


def _run(ctx: typer.Context, command: str, **arguments):
    from cruscotto.web.users import UserError

    try:
        return user_admin(ctx).run(command, **arguments)
    except UserError as exc:
        fail(str(exc))


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
    if password is None:
        password = getpass.getpass(f"password for {name}: ")
    user = _run(
        ctx,
        "add",
        name=name,
        password=password,
        role=role,
        rep_id=rep_id,
        teams=team or [],
        language=language,
        email=email,
    )
    console.print(f"added {user['username']} ({user['role']})")


@app.command("list")
def list_users(ctx: typer.Context) -> None:
    """List the users and their scope."""
    out = RichTable()
    for heading in ("user", "role", "rep_id", "teams", "language", "email"):
        out.add_column(heading)
    for user in _run(ctx, "list"):
        teams = ", ".join(user["teams"])
        out.add_row(
            user["username"],
            user["role"],
            user["rep_id"] or "",
            teams,
            user["language"],
            user["email"] or "",
        )
    console.print(out)


@app.command("email")
def set_email(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Login name.")],
    address: Annotated[str, typer.Argument(help='E-mail address ("" removes it).')],
) -> None:
    """Set the e-mail address alerts and digests go to."""
    _run(ctx, "email", name=name, address=address)
    console.print(f"{name}: {address or 'no e-mail address'}")


@app.command("remove")
def remove(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Remove a user: their sessions end and their API tokens stop working at once."""
    _run(ctx, "remove", name=name)
    console.print(f"removed {name}")


@app.command("token")
def token(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Login name.")],
    label: Annotated[str, typer.Option("--name", help="What the token is for.")] = "",
    expires: Annotated[
        str, typer.Option(help="Lifetime: e.g. 90d, 12h, 4w, 1y, or never.")
    ] = "90d",
) -> None:
    """Issue a bearer token for the JSON API (printed once; only a digest is stored)."""
    issued = _run(ctx, "token", name=name, label=label, expires=expires)
    until = issued["expires_at"] or "never"
    errors.print(f"token {issued['token_id']} for {name}, expires {until}:")
    console.print(issued["token"], highlight=False, soft_wrap=True)


@app.command("tokens")
def tokens(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Only this user's tokens.")] = None,
) -> None:
    """List API tokens: id, owner, name, expiry, last use and status."""
    out = RichTable()
    for heading in ("id", "user", "name", "created", "expires", "last used", "status"):
        out.add_column(heading)
    for t in _run(ctx, "tokens", name=name):
        out.add_row(
            t["token_id"],
            t["username"],
            t["name"] or "",
            t["created_at"],
            t["expires_at"] or "never",
            t["last_used_at"] or "never",
            t["status"],
        )
    console.print(out)


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    token_id: Annotated[str, typer.Argument(metavar="TOKEN_ID", help="See `user tokens`.")],
) -> None:
    """Revoke an API token: it stops working at once."""
    _run(ctx, "revoke", token_id=token_id)
    console.print(f"revoked {token_id}")
