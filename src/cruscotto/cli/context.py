"""What every command shares: the database URL chosen with the global `--db` option."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field

import typer
from rich.console import Console

from cruscotto.cli.through_server import is_lock_conflict, read_control
from cruscotto.warehouse import Warehouse, WarehouseError, connect, resolve_url

console = Console()
errors = Console(stderr=True)


@dataclass
class State:
    db_url: str | None = None
    _warehouse: Warehouse | None = field(default=None, repr=False)

    def warehouse(self) -> Warehouse:
        if self._warehouse is None and self.held_by_server():
            fail(
                f"the database {resolve_url(self.db_url)} is held by `cruscotto serve` "
                f"({read_control(self.db_url)['url']}), and this command cannot go "
                "through it: stop the server and try again"
            )
        return self._warehouse

    def held_by_server(self) -> bool:
        """True when a running `cruscotto serve` holds the DuckDB file (then commands that
        can go through the server do, see cli/through_server); opens the database otherwise."""
        if self._warehouse is not None:
            return False
        try:
            self._warehouse = connect(self.db_url)
        except WarehouseError as exc:
            fail(str(exc))
        except Exception as exc:  # DuckDB's lock error has no class of its own to catch
            if not is_lock_conflict(exc):
                raise
            if read_control(self.db_url) is not None:
                return True
            fail(
                f"the database {resolve_url(self.db_url)} is in use by another program "
                f"({_holder(exc)}); close it and try again"
            )
        return False


def state(ctx: typer.Context) -> State:
    return ctx.find_root().obj


def user_admin(ctx: typer.Context):
    """User management as `cli:<os user>`, on the database (or, see cli/through_server,
    through the server that holds it)."""
    from cruscotto.web.user_admin import UserAdmin
    from cruscotto.web.users import UserStore

    if state(ctx).held_by_server():
        return _ThroughServer(ctx)
    return UserAdmin(UserStore(state(ctx).warehouse()), cli_user(), "cli")


class _ThroughServer:
    """`UserAdmin.run` in the server that holds the database."""

    def __init__(self, ctx: typer.Context) -> None:
        self.ctx = ctx

    def run(self, command: str, **arguments):
        from cruscotto.cli.through_server import ask_server

        return ask_server(self.ctx, "user", {"command": command, "arguments": arguments})


def _holder(exc: Exception) -> str:
    """ "PID 1234" from DuckDB's "Conflicting lock is held in /usr/bin/python3 (PID 1234)"."""
    text = str(exc)
    start = text.find("(PID ")
    return text[start + 1 : text.find(")", start)] if start >= 0 else "another process"


def cli_user() -> str:
    """Who the audit trail names for a change made from the command line."""
    return f"cli:{getpass.getuser()}"


def fail(message: str, code: int = 1) -> None:
    errors.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)
