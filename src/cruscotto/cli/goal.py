"""`cruscotto goal …`: set goals, list them with their pace and projection, trace changes.

The CLI writes as the database's owner (`cli:` + the OS user in the audit trail); the
web app checks who may write which scope.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
from typing import Annotated

import typer
from rich.table import Table as RichTable

from cruscotto.cli.context import console, fail, state
from cruscotto.cli.kpi import _format_value
from cruscotto.engine import Engine
from cruscotto.goals import (
    Goal,
    GoalError,
    GoalStore,
    Scope,
    goal_settings,
    progress,
    set_goal,
)
from cruscotto.settings import read_config

app = typer.Typer(help="Goals: targets per KPI, scope and period, with pace and projection.")


def _context(ctx: typer.Context, today: dt.date | None = None) -> tuple[GoalStore, Engine]:
    from cruscotto.api import engine_for

    try:
        config = read_config()
        warehouse = state(ctx).warehouse()
        store = GoalStore(warehouse, goal_settings(config).defaults)
        return store, engine_for(warehouse, today=today)
    except (GoalError, ValueError) as exc:
        fail(str(exc))


def _scope(rep: str | None, team: str | None, filters: list[str] | None) -> Scope:
    given = [("rep", rep), ("team", team)] + [
        tuple(f.split("=", 1)) if "=" in f else (f, "") for f in filters or []
    ]
    given = [(d, v) for d, v in given if v is not None]
    if len(given) > 1:
        fail("a goal has one scope: give one of --rep, --team or --filter")
    if not given:
        return Scope()
    dimension, value = given[0]
    return Scope.parse(f"{dimension}={value}")


@app.command("set")
def set_command(
    ctx: typer.Context,
    kpi: Annotated[str, typer.Argument(metavar="KPI", help="KPI id, see `kpi list`.")],
    period: Annotated[str, typer.Option(help="2026-11, 2026-Q4 or FY2026.")],
    target: Annotated[float, typer.Option(help="The value to reach (rates as 0.25).")],
    rep: Annotated[str | None, typer.Option(help="A rep's goal (rep id).")] = None,
    team: Annotated[str | None, typer.Option(help="A team's goal.")] = None,
    filters: Annotated[
        list[str] | None,
        typer.Option("--filter", help="channel=…, segment=…, pipeline=… or product=…"),
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Who answers for the goal.")] = None,
    note: Annotated[str | None, typer.Option(help="Why this target.")] = None,
    parent: Annotated[str | None, typer.Option(help="Id of the goal it rolls up into.")] = None,
) -> None:
    """Set (or change) a goal; prints it, how often it was reached, and its roll-up."""
    try:
        scope = _scope(rep, team, filters)
    except GoalError as exc:
        fail(str(exc))
    store, engine = _context(ctx)
    goal = Goal(kpi, scope, period, target, owner=owner, note=note, parent_id=parent)
    try:
        stored, rollup = set_goal(store, engine, goal, username=f"cli:{getpass.getuser()}")
    except GoalError as exc:
        fail(str(exc))
    unit = engine.catalog.get(kpi).unit
    console.print(
        f"goal {stored.id}: {kpi} {scope.label} {stored.period} target "
        f"{_format_value(stored.target, unit)} (version {stored.version})"
    )
    reached = progress(engine, stored).achievable
    if reached["periods"]:
        console.print(
            f"reached in {reached['reached']} of the last {reached['periods']} periods with data"
        )
    if rollup is not None:
        console.print(_rollup_line(rollup, unit))


def _rollup_line(rollup, unit: str) -> str:
    verdict = rollup.verdict
    if verdict == "not_additive":
        return "roll-up: a rate or an average does not add up over its children; not checked"
    total = _format_value(rollup.children_total, unit)
    parent = _format_value(rollup.parent.target, unit)
    words = {"adds_up": "add up to", "over": "exceed", "short": "fall short of"}[verdict]
    return (
        f"[yellow]roll-up:[/] the {len(rollup.children)} child goals ({total}) {words} "
        f"the parent's target {parent}"
        if verdict != "adds_up"
        else f"roll-up: the {len(rollup.children)} child goals add up to {parent}"
    )


@app.command("list")
def list_command(
    ctx: typer.Context,
    period: Annotated[str | None, typer.Option(help="Only goals of this period.")] = None,
    output: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Measure progress on this day (YYYY-MM-DD).")
    ] = None,
) -> None:
    """The goals with actual, expected to date, projection (80% interval), probability."""
    if output not in ("table", "json"):
        fail(f"unknown format {output!r}; use table or json")
    try:
        today = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        fail(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)")
    store, engine = _context(ctx, today)
    try:
        label = engine.period(period).label if period else None
        rows = [progress(engine, g).to_dict() for g in store.list(label)]
    except (GoalError, ValueError) as exc:
        fail(str(exc))
    if output == "json":
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    table = RichTable(title=f"{len(rows)} goals (ids: --format json)")
    headings = ("kpi", "scope", "period", "target", "actual", "expected", "projection (80%)")
    for heading in (*headings, "chance", "status"):
        table.add_column(heading)
    for r in rows:
        value = lambda v, unit=r["unit"]: "" if v is None else _format_value(v, unit)  # noqa: E731
        projection = value(r["projection"])
        if r["projection_low"] is not None and r["method"] != "final":
            projection += f" ({value(r['projection_low'])}–{value(r['projection_high'])})"
        chance = "" if r["probability"] is None else f"{r['probability']:.0%}"
        status = r["status"] + (f" ({r['sample_size']})" if r["status"] == "too_few" else "")
        table.add_row(
            r["kpi"],
            r["scope"],
            r["period"],
            value(r["target"]),
            value(r["actual"]),
            value(r["expected_to_date"]),
            projection,
            chance,
            status,
        )
    console.print(table)


@app.command("history")
def history_command(
    ctx: typer.Context,
    goal_id: Annotated[str, typer.Argument(metavar="ID", help="A goal id from `goal list`.")],
) -> None:
    """Every version of a goal: target, owner, note, who set it and when."""
    store, _ = _context(ctx)
    versions = store.history(goal_id)
    if not versions:
        fail(f"no goal with id {goal_id!r}; `cruscotto goal list` shows them")
    typer.echo(json.dumps(versions, ensure_ascii=False, indent=2, default=str))
