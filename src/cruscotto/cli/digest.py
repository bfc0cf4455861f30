"""`cruscotto digest …`: who receives which digest, and sending one now."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from cruscotto.cli.context import console, fail, state

app = typer.Typer(help="E-mail digests (daily, weekly, monthly).", no_args_is_help=True)


@app.command("send")
def send(
    ctx: typer.Context,
    user: Annotated[str, typer.Option("--user", help="Login name.")],
    frequency: Annotated[str, typer.Option(help="daily, weekly or monthly.")] = "weekly",
    now: Annotated[bool, typer.Option("--now", help="Send it now (the only mode).")] = True,
) -> None:
    """Send a digest to a user now, whatever their subscriptions."""
    from cruscotto.alerts.mail import MailSettingsError, mail_settings
    from cruscotto.api import engine_for
    from cruscotto.settings import read_config
    from cruscotto.web.digests import DigestError, send_digest
    from cruscotto.web.users import UserStore

    warehouse = state(ctx).warehouse()
    config = read_config()
    try:
        settings = mail_settings(config)
        engine = engine_for(warehouse)
        base_url = (config.get("alerts") or {}).get("base_url") or ""
        message = send_digest(
            engine, UserStore(warehouse), user, frequency, settings, base_url=base_url
        )
    except (DigestError, MailSettingsError, OSError) as exc:
        fail(str(exc))
    console.print(f"sent “{message['Subject']}” to {message['To']}")


@app.command("subscribe")
def subscribe(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Login name.")],
    frequency: Annotated[
        list[str] | None,
        typer.Option("--frequency", help="daily, weekly or monthly (repeat; none stops them)."),
    ] = None,
) -> None:
    """Set which digests a user receives."""
    from cruscotto.web.digests import DigestError
    from cruscotto.web.digests import subscribe as save
    from cruscotto.web.users import UserStore

    warehouse = state(ctx).warehouse()
    if UserStore(warehouse).get(name) is None:
        fail(f"no user named {name!r}")
    try:
        save(warehouse, name, frequency or [], actor=f"cli:{getpass.getuser()}", address="cli")
    except DigestError as exc:
        fail(str(exc))
    console.print(f"{name}: {', '.join(frequency or []) or 'no digests'}")


@app.command("list")
def list_subscriptions(ctx: typer.Context) -> None:
    """Who receives which digest."""
    from cruscotto.web.digests import subscriptions

    for username, frequency in sorted(subscriptions(state(ctx).warehouse())):
        console.print(f"{username}\t{frequency}")
