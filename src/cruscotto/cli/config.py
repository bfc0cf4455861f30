"""`cruscotto config set KEY VALUE` and `cruscotto config show`: the company's settings."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer

from cruscotto.cli.context import console, fail, state
from cruscotto.settings import SettingsError, config_path, load_company, save_company_setting
from cruscotto.warehouse import resolve_url

app = typer.Typer(help="The company's settings in cruscotto.yaml.", no_args_is_help=True)


@app.command("set")
def set_command(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="A company setting, e.g. base_currency.")],
    value: Annotated[str, typer.Argument(help="Its new value, e.g. USD.")],
) -> None:
    """Change one company setting (checked first); the rest of the file is kept as it is."""
    try:
        before, _ = save_company_setting(
            key, value, warehouse=_audit_warehouse(ctx), username=f"cli:{getpass.getuser()}"
        )
    except SettingsError as exc:
        fail(str(exc))
        return
    name = key.removeprefix("company.")
    after = getattr(load_company(), name)
    console.print(f"{config_path()}: company.{name} {before!r} -> {after!r}")


@app.command("show")
def show_command() -> None:
    """The company settings in force (defaults included)."""
    try:
        company = load_company()
    except SettingsError as exc:
        fail(str(exc))
        return
    console.print(f"# {config_path()}")
    for name, value in company.model_dump().items():
        console.print(f"company.{name}: {value!r}")


def _audit_warehouse(ctx: typer.Context):
    """The database whose audit trail records the change, when there is one already (a
    setting can be made before any data exists; no database is created for it)."""
    url = resolve_url(state(ctx).db_url)
    if url.startswith("duckdb://") and not Path(url.removeprefix("duckdb://")).exists():
        return None
    return state(ctx).warehouse()
