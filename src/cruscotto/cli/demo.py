"""`cruscotto demo`: fill the database with the demo company, then serve it."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table as RichTable

from cruscotto.cli.context import console, fail, state
from cruscotto.demo import DEFAULT_SEED, DemoSummary, generate


def demo(
    ctx: typer.Context,
    scale: Annotated[
        float, typer.Option(help="Volume multiplier: 1 ≈ 10k deals and 100k activities.")
    ] = 1.0,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = (
        DEFAULT_SEED
    ),
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the web app when done.")
    ] = True,
    host: Annotated[str, typer.Option(help="Address the web app listens on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port the web app listens on.")] = 8000,
) -> None:
    """Replace the data in the database with a demo company (24 months up to today)."""
    if scale <= 0:
        fail(f"--scale must be a positive number, got {scale}")
    current = state(ctx)
    warehouse = current.warehouse()
    with console.status(f"Generating the demo company at scale {scale:g} into {warehouse.url}…"):
        summary = generate(warehouse, scale=scale, seed=seed)
    print_summary(summary)
    if serve:
        # The web app is imported only when serving, so generating needs none of it.
        try:
            from cruscotto.cli.serve import serve_demo
        except ModuleNotFoundError as exc:
            if exc.name != "cruscotto.cli.serve":
                raise
            fail("the web app is not part of this build yet; the data is loaded (use --no-serve)")
        serve_demo(current, host=host, port=port)


def print_summary(summary: DemoSummary) -> None:
    rows = RichTable(title=f"Demo company, seed {summary.seed}, up to {summary.today}")
    rows.add_column("table")
    rows.add_column("rows", justify="right")
    for name, count in summary.rows.items():
        rows.add_row(name, f"{count:,}")
    rows.add_row("[bold]total", f"[bold]{summary.total_rows:,}")
    console.print(rows)
    rate = summary.total_rows / summary.seconds if summary.seconds else 0.0
    console.print(f"Generated in {summary.seconds:.1f} s ({rate:,.0f} rows/s).")
    stories = RichTable(title="Story lines to look for", show_lines=True)
    stories.add_column("story")
    stories.add_column("where to see it")
    for story in summary.story_lines:
        stories.add_row(story.title, story.how_to_see)
    console.print(stories)
