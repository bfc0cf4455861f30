"""`cruscotto import FILE...`: load CRM exports, with a table of whatever was refused."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from cruscotto.cli.context import cli_user, console, errors, fail, state
from cruscotto.ingest import ImportFileError, ImportReport, audited, import_files
from cruscotto.ingest.mapping import SOURCES

SHOWN_REJECTS = 30


def import_command(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="CSV, XLSX or Parquet exports.")],
    source: Annotated[
        str | None, typer.Option(help=f"Where the files come from: {', '.join(SOURCES)}.")
    ] = None,
    table: Annotated[
        str | None, typer.Option(help="Canonical table, when the headers do not tell.")
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option(help="A mapping file for any other export (docs/import.md).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and count, then roll back.")
    ] = False,
    allow_partial: Annotated[
        bool,
        typer.Option("--allow-partial", help="Load the valid rows even if some are refused."),
    ] = False,
    rejects: Annotated[
        Path | None,
        typer.Option(help="Where to write refused rows as CSV (default: rejects.csv if any)."),
    ] = None,
) -> None:
    """Import CRM exports; all or nothing unless --allow-partial; re-importing changes nothing."""
    warehouse = state(ctx).warehouse()
    try:
        report = import_files(
            warehouse,
            files,
            source=source,
            table=table,
            mapping=mapping,
            dry_run=dry_run,
            allow_partial=allow_partial,
            guard=audited(cli_user(), "cli"),
        )
    except (ImportFileError, ValueError) as exc:
        fail(str(exc))
        return
    _print_files(report)
    for note in report.currency_notes:
        console.print(f"[bold yellow]currency:[/] {note.message}")
    if report.rejects:
        _print_rejects(report)
        written = report.write_rejects_csv(rejects or Path("rejects.csv"))
        console.print(f"{len(report.rejects)} problems in {report.rejected_rows} rows: {written}")
    if not dry_run and (report.applied or report.rejects):
        _evaluate_alerts(warehouse)
    if dry_run:
        console.print("[yellow]dry run:[/] nothing was written")
    elif not report.applied:
        errors.print(
            "[bold red]nothing was imported[/]: fix the rows above, or load the valid rows "
            "with --allow-partial"
        )
        raise typer.Exit(1)
    else:
        console.print("[green]imported[/]")


def _evaluate_alerts(warehouse) -> None:
    """New data (or rejects): the alert rules are evaluated and what fires is sent."""
    from cruscotto.api import engine_for
    from cruscotto.web.alerting import evaluate_after_import
    from cruscotto.web.users import UserStore

    report = evaluate_after_import(engine_for(warehouse), UserStore(warehouse))
    if report is not None:
        console.print(f"alerts: {len(report.holding)} hold, {len(report.fired)} sent now")


def _print_files(report: ImportReport) -> None:
    out = RichTable(title="import")
    for heading in ("file", "read as", "table", "read", "new", "changed", "same", "refused"):
        out.add_column(heading, justify="right" if heading in _NUMBERS else "left")
    for f in report.files:
        out.add_row(
            f.file,
            f.source,
            f.table,
            *(f"{n:,}" for n in (f.rows_read, f.inserted, f.updated, f.unchanged)),
            f"{f.rejected_rows:,}",
        )
    console.print(out)
    for f in report.files:
        extra = [f"{n} new {t}" for t, n in f.related_inserted.items() if n]
        if f.stage_changes:
            extra.append(f"{f.stage_changes} stage changes")
        if f.skipped:
            extra.append(f"{f.skipped} rows skipped by the mapping's rule `{f.skip_rule}`")
        if extra:
            console.print(f"{f.file}: " + ", ".join(extra))
        if f.warnings:
            console.print(f"[dim]{f.file}: " + "; ".join(f.warnings) + "[/]")


_NUMBERS = {"read", "new", "changed", "same", "refused"}


def _print_rejects(report: ImportReport) -> None:
    out = RichTable(title="refused rows")
    for heading in ("file", "row", "column", "value", "reason"):
        out.add_column(heading, justify="right" if heading == "row" else "left")
    for r in report.rejects[:SHOWN_REJECTS]:
        out.add_row(Path(r.file).name, str(r.row), r.column, r.value[:40], r.reason)
    console.print(out)
    if len(report.rejects) > SHOWN_REJECTS:
        console.print(f"… and {len(report.rejects) - SHOWN_REJECTS} more in the rejects CSV")
