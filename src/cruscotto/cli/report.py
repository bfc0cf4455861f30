"""`cruscotto report NAME`: a CRM report or the executive summary, printed or exported.

cruscotto report forecast
cruscotto report lost --period 2026-Q1 --format xlsx --output lost.xlsx
cruscotto report leaderboard --team North --status won --format csv --table reps
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from cruscotto.api import engine_for
from cruscotto.cli.context import console, fail, state
from cruscotto.engine import EngineError
from cruscotto.reports import REPORTS, Report, build, to_csv, to_xlsx
from cruscotto.reports.report import Column, json_value

FORMATS = ("table", "json", "csv", "xlsx", "pdf")
KPI_UNIT_KINDS = {"percent": "percent", "currency": "currency", "count": "number"}
Many = Annotated[list[str] | None, typer.Option(help="Keep only these (repeat the option).")]


def report(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help=f"One of: {', '.join(REPORTS)}.")],
    period: Annotated[
        str | None,
        typer.Option(help="2026-03, 2026-Q1, 2026, 2026-W05 or 2026-01-01..2026-03-31."),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="table, json, csv, xlsx or pdf.")
    ] = "table",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file.")
    ] = None,
    table: Annotated[
        str | None, typer.Option(help="The table to write as CSV (default: the first).")
    ] = None,
    rep: Many = None,
    team: Many = None,
    pipeline: Many = None,
    channel: Many = None,
    segment: Many = None,
    status: Annotated[
        list[str] | None, typer.Option(help="leaderboard: open, won or lost (repeatable).")
    ] = None,
    currency: Annotated[
        list[str] | None, typer.Option(help="leaderboard: deals in this currency (repeatable).")
    ] = None,
    lang: Annotated[str, typer.Option(help="PDF: en, it or pt.")] = "en",
) -> None:
    """Run a report (forecast, conversion, leaderboard, lost, summary) and print or export it."""
    if name not in REPORTS:
        fail(f"unknown report {name!r}; the reports are: {', '.join(REPORTS)}")
    if output_format not in FORMATS:
        fail(f"unknown format {output_format!r}; use one of {', '.join(FORMATS)}")
    if output_format in ("xlsx", "pdf") and output is None:
        fail(f"--format {output_format} needs --output FILE.{output_format}")
    filters = {
        dimension: values
        for dimension, values in (
            ("rep", rep),
            ("team", team),
            ("pipeline", pipeline),
            ("channel", channel),
            ("segment", segment),
        )
        if values
    }
    options = {"statuses": status, "currencies": currency}
    if name != "leaderboard" and (status or currency):
        fail("--status and --currency apply to the leaderboard only")
    options = {k: v for k, v in options.items() if v}
    engine = engine_for(state(ctx).warehouse())
    if name == "forecast":  # the learned close probability, trained now on the data
        from cruscotto.models.deal_scores import score_open_deals

        options["scores"] = score_open_deals(engine)
    if output_format == "pdf":
        write_pdf(engine, name, period, filters, options, lang, output)
        return
    try:
        result = build(engine, name, period, filters, **options)
    except (EngineError, ValueError, KeyError) as exc:
        fail(str(exc).strip('"'))
    try:
        emit(result, output_format, output, table)
    except KeyError as exc:
        fail(str(exc).strip('"'))


def write_pdf(engine, name, period, filters, options, lang, output: Path) -> None:
    """The report page as a PDF, as an admin sees it in `lang` (the web's own rendering)."""
    from fastapi import HTTPException

    from cruscotto.web.access import Access
    from cruscotto.web.routes.reports import report_pdf
    from cruscotto.web.users import User

    who = Access(User("cli", "admin", language=lang), engine.settings, requested=filters)
    service = None
    if name == "forecast":  # the learned close probability, trained now on the data
        from cruscotto.models.deal_scores import DealScoreService

        service = DealScoreService()
        service.current(engine, wait=True)
    try:
        content, _ = report_pdf(
            name, period, options.get("statuses"), options.get("currencies"), who, engine, service
        )
    except HTTPException as exc:
        fail(str(exc.detail))
    output.write_bytes(content)
    console.print(f"wrote {output}")


def emit(result: Report, output_format: str, output: Path | None, table: str | None) -> None:
    if output_format == "xlsx":
        output.write_bytes(to_xlsx(result))
    elif output_format == "csv":
        _write_text(to_csv(result, table), output)
    elif output_format == "json":
        _write_text(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n", output)
    else:
        if output is not None:
            fail("--output needs --format json, csv or xlsx")
        print_report(result)
        return
    if output is not None:
        console.print(f"wrote {output}")


def _write_text(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


def print_report(result: Report) -> None:
    console.print(f"[bold]{result.title}[/] · {result.period.label} · {result.currency}")
    for key, value in result.filters.items():
        console.print(f"  {key}: {', '.join(value)}")
    for table in result.tables:
        out = RichTable(title=table.title, title_justify="left")
        for column in table.columns:
            out.add_column(column.label, justify="left" if column.kind == "text" else "right")
        for record in table.records():
            out.add_row(*(cell(record[c.name], c, record.get("unit")) for c in table.columns))
        console.print(out)
    for note in result.notes:
        console.print(f"[dim]• {note.text}[/]")


def cell(value, column: Column, unit: str | None = None) -> str:
    value = json_value(value)
    if value is None:
        return "–"
    if column.kind == "kpi":  # a KPI value in the unit its row declares
        return cell(value, Column(column.name, column.label, KPI_UNIT_KINDS.get(unit, "number")))
    if column.kind == "percent":
        return f"{value * 100:.1f}%"
    if column.kind in ("currency", "number"):
        return f"{value:,.2f}"
    if column.kind == "days":
        return f"{value:,.1f}"
    if column.kind == "count" and isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    return str(value)
