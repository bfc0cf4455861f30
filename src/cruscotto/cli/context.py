"""What every command shares: the database URL chosen with the global `--db` option."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field

import typer
from rich.console import Console

from cruscotto.warehouse import Warehouse, WarehouseError, connect

console = Console()
errors = Console(stderr=True)


@dataclass
class State:
    db_url: str | None = None
    _warehouse: Warehouse | None = field(default=None, repr=False)

    def warehouse(self) -> Warehouse:
        if self._warehouse is None:
            try:
                self._warehouse = connect(self.db_url)
            except WarehouseError as exc:
                fail(str(exc))
        return self._warehouse


def state(ctx: typer.Context) -> State:
    return ctx.find_root().obj


def user_admin(ctx: typer.Context):
    """User management as `cli:<os user>`, on the database (or, see cli/through_server,
    through the server that holds it)."""
    from cruscotto.web.user_admin import UserAdmin
    from cruscotto.web.users import UserStore

    return UserAdmin(UserStore(state(ctx).warehouse()), cli_user(), "cli")


def cli_user() -> str:
    """Who the audit trail names for a change made from the command line."""
    return f"cli:{getpass.getuser()}"


def fail(message: str, code: int = 1) -> None:
    errors.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)
