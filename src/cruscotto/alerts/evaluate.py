"""Evaluating the rules: what holds now, what is new, what is a reminder, what cleared.

`evaluate(engine, rules, people)` checks every enabled rule (KPI rules on the last
complete period of their grain, record rules on today), then compares with what held at
the previous evaluation (`alert_state`):

* a condition that starts holding fires: one firing, stored with its numbers and link,
  put in the inbox of every user who may see it and queued for e-mail and webhooks;
* one that keeps holding is not sent again, unless the rule has a reminder interval and
  it has passed — then a reminder goes to those who neither acknowledged nor snoozed it;
* one that no longer holds is cleared, so that it fires again if it comes back.

Who receives a firing (`can_receive`): an admin everything; a manager what lies in their
teams; a rep what lies in their own scope (their deals, tickets, accounts, or a KPI
alert scoped to them); a viewer KPI alerts about the whole company. A KPI period that is
not over, a maturing cohort and a too-small sample never fire (see `alerts.usual`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from cruscotto.alerts import delivery
from cruscotto.alerts.records import RECORD_CHECKS
from cruscotto.alerts.rules import GOAL_KINDS, KPI_KINDS, Rule
from cruscotto.alerts.store import (
    ALERT_FIRINGS,
    ALERT_INBOX,
    ALERT_STATE,
    Firing,
    State,
    append,
    ensure_tables,
    firing_row,
    quiet_for,
    replace_all,
    states,
    utc_now,
)
from cruscotto.alerts.usual import MIN_RECORDS, TOTALS, usual_range
from cruscotto.engine import Engine, KpiResult, Period

# Without recipients, a rule speaks to everyone allowed to see each alert.
DEFAULT_RECIPIENTS = ("role:admin", "role:manager", "role:rep")


@dataclass(frozen=True)
class Person:
    """A user as alerts see them (the web's user store supplies them)."""

    username: str
    role: str
    rep_id: str | None = None
    teams: tuple[str, ...] = ()
    language: str = "en"
    email: str | None = None


@dataclass(frozen=True)
class Finding:
    """A rule's condition holding for one scope or record now."""

    rule: Rule
    key: str
    numbers: dict[str, Any]
    link: str
    period: str | None = None
    subject: str | None = None
    subject_label: str | None = None
    rep_id: str | None = None
    team: str | None = None


@dataclass
class RunReport:
    evaluated: int = 0
    holding: list[Finding] = field(default_factory=list)
    fired: list[Firing] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        sent = {f.key: f for f in self.fired}
        return {
            "evaluated_rules": self.evaluated,
            "holding": [
                {
                    "rule": f.rule.name,
                    "kind": f.rule.kind,
                    "kpi": f.rule.kpi,
                    "severity": f.rule.severity,
                    "period": f.period,
                    "subject": f.subject,
                    "subject_label": f.subject_label,
                    "rep_id": f.rep_id,
                    "team": f.team,
                    "numbers": f.numbers,
                    "link": f.link,
                    "sent": "reminder"
                    if sent.get(f.key) and sent[f.key].reminder
                    else "new"
                    if f.key in sent
                    else "already_sent",
                }
                for f in self.holding
            ],
            "fired": len(self.fired),
            "cleared": len(self.cleared),
            "errors": self.errors,
        }


def can_receive(person: Person, firing: Firing | Finding) -> bool:
    """Whether the alert lies within what `person` may see (rep isolation)."""
    if person.role == "admin":
        return True
    if person.role == "manager":
        return firing.team is not None and firing.team in person.teams
    if person.role == "rep":
        return person.rep_id is not None and firing.rep_id == person.rep_id
    kind = getattr(firing, "kind", None) or firing.rule.kind  # viewer: dashboards only
    return kind in (*KPI_KINDS, *GOAL_KINDS) and firing.rep_id is None and firing.team is None


def evaluate(
    engine: Engine,
    rules: Iterable[Rule],
    people: Sequence[Person] = (),
    *,
    now: dt.datetime | None = None,
    churn_risk: Mapping[str, Mapping[str, Any]] | None = None,
) -> RunReport:
    """Check the rules, store what fired, fill inboxes, queue deliveries (see above).

    `churn_risk` ({account id: {probability, reasons}}) is the churn-risk model's score,
    when the caller has one the model is trusted for (alerts train no model): it is the
    `churn_risk` signal of the churn-signals rules."""
    warehouse = engine.warehouse.state_store
    ensure_tables(warehouse)
    delivery.ensure_tables(warehouse)
    now = now or utc_now()
    report = RunReport()
    evaluated: set[str] = set()
    for rule in rules:
        if not rule.enabled:
            continue
        try:
            report.holding.extend(findings_of(engine, rule, churn_risk))
        except (ValueError, LookupError) as exc:  # the engine's errors speak to the user
            report.errors.append({"rule": rule.name, "error": str(exc)})
            continue
        evaluated.add(rule.rule_id)
    report.evaluated = len(evaluated)
    known = states(warehouse)
    updated = dict(known)
    inbox_rows: list[dict] = []
    queued: list[dict] = []
    for finding in report.holding:
        held = known.get(finding.key)
        reminder = held is not None and held.holding
        if reminder and not _reminder_due(finding.rule, held, now):
            continue
        firing = _firing(finding, now, reminder)
        report.fired.append(firing)
        quiet = quiet_for(warehouse, finding.key, now) if reminder else set()
        users, emails, hooks = recipients(finding.rule, firing, people, quiet)
        inbox_rows += [
            {"firing_id": firing.firing_id, "username": p.username, "delivered_at": now}
            for p in users
        ]
        queued += delivery.queue_rows(firing, emails, hooks, now)
        updated[finding.key] = State(
            finding.key,
            finding.rule.rule_id,
            True,
            held.first_fired_at if reminder else now,
            now,
            firing.firing_id,
        )
    holding_keys = {f.key for f in report.holding}
    for key, held in known.items():
        if held.holding and held.rule_id in evaluated and key not in holding_keys:
            updated[key] = replace(held, holding=False, cleared_at=now)
            report.cleared.append(key)
    with warehouse.transaction(app_state=True):  # alerts are app state: answers stay valid
        append(warehouse, ALERT_FIRINGS, [firing_row(f) for f in report.fired])
        append(warehouse, ALERT_INBOX, inbox_rows)
        append(warehouse, delivery.ALERT_DELIVERIES, queued)
        replace_all(warehouse, ALERT_STATE, [vars(s) for s in updated.values()])
    return report


def recipients(
    rule: Rule, firing: Firing, people: Sequence[Person], quiet: set[str] = frozenset()
) -> tuple[list[Person], list[tuple[str, str | None]], list[str]]:
    """(users for the inbox, (e-mail address, language) pairs, webhook URLs): the users
    the rule names, by name or role, who may see the alert and have not quietened it."""
    entries = rule.recipients or DEFAULT_RECIPIENTS
    users = [
        p
        for p in people
        if (f"user:{p.username}" in entries or f"role:{p.role}" in entries)
        and can_receive(p, firing)
        and p.username not in quiet
    ]
    emails = {p.email: p.language for p in users if p.email}
    for entry in entries:
        if entry.startswith("email:"):
            emails.setdefault(entry.removeprefix("email:"), None)
    hooks = [e.removeprefix("webhook:") for e in entries if e.startswith("webhook:")]
    return users, sorted(emails.items()), hooks


def _reminder_due(rule: Rule, held: State, now: dt.datetime) -> bool:
    if rule.reminder_hours is None:
        return False
    return now - held.last_sent_at >= dt.timedelta(hours=rule.reminder_hours)


def _firing(finding: Finding, now: dt.datetime, reminder: bool) -> Firing:
    rule = finding.rule
    return Firing(
        firing_id=uuid.uuid4().hex[:16],
        rule_id=rule.rule_id,
        rule_name=rule.name,
        kind=rule.kind,
        key=finding.key,
        severity=rule.severity,
        fired_at=now,
        kpi=rule.kpi or finding.numbers.get("kpi"),
        period=finding.period,
        subject=finding.subject,
        subject_label=finding.subject_label,
        rep_id=finding.rep_id,
        team=finding.team,
        numbers=finding.numbers,
        link=finding.link,
        reminder=reminder,
    )


# -- what holds ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    filters: dict[str, list[str]]
    subject: str | None = None
    label: str | None = None
    rep_id: str | None = None
    team: str | None = None


def findings_of(
    engine: Engine, rule: Rule, churn_risk: Mapping[str, Mapping[str, Any]] | None = None
) -> list[Finding]:
    if rule.kind in KPI_KINDS:
        return _kpi_findings(engine, rule)
    if rule.kind in GOAL_KINDS:
        return _goal_findings(engine, rule)
    return _record_findings(engine, rule, churn_risk)


def goal_owner(goal, reps: dict) -> tuple[str | None, str | None]:
    """(rep_id, team) whose scope a goal lies in (a rep goal: the rep and their team)."""
    rep_id = goal.scope.value if goal.scope.dimension == "rep" else None
    team = goal.scope.value if goal.scope.dimension == "team" else None
    return rep_id, reps.get(rep_id, (None, team))[1] if rep_id else team


def _goal_findings(engine: Engine, rule: Rule) -> list[Finding]:
    """Running goals (their period has begun and is not over) in the rule's scope whose
    probability of being reached is below the limit. A goal still pending, on too few
    records or on a maturing cohort has no verdict yet and never fires."""
    from cruscotto.goals import GoalStore, progress

    reps = reps_of(engine)
    filters = {**rule.within, **rule.fixed_filters}
    found = []
    for goal in GoalStore(engine.warehouse).list():
        if rule.kpi and goal.kpi != rule.kpi:
            continue
        rep_id, team = goal_owner(goal, reps)
        if "rep" in filters and rep_id not in filters["rep"]:
            continue
        if "team" in filters and team not in filters["team"]:
            continue
        period = engine.period(goal.period)
        if not period.start <= engine.today < period.end:
            continue
        state = progress(engine, goal)
        if state.maturing or state.status not in ("on_pace", "behind_pace"):
            continue
        if state.probability is None or state.probability >= rule.param("probability_below"):
            continue
        scope = goal.scope.filters
        query = "".join(f"&{d}={v}" for d, values in scope.items() for v in values)
        found.append(
            Finding(
                rule=rule,
                key=f"{rule.rule_id}|{goal.id}",
                numbers={
                    "kpi": goal.kpi,
                    "unit": state.unit,
                    "target": goal.target,
                    "actual": state.actual,
                    "expected_to_date": state.expected_to_date,
                    "projection": state.projection,
                    "projection_low": state.projection_low,
                    "projection_high": state.projection_high,
                    "probability": state.probability,
                    "status": state.status,
                    "limit": rule.param("probability_below"),
                },
                link=f"/kpi/{goal.kpi}?period={goal.period}{query}",
                period=goal.period,
                subject=goal.id,
                subject_label=_goal_scope_label(goal, reps),
                rep_id=rep_id,
                team=team,
            )
        )
    return found


def _goal_scope_label(goal, reps) -> str | None:
    if goal.scope.dimension == "rep":
        return reps.get(goal.scope.value, (goal.scope.value, None))[0]
    return goal.scope.value


def judged_period(engine: Engine, grain: str, kpi_id: str | None = None) -> Period:
    """The last complete period of `grain` — a period not yet over is never judged — and
    for a cohort KPI the last one whose cohort has matured (lead conversion of the last
    months is still growing: judging it would be a false alarm)."""
    fiscal = engine.settings.fiscal_year_start_month
    period = Period.of(grain, engine.today, fiscal).previous()
    computation = engine.catalog.get(kpi_id).computation if kpi_id else None
    lag = getattr(computation, "maturity_days", None)
    if lag:
        while period.end + dt.timedelta(days=lag) > engine.today:
            period = period.previous()
    return period


def scopes_of(engine: Engine, rule: Rule) -> list[Scope]:
    """The scopes a rule is checked in: one, or one per value it fans out over."""
    reps = reps_of(engine)
    fixed = {**rule.within, **rule.fixed_filters}
    dimension = rule.fan_out
    if dimension is None:
        return [_scope(fixed, None, None, reps)]
    values = engine.dimension_values(dimension)
    allowed = rule.within.get(dimension)
    found = []
    for value, label in values:
        if allowed is not None and value not in allowed:
            continue
        outside_teams = (
            "team" in rule.within and reps.get(value, (None, None))[1] not in rule.within["team"]
        )
        if dimension == "rep" and outside_teams:
            continue
        found.append(_scope({**fixed, dimension: [value]}, value, label, reps))
    return found


def _scope(filters, subject, label, reps) -> Scope:
    rep = filters.get("rep", [None])[0] if len(filters.get("rep", [])) == 1 else None
    team = filters.get("team", [None])[0] if len(filters.get("team", [])) == 1 else None
    if rep is not None:
        team = reps.get(rep, (None, team))[1]
        label = label or reps.get(rep, (rep, None))[0]
    return Scope(filters, subject, label or team, rep, team)


def _kpi_findings(engine: Engine, rule: Rule) -> list[Finding]:
    period = judged_period(engine, rule.grain, rule.kpi)
    definition = engine.catalog.get(rule.kpi)
    found = []
    for scope in scopes_of(engine, rule):
        numbers = _kpi_check(engine, rule, period, scope, definition)
        if numbers is None:
            continue
        numbers = {"unit": definition.unit, "period": period.label, **numbers}
        query = "&".join(f"{d}={v}" for d, values in scope.filters.items() for v in values)
        found.append(
            Finding(
                rule=rule,
                key=f"{rule.rule_id}|{scope.subject or ''}",
                numbers=numbers,
                link=f"/kpi/{rule.kpi}?period={period.label}" + (f"&{query}" if query else ""),
                period=period.label,
                subject=scope.subject,
                subject_label=scope.label,
                rep_id=scope.rep_id,
                team=scope.team,
            )
        )
    return found


def _kpi_check(engine, rule: Rule, period: Period, scope: Scope, definition) -> dict | None:
    """The numbers that make the rule fire in this scope, or None (also: not judged)."""
    if rule.kind == "unusual":
        usual = usual_range(engine, rule.kpi, period, scope.filters)
        outside = usual.unusual and (rule.param("side") == "any" or usual.adverse)
        drifting = rule.param("drift") and usual.drift and usual.reason == "within_usual"
        if not (outside or drifting):
            return None
        return {**usual.to_dict(), "drifting": drifting and not outside}
    current = engine.value(rule.kpi, period, scope.filters)
    if not _judgeable(current, definition):
        return None
    if rule.kind == "threshold":
        reference = (
            definition.target if rule.param("reference") == "target" else rule.param("value")
        )
        below = current.value < reference
        if below != (rule.param("op") == "below") or current.value == reference:
            return None
        return {
            "value": current.value,
            "reference": reference,
            "op": rule.param("op"),
            "sample_size": current.sample_size,
        }
    before = period.previous() if rule.param("versus") == "previous" else period.last_year()
    base = engine.value(rule.kpi, before, scope.filters)
    if not _judgeable(base, definition):
        return None
    if rule.param("measure") == "percent":
        if base.value == 0:
            return None
        change = (current.value - base.value) / abs(base.value) * 100.0
    else:
        change = (current.value - base.value) * (100.0 if definition.unit == "percent" else 1.0)
    limit = rule.param("value")
    if not (change < limit if rule.param("op") == "below" else change > limit):
        return None
    return {
        "value": current.value,
        "base_value": base.value,
        "base_period": before.label,
        "versus": rule.param("versus"),
        "change": change,
        "measure": rule.param("measure"),
        "limit": limit,
        "op": rule.param("op"),
    }


def _judgeable(result: KpiResult, definition) -> bool:
    """A value that exists, of a cohort that has matured, and — for an average or a
    ratio — on enough records (a total is judged whatever its size: it is the news)."""
    if result.value is None or result.maturing:
        return False
    if definition.type in TOTALS:
        return True
    size = result.denominator if result.denominator is not None else result.sample_size
    return size is None or size >= MIN_RECORDS


def _record_findings(
    engine: Engine, rule: Rule, churn_risk: Mapping[str, Mapping[str, Any]] | None
) -> list[Finding]:
    reps = reps_of(engine)
    check = RECORD_CHECKS[rule.kind]
    hits = check(engine, rule, churn_risk) if rule.kind == "churn_signals" else check(engine, rule)
    filters = {**rule.within, **rule.fixed_filters}
    found = []
    for hit in hits:
        team = reps.get(hit.rep_id, (None, None))[1] if hit.rep_id else None
        if "rep" in filters and hit.rep_id not in filters["rep"]:
            continue
        if "team" in filters and team not in filters["team"]:
            continue
        found.append(
            Finding(
                rule=rule,
                key=f"{rule.rule_id}|{hit.subject}",
                numbers={**hit.numbers, "owner": reps.get(hit.rep_id, (hit.rep_id, None))[0]},
                link=hit.link,
                subject=hit.subject,
                subject_label=hit.label,
                rep_id=hit.rep_id,
                team=team,
            )
        )
    return found


def reps_of(engine: Engine) -> dict[str, tuple[str, str | None]]:
    """rep_id → (name, team)."""
    reps = engine.table("reps")
    frame = engine.execute(reps.select("rep_id", "name", "team"))
    return {r.rep_id: (r.name, r.team) for r in frame.itertuples(index=False)}
