"""`cruscotto db …`: what is in the database, and the data-model reference page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from cruscotto.cli.context import console, fail, state
from cruscotto.model import TABLES, reference_page
from cruscotto.warehouse import WarehouseError
from cruscotto.warehouse.copy import copy_warehouse

app = typer.Typer(help="Inspect the database.", no_args_is_help=True)


@app.command()
def info(ctx: typer.Context) -> None:
    """List the tables with their row counts and date ranges."""
    warehouse = state(ctx).warehouse()
    out = RichTable(title=f"{warehouse.url}")
    for heading in ("table", "rows", "from", "to"):
        out.add_column(heading, justify="right" if heading == "rows" else "left")
    for declared in TABLES:
        t = warehouse.table(declared.name)
        rows = int(t.count().execute())
        first = last = ""
        if declared.date_column and rows:
            column = t[declared.date_column]
            first, last = (
                str(v)[:10] for v in t.aggregate(a=column.min(), b=column.max()).execute().iloc[0]
            )
        out.add_row(declared.name, f"{rows:,}", first, last)
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
