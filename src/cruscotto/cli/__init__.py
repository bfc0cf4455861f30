"""The `cruscotto` command. Each command group lives in its own module; this one wires them."""

from __future__ import annotations

from typing import Annotated

import typer

from cruscotto.cli import (
    alert,
    config,
    data,
    db,
    demo,
    digest,
    goal,
    importing,
    kpi,
    model,
    report,
    serve,
    user,
)
from cruscotto.cli.context import State

app = typer.Typer(
    help="Cruscotto: the KPIs that run a B2B service company.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def main(
    ctx: typer.Context,
    db_url: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="CRUSCOTTO_DB",
            help="Database URL: a .duckdb path (default cruscotto.duckdb), postgres://…, "
            "spark+local:///PARQUET_FOLDER or spark://HOST:PORT?warehouse=LAKE_PATH",
        ),
    ] = None,
) -> None:
    ctx.obj = State(db_url=db_url)


app.add_typer(db.app, name="db")
app.add_typer(config.app, name="config")
app.command("demo")(demo.demo)
app.add_typer(kpi.app, name="kpi")
app.add_typer(goal.app, name="goal")
app.command("import")(importing.import_command)
app.add_typer(data.app, name="data")
app.command("serve")(serve.serve)
app.add_typer(user.app, name="user")
app.command("report")(report.report)
app.add_typer(alert.app, name="alert")
app.add_typer(digest.app, name="digest")
app.add_typer(model.app, name="model")
