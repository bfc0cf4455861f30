"""`cruscotto kpi …`: list the catalog, show a KPI for a period, explain its definition."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table as RichTable

from cruscotto.answers import USER_ERRORS, kpi_answer, message
from cruscotto.catalog import Catalog, CatalogError, KpiDefinition, load_catalog
from cruscotto.cli.context import console, fail, state
from cruscotto.cli.through_server import ask_server
from cruscotto.engine import Engine
from cruscotto.safe_cells import csv_writer
from cruscotto.settings import read_config

app = typer.Typer(help="The KPI catalog and its values.", no_args_is_help=True)

FORMATS = ("table", "json", "csv")


def _engine(ctx: typer.Context) -> Engine:
    from cruscotto.api import engine_for

    try:
        return engine_for(state(ctx).warehouse())
    except (CatalogError, ValueError) as exc:
        fail(str(exc))


def _catalog() -> Catalog:
    """The catalog with the company's overrides; it needs no database."""
    try:
        return load_catalog(read_config())
    except (CatalogError, ValueError) as exc:
        fail(str(exc))


@app.command("list")
def list_kpis(
    ctx: typer.Context,
    area: Annotated[str | None, typer.Option(help="Only this area (e.g. sales, customer).")] = None,
    output: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    lang: Annotated[str, typer.Option(help="en, it or pt.")] = "en",
) -> None:
    """List the KPIs of the catalog."""
    catalog = _catalog()
    definitions = catalog.by_area(area) if area else catalog.all()
    if area and not definitions:
        fail(f"no KPIs in area {area!r}")
    if output == "json":
        rows = [_definition_dict(d, lang) for d in definitions]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = RichTable(title=f"{len(definitions)} KPIs")
    for heading in ("id", "area", "name", "unit", "better", "target"):
        table.add_column(heading)
    for d in definitions:
        target = "" if d.target is None else _format_value(d.target, d.unit)
        table.add_row(d.id, d.area, d.text("name", lang), d.unit, d.direction, target)
    console.print(table)


@app.command()
def show(
    ctx: typer.Context,
    kpi_id: Annotated[str, typer.Argument(metavar="ID", help="KPI id, see `kpi list`.")],
    period: Annotated[
        str | None, typer.Option(help="2026-Q3, 2026-03, 2026, 2026-W05, a..b.")
    ] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (included).")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Break down by a dimension.")] = None,
    grain: Annotated[str | None, typer.Option(help="Trend by day/week/month/quarter/year.")] = None,
    where: Annotated[
        list[str] | None, typer.Option("--filter", help="DIMENSION=VALUE, repeatable.")
    ] = None,
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
) -> None:
    """Show a KPI for a period (default: the last complete month)."""
    if output not in FORMATS:
        fail(f"unknown format {output!r}; use {', '.join(FORMATS)}")
    arguments = {
        "kpi_id": kpi_id,
        "period": period,
        "start": start,
        "end": end,
        "by": by,
        "grain": grain,
        "filters": where or [],
    }
    if state(ctx).held_by_server():
        payload = ask_server(ctx, "kpi.show", arguments)
    else:
        try:
            payload = kpi_answer(_engine(ctx), **arguments)
        except USER_ERRORS as exc:
            fail(message(exc))
    try:
        definition = _catalog().get(kpi_id)
    except USER_ERRORS as exc:
        fail(message(exc))
    _print(payload, definition, output)


@app.command()
def explain(
    ctx: typer.Context,
    kpi_id: Annotated[str, typer.Argument(metavar="ID")],
    lang: Annotated[str, typer.Option(help="en, it or pt.")] = "en",
) -> None:
    """Print a KPI's definition card."""
    try:
        definition = _catalog().get(kpi_id)
    except USER_ERRORS as exc:
        fail(message(exc))
    console.print(definition_card(definition, lang), markup=False)


@app.command()
def docs(
    output: Annotated[Path, typer.Option(help="Where to write the page.")] = Path(
        "docs/kpi-catalog.md"
    ),
) -> None:
    """Write the KPI catalog reference page from the declarations."""
    from cruscotto.catalog import reference_page

    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(reference_page.render(load_catalog()), encoding="utf-8")
    console.print(f"wrote {output}")


def definition_card(d: KpiDefinition, lang: str = "en") -> str:
    band = d.benchmark
    lines = [
        f"{d.text('name', lang)} ({d.id})",
        "",
        d.text("description", lang),
        "",
        f"formula:    {d.text('formula', lang)}",
        f"unit:       {d.unit}" + ("  (stored as a fraction 0–1)" if d.unit == "percent" else ""),
        f"better:     {d.direction}",
        f"area:       {d.area} (dashboard: {d.dashboard_area})",
        f"type:       {d.type}" + ("  (rate with 95% Wilson interval)" if d.is_rate else ""),
        f"sources:    {', '.join(d.sources)}",
        f"frequency:  {d.frequency}",
        f"dimensions: {', '.join(d.dimensions) or '—'}",
        f"target:     {'—' if d.target is None else _format_value(d.target, d.unit)}",
    ]
    if band:
        low = "…" if band.low is None else _format_value(band.low, d.unit)
        high = "…" if band.high is None else _format_value(band.high, d.unit)
        lines.append(f"benchmark:  {low} – {high}  ({band.source})")
    else:
        lines.append("benchmark:  —")
    return "\n".join(lines)


# -- helpers -------------------------------------------------------------------------------


_COLUMNS = (
    "period",
    "value",
    "numerator",
    "denominator",
    "ci_low",
    "ci_high",
    "sample_size",
    "maturing",
    "status",
)


def _print(payload: dict[str, Any], definition: KpiDefinition, output: str) -> None:
    rows = payload.get("rows") or payload.get("series") or [payload]
    grouped = "rows" in payload
    if output == "json":
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    columns = (("group",) if grouped else ()) + _COLUMNS
    if output == "csv":
        buffer = io.StringIO()
        writer = csv_writer(buffer)
        writer.writerow(("id", *columns))
        for row in rows:
            writer.writerow((definition.id, *(row.get(c) for c in columns)))
        typer.echo(buffer.getvalue(), nl=False)
        return
    table = RichTable(title=f"{definition.text('name')} ({definition.id}, {definition.unit})")
    shown = [c for c in columns if any(row.get(c) not in (None, False) for row in rows)]
    for column in shown:
        table.add_column(column)
    for row in rows:
        table.add_row(*(_cell(row.get(c), c, definition.unit) for c in shown))
    console.print(table)
    details = payload.get("details") or {}
    for key, value in details.items():
        console.print(f"  {key}: {_cell(value, 'value', definition.unit)}")


def _cell(value: Any, column: str, unit: str) -> str:
    if value is None:
        return "—"
    if column in ("value", "ci_low", "ci_high") and isinstance(value, int | float):
        return _format_value(value, unit)
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def _format_value(value: float, unit: str) -> str:
    if unit == "percent":
        return f"{value * 100:.1f}%"
    if unit == "count" and float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"


def _definition_dict(d: KpiDefinition, lang: str) -> dict[str, Any]:
    return {
        "id": d.id,
        "area": d.area,
        "dashboard_area": d.dashboard_area,
        "name": d.text("name", lang),
        "description": d.text("description", lang),
        "formula": d.text("formula", lang),
        "unit": d.unit,
        "direction": d.direction,
        "sources": d.sources,
        "frequency": d.frequency,
        "dimensions": d.dimensions,
        "target": d.target,
        "is_rate": d.is_rate,
        "benchmark": None
        if d.benchmark is None
        else {"low": d.benchmark.low, "high": d.benchmark.high, "source": d.benchmark.source},
    }
