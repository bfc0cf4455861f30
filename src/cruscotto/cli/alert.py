"""`cruscotto alert …`: evaluate the alert rules, and manage them."""

from __future__ import annotations

import getpass
import json
from collections import Counter
from typing import Annotated

import typer
from rich.table import Table as RichTable

from cruscotto.cli.context import console, fail, state

app = typer.Typer(help="Alert rules and their evaluation.", no_args_is_help=True)


def _engine(ctx: typer.Context):
    from cruscotto.api import engine_for

    try:
        return engine_for(state(ctx).warehouse())
    except ValueError as exc:
        fail(str(exc))


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


@app.command("run")
def run(
    ctx: typer.Context,
    output: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    deliver: Annotated[
        bool, typer.Option("--deliver/--no-deliver", help="Send the e-mails and webhooks due.")
    ] = True,
    lang: Annotated[str, typer.Option(help="Language of the table: en, it or pt.")] = "en",
) -> None:
    """Evaluate every rule now: store what fired, fill inboxes, deliver; print what holds."""
    from cruscotto.alerts.store import firings
    from cruscotto.web.alert_texts import describe
    from cruscotto.web.alerting import run_alerts
    from cruscotto.web.i18n import Formatter
    from cruscotto.web.users import UserStore

    engine = _engine(ctx)

    def churn_scores() -> dict | None:  # the kept model, or one trained now on new data
        from cruscotto.models.churn_risk import ChurnRiskService

        risk = ChurnRiskService().current(engine, wait=True)
        return risk.scores() if risk is not None else None

    report, outcome = run_alerts(
        engine, UserStore(engine.warehouse), deliver=deliver, churn_scores=churn_scores
    )
    if output == "json":
        console.print_json(json.dumps({**report.to_dict(), "deliveries": outcome}, default=str))
        return
    fmt = Formatter(lang, engine.settings.base_currency)
    sent = {f.key: f for f in report.fired}
    table = RichTable(title=f"{len(report.holding)} alerts hold ({len(report.fired)} sent now)")
    for heading in ("severity", "rule", "alert", "sent"):
        table.add_column(heading)
    stored = {f.key: f for f in firings(engine.warehouse.state_store, limit=5000)}
    shown = Counter()
    for finding in report.holding:
        shown[finding.rule.rule_id] += 1
        if shown[finding.rule.rule_id] > 10:
            continue  # the first ten of a rule; --format json lists them all
        firing = sent.get(finding.key) or stored.get(finding.key)
        text = describe(firing, fmt, engine.catalog) if firing else finding.subject_label
        status = (
            "reminder"
            if finding.key in sent and sent[finding.key].reminder
            else ("new" if finding.key in sent else "already sent")
        )
        table.add_row(finding.rule.severity, finding.rule.name, text, status)
    console.print(table)
    for rule_id, count in shown.items():
        if count > 10:
            name = next(f.rule.name for f in report.holding if f.rule.rule_id == rule_id)
            console.print(f"… and {count - 10} more for “{name}” (see --format json)")
    stalled = Counter(
        f.numbers.get("stage") for f in report.holding if f.rule.kind == "deal_stalled"
    )
    if stalled:
        by_stage = ", ".join(f"{stage} {n}" for stage, n in stalled.most_common())
        console.print(f"stalled deals by stage: {by_stage}")
    for error in report.errors:
        console.print(f"[red]{error['rule']}[/]: {error['error']}")
    if outcome:
        console.print(f"deliveries: {outcome}")


@app.command("list")
def list_rules(
    ctx: typer.Context,
    output: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """List the alert rules."""
    from cruscotto.web.alerting import rule_store

    rules = rule_store(_engine(ctx)).list()
    if output == "json":
        console.print_json(json.dumps([r.to_dict() for r in rules], default=str))
        return
    table = RichTable()
    for heading in ("id", "name", "kind", "kpi", "scope", "severity", "recipients", "enabled"):
        table.add_column(heading)
    for r in rules:
        table.add_row(
            r.rule_id,
            r.name,
            r.kind,
            r.kpi or "",
            r.scope,
            r.severity,
            ", ".join(r.recipients) or "(everyone allowed)",
            "yes" if r.enabled else "no",
        )
    console.print(table)


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Name people read.")],
    kind: Annotated[str, typer.Option(help="threshold, change, unusual, deal_stalled, …")],
    kpi: Annotated[str | None, typer.Option(help="The KPI (KPI kinds).")] = None,
    scope: Annotated[str, typer.Option(help="company, team:NAME, rep:ID, each:rep…")] = "company",
    grain: Annotated[str, typer.Option(help="day, week, month or quarter.")] = "month",
    param: Annotated[
        list[str] | None, typer.Option("--param", help="NAME=VALUE (repeat), e.g. op=below.")
    ] = None,
    recipient: Annotated[
        list[str] | None,
        typer.Option("--recipient", help="user:NAME, role:ROLE, email:ADDRESS, webhook:URL."),
    ] = None,
    severity: Annotated[str, typer.Option(help="info, warning or critical.")] = "warning",
    reminder_hours: Annotated[
        int | None, typer.Option(help="Re-send while it holds, every N hours.")
    ] = None,
) -> None:
    """Add an alert rule."""
    from cruscotto.alerts.rules import Rule, RuleError
    from cruscotto.web.alerting import rule_store

    params = {}
    for item in param or []:
        key, sep, value = item.partition("=")
        if not sep:
            fail(f"--param {item!r}: write NAME=VALUE")
        params[key.strip()] = value.strip()
    try:
        rule = Rule(
            name=name,
            kind=kind,
            kpi=kpi,
            scope=scope,
            grain=grain,
            params=params,
            recipients=tuple(recipient or ()),
            severity=severity,
            reminder_hours=reminder_hours,
        )
        saved = rule_store(_engine(ctx)).save(rule, username=_actor(), address="cli")
    except RuleError as exc:
        fail(str(exc))
    console.print(f"added rule {saved.rule_id}: {saved.name}")


@app.command("remove")
def remove(ctx: typer.Context, rule_id: Annotated[str, typer.Argument(help="Rule id.")]) -> None:
    """Remove an alert rule (its past firings stay)."""
    from cruscotto.alerts.rules import RuleError
    from cruscotto.web.alerting import rule_store

    try:
        rule_store(_engine(ctx)).remove(rule_id, username=_actor(), address="cli")
    except RuleError as exc:
        fail(str(exc))
    console.print(f"removed rule {rule_id}")
