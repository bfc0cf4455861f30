"""`cruscotto db …`: what is in the database, and the data-model reference page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from cruscotto.answers import database_summary
from cruscotto.cli.context import console, fail, state
from cruscotto.cli.through_server import ask_server
from cruscotto.model import reference_page
from cruscotto.warehouse import WarehouseError
from cruscotto.warehouse.copy import copy_warehouse

app = typer.Typer(help="Inspect the database.", no_args_is_help=True)


@app.command()
def info(ctx: typer.Context) -> None:
    """List the tables with their row counts and date ranges (also while the server runs)."""
    current = state(ctx)
    if current.held_by_server():
        summary = ask_server(ctx, "db.info", {})
    else:
        summary = database_summary(current.warehouse())
    out = RichTable(title=summary["url"])
    for heading in ("table", "rows", "from", "to"):
        out.add_column(heading, justify="right" if heading == "rows" else "left")
    for row in summary["tables"]:
        out.add_row(row["table"], f"{row['rows']:,}", row["from"], row["to"])
    console.print(out)


@app.command()
def docs(
    output: Annotated[Path, typer.Option(help="Where to write the page.")] = Path(
        "docs/data-model.md"
    ),
) -> None:
    """Write the data-model reference page from the declarations."""
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(reference_page.render(), encoding="utf-8")
    console.print(f"wrote {output}")


@app.command()
def copy(
    source: Annotated[str, typer.Argument(help="Database URL to copy from.")],
    destination: Annotated[
        str,
        typer.Argument(
            help="Database URL to copy to: a .duckdb path, postgres://… or "
            "spark+local:///FOLDER (a Parquet folder Spark reads)."
        ),
    ],
) -> None:
    """Copy every canonical table to another database or a Spark/Parquet warehouse."""
    try:
        copied = copy_warehouse(source, destination)
    except WarehouseError as exc:
        fail(str(exc))
    out = RichTable(title=f"{source} → {destination}")
    for heading in ("table", "rows"):
        out.add_column(heading, justify="right" if heading == "rows" else "left")
    for table in copied:
        out.add_row(table.name, f"{table.destination_rows:,}")
    console.print(out)
    console.print(f"{sum(t.destination_rows for t in copied):,} rows copied, counts checked")
