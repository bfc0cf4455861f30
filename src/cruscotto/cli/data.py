"""`cruscotto data health`: freshness, counts, rejected rows and quality checks per table."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table as RichTable

from cruscotto import health
from cruscotto.cli.context import console, state

app = typer.Typer(help="The data behind the numbers.", no_args_is_help=True)


@app.command("health")
def health_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Per table: rows, newest record, last import, rejected rows and quality issues."""
    report = health.check(state(ctx).warehouse())
    if as_json:
        console.print_json(json.dumps(report.as_dict(), default=str))
        return
    out = RichTable(title="data health")
    for heading in ("table", "rows", "newest record", "last import", "rejected", "issues"):
        out.add_column(heading, justify="right" if heading in ("rows", "rejected") else "left")
    for t in report.tables:
        problems = [f"{c.count} {c.description}" for c in t.checks if c.count]
        if t.skipped_rows:
            problems.append(f"{t.skipped_rows} skipped by the mapping ({'; '.join(t.skip_rules)})")
        out.add_row(
            t.table,
            f"{t.rows:,}",
            str(t.newest_record or "")[:19],
            str(t.last_import or "")[:19],
            f"{t.rejected_rows:,}",
            "[red]" + "; ".join(problems) + "[/]" if problems else "[green]ok[/]",
        )
    console.print(out)
    for refused in report.refused_files:
        console.print(
            f"[red]refused[/] {refused.file} ({str(refused.attempted_at)[:19]}): {refused.reason}"
        )
