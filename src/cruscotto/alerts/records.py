"""Record alerts: the deals, tickets, accounts and data sources that need someone now.

Each check reads the canonical tables through the engine (`Engine.table`, Ibis
expressions, so DuckDB and PostgreSQL alike) and returns one `RecordHit` per record,
with the owner whose scope it falls in (for rep isolation and fan-out) and the numbers
that made it fire. "Now" is the start of the engine's today in the company's time zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import ibis
import pandas as pd

from cruscotto.alerts.rules import Rule
from cruscotto.engine import Engine
from cruscotto.ingest import import_log
from cruscotto.model import TABLES

DAY_SECONDS = 86400.0
# A stage's 90th percentile needs this many finished stays to mean anything.
MIN_STAYS = 10
# Activity "falling": the last 90 days against the 180 before them (per 90 days), when
# the earlier level was at least this many activities.
ACTIVITY_WINDOW_DAYS = 90
MIN_BASELINE_ACTIVITIES = 3
# The signals a churn-signals rule looks for, in the order they are listed.
CHURN_SIGNALS = (
    "churn_risk",
    "activity_falling",
    "detractor_nps",
    "open_complaints",
    "contract_ending",
    "overdue_invoices",
)


@dataclass
class RecordHit:
    subject: str  # the record's key (deal, ticket, account id; table name)
    label: str  # what people call it
    rep_id: str | None  # whose own scope it is in
    numbers: dict[str, Any] = field(default_factory=dict)
    link: str = ""


def now_of(engine: Engine) -> dt.datetime:
    """The start of today in the company's time zone, as a naive UTC instant (the tables'
    timestamps are naive UTC)."""
    local = dt.datetime.combine(engine.today, dt.time(0), tzinfo=engine.tz)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def stalled_deals(engine: Engine, rule: Rule) -> list[RecordHit]:
    """Open deals with no activity for `idle_days`, or in their stage longer than that
    (pipeline, stage)'s `stage_percentile`-th percentile of finished stays."""
    now = now_of(engine)
    idle_limit = rule.param("idle_days")
    percentile = rule.param("stage_percentile") / 100.0
    opps, acts, history = (
        engine.table(t) for t in ("opportunities", "activities", "stage_history")
    )
    open_deals = opps.filter(opps.status == "open")
    last_activity = (
        acts.filter(acts.opportunity_id.notnull(), acts.occurred_at < now)
        .group_by("opportunity_id")
        .aggregate(last_activity=acts.occurred_at.max())
    )
    order = ibis.window(group_by=history.opportunity_id, order_by=history.entered_at)
    stays = history.mutate(left_at=history.entered_at.lead().over(order))
    stays = stays.join(opps.select("opportunity_id", "pipeline"), "opportunity_id")
    finished = stays.filter(stays.left_at.notnull())
    length = (finished.left_at.epoch_seconds() - finished.entered_at.epoch_seconds()) / DAY_SECONDS
    usual = finished.group_by("pipeline", "stage").aggregate(
        usual_days=length.quantile(percentile), stays=length.count()
    )
    entered = history.group_by("opportunity_id", "stage").aggregate(
        entered_at=history.entered_at.max()
    )
    deals = (
        open_deals.left_join(last_activity, "opportunity_id")
        .select(open_deals, last_activity=ibis._.last_activity)
        .left_join(entered, ["opportunity_id", "stage"])
        .select(
            ibis._.opportunity_id,
            ibis._.account_id,
            ibis._.owner_id,
            ibis._.pipeline,
            ibis._.stage,
            ibis._.created_at,
            ibis._.last_activity,
            ibis._.entered_at,
        )
        .left_join(usual, ["pipeline", "stage"])
        .select(
            ibis._.opportunity_id,
            ibis._.account_id,
            ibis._.owner_id,
            ibis._.pipeline,
            ibis._.stage,
            ibis._.created_at,
            ibis._.last_activity,
            ibis._.entered_at,
            ibis._.usual_days,
            ibis._.stays,
        )
    )
    frame = engine.execute(deals)
    names = _account_names(engine, frame["account_id"])
    hits = []
    for row in frame.itertuples(index=False):
        since = _instant(row.last_activity) or _instant(row.created_at)
        idle = _days(now - since) if since else None
        entered_at = _instant(row.entered_at) or _instant(row.created_at)
        in_stage = _days(now - entered_at) if entered_at else None
        usual_days = None if pd.isna(row.usual_days) or row.stays < MIN_STAYS else row.usual_days
        reasons = []
        if idle is not None and idle >= idle_limit:
            reasons.append("no_activity")
        if in_stage is not None and usual_days is not None and in_stage > usual_days:
            reasons.append("slow_stage")
        if reasons:
            hits.append(
                RecordHit(
                    subject=row.opportunity_id,
                    label=names.get(row.account_id) or row.opportunity_id,
                    rep_id=row.owner_id,
                    numbers={
                        "reasons": reasons,
                        "pipeline": row.pipeline,
                        "stage": row.stage,
                        "idle_days": _round(idle),
                        "idle_limit": idle_limit,
                        "stage_days": _round(in_stage),
                        "stage_usual_days": _round(usual_days),
                        "percentile": rule.param("stage_percentile"),
                    },
                    link=f"/kpi/stage_duration?stage={row.stage}",
                )
            )
    return hits


def sla_breaches(engine: Engine, rule: Rule) -> list[RecordHit]:
    """Open tickets whose resolution deadline (opened + SLA hours) has passed."""
    now = now_of(engine)
    tickets = engine.table("tickets")
    late = tickets.filter(
        tickets.resolved_at.isnull(),
        tickets.sla_resolution_hours.notnull(),
        tickets.opened_at.epoch_seconds() + tickets.sla_resolution_hours * 3600
        < ibis.literal(now).epoch_seconds(),
    )
    frame = engine.execute(
        late.select(
            "ticket_id", "account_id", "agent_id", "priority", "opened_at", "sla_resolution_hours"
        )
    )
    names = _account_names(engine, frame["account_id"])
    hits = []
    for row in frame.itertuples(index=False):
        opened = _instant(row.opened_at)
        overdue = _days(now - opened) * 24 - row.sla_resolution_hours
        hits.append(
            RecordHit(
                subject=row.ticket_id,
                label=f"{row.ticket_id} · {names.get(row.account_id) or row.account_id}",
                rep_id=row.agent_id,
                numbers={
                    "priority": row.priority,
                    "sla_hours": row.sla_resolution_hours,
                    "overdue_hours": _round(overdue),
                },
                link=f"/kpi/sla_compliance?priority={row.priority}",
            )
        )
    return hits


def churn_signals(
    engine: Engine, rule: Rule, churn_risk: Mapping[str, Mapping[str, Any]] | None = None
) -> list[RecordHit]:
    """Customers (a contract running today) showing at least `min_signals` signals.

    `churn_risk` is the churn-risk model's score per account ({probability, reasons}),
    given by the caller when the model beat its baseline: a probability of lapsing of at
    least `risk_above` is the `churn_risk` signal, with the model's reasons.

    Overdue invoices are named but never counted: the canonical invoices carry no due
    date or payment, so "overdue" cannot be known (unknown is not "fine" either: the
    signal is listed as not available in the numbers)."""
    today = engine.today
    now = now_of(engine)
    contracts, accounts = engine.table("contracts"), engine.table("accounts")
    live = contracts.filter(
        contracts.start_date <= today,
        contracts.cancelled_at.isnull() | (contracts.cancelled_at > today),
        contracts.end_date.isnull() | (contracts.end_date >= today),
    )
    customers = live.group_by("account_id").aggregate(ends=live.end_date.min(), mrr=live.mrr.sum())
    later = contracts.group_by("account_id").aggregate(last_end=contracts.end_date.max())
    frame = engine.execute(
        customers.join(later, "account_id")
        .join(accounts.select("account_id", "name", "owner_id"), "account_id")
        .select("account_id", "name", "owner_id", "ends", "last_end")
    )
    if frame.empty:
        return []
    signals = {
        "churn_risk": _risky(churn_risk or {}, rule.param("risk_above")),
        "activity_falling": _activity_falling(engine, now, rule.param("activity_drop")),
        "detractor_nps": _detractors(engine, now, rule.param("detractor_days")),
        "open_complaints": _complaints(engine, now, rule.param("complaint_days")),
    }
    ending_limit = today + dt.timedelta(days=rule.param("contract_days"))
    hits = []
    for row in frame.itertuples(index=False):
        found: dict[str, Any] = {}
        for name, per_account in signals.items():
            if row.account_id in per_account:
                found[name] = per_account[row.account_id]
        ends = _date(row.ends)
        renewed = (
            _date(row.last_end) is not None and ends is not None and _date(row.last_end) > ends
        )
        if ends is not None and ends <= ending_limit and not renewed:
            found["contract_ending"] = {"ends": ends.isoformat(), "days": (ends - today).days}
        if len(found) >= rule.param("min_signals"):
            hits.append(
                RecordHit(
                    subject=row.account_id,
                    label=row.name or row.account_id,
                    rep_id=row.owner_id,
                    numbers={
                        "signals": [s for s in CHURN_SIGNALS if s in found],
                        "details": found,
                        "not_available": ["overdue_invoices"],
                    },
                    link="/kpi/account_health",
                )
            )
    return hits


def _risky(churn_risk: Mapping[str, Mapping[str, Any]], above: float) -> dict[str, dict]:
    """The accounts the churn-risk model gives at least `above`, with its reasons."""
    return {
        account: {
            "probability": round(float(score["probability"]), 4),
            "reasons": [r["feature"] for r in score.get("reasons", [])],
        }
        for account, score in churn_risk.items()
        if score["probability"] >= above
    }


def _activity_falling(engine: Engine, now: dt.datetime, drop: float) -> dict[str, dict]:
    acts = engine.table("activities")
    window = dt.timedelta(days=ACTIVITY_WINDOW_DAYS)
    recent_start, base_start = now - window, now - 3 * window
    on_accounts = acts.filter(
        acts.account_id.notnull(), acts.occurred_at >= base_start, acts.occurred_at < now
    )
    counts = engine.execute(
        on_accounts.group_by("account_id").aggregate(
            recent=(on_accounts.occurred_at >= recent_start).ifelse(1, 0).sum(),
            before=(on_accounts.occurred_at < recent_start).ifelse(1, 0).sum(),
        )
    )
    falling = {}
    for row in counts.itertuples(index=False):
        baseline = row.before / 2.0  # per 90 days
        if baseline >= MIN_BASELINE_ACTIVITIES and row.recent <= (1.0 - drop) * baseline:
            falling[row.account_id] = {
                "last_90_days": int(row.recent),
                "usual_90_days": _round(baseline),
            }
    return falling


def _detractors(engine: Engine, now: dt.datetime, days: int) -> dict[str, dict]:
    """Accounts whose latest NPS answer in the last `days` is a detractor's (0–6)."""
    surveys = engine.table("surveys")
    recent = surveys.filter(
        surveys.kind == "nps",
        surveys.responded_at >= now - dt.timedelta(days=days),
        surveys.responded_at < now,
    )
    order = ibis.window(group_by=recent.account_id, order_by=recent.responded_at.desc())
    latest = recent.mutate(rank=ibis.row_number().over(order)).filter(ibis._.rank == 0)
    frame = engine.execute(latest.select("account_id", "score", "responded_at"))
    return {
        row.account_id: {"score": int(row.score), "answered": str(_date(row.responded_at))}
        for row in frame.itertuples(index=False)
        if row.score is not None and row.score <= 6
    }


def _complaints(engine: Engine, now: dt.datetime, days: int) -> dict[str, dict]:
    """Accounts with a complaint still open, or two or more in the last `days`."""
    tickets = engine.table("tickets")
    complaints = tickets.filter(
        tickets.category == "complaint",
        tickets.account_id.notnull(),
        tickets.opened_at < now,
        tickets.resolved_at.isnull() | (tickets.opened_at >= now - dt.timedelta(days=days)),
    )
    frame = engine.execute(
        complaints.group_by("account_id").aggregate(
            recent=(complaints.opened_at >= now - dt.timedelta(days=days)).ifelse(1, 0).sum(),
            open=complaints.resolved_at.isnull().ifelse(1, 0).sum(),
        )
    )
    return {
        row.account_id: {"open": int(row.open), "recent": int(row.recent), "days": days}
        for row in frame.itertuples(index=False)
        if row.open >= 1 or row.recent >= 2
    }


def stale_sources(engine: Engine, rule: Rule) -> list[RecordHit]:
    """Tables whose newest record is older than `days`, or than twice the table's own
    usual gap between record days when it is naturally slower (monthly financials)."""
    today = engine.today
    hits = []
    for declared in TABLES:
        if not declared.date_column:
            continue
        table = engine.table(declared.name)
        column = table[declared.date_column]
        days = engine.execute(
            table.filter(column.notnull(), column.cast("date") <= today)
            .select(day=column.cast("date"))
            .distinct()
            .order_by(ibis.desc("day"))
            .limit(60)
        )
        if days.empty:
            continue
        stamps = sorted(_date(d) for d in days["day"])
        gaps = [(b - a).days for a, b in zip(stamps, stamps[1:], strict=False)]
        usual_gap = float(pd.Series(gaps).median()) if gaps else 0.0
        limit = max(rule.param("days"), 2 * usual_gap)
        age = (today - stamps[-1]).days
        if age > limit:
            hits.append(
                RecordHit(
                    subject=declared.name,
                    label=declared.name,
                    rep_id=None,
                    numbers={
                        "newest": stamps[-1].isoformat(),
                        "age_days": age,
                        "limit_days": _round(limit),
                    },
                    link="/data/health",
                )
            )
    return hits


def import_rejects(engine: Engine, rule: Rule) -> list[RecordHit]:
    """Files of an import that refused rows; one alert per file and import, so the next
    import with rejects fires again."""
    warehouse = engine.warehouse
    if not import_log.has_log(warehouse):
        return []
    log = import_log.log_table(warehouse)
    since = now_of(engine) - dt.timedelta(days=rule.param("days"))
    frame = warehouse.execute(
        log.filter(log.rejected > 0, log.imported_at >= since).select(
            "import_id", "file", "table_name", "imported_at", "rejected", "rows_read"
        )
    )
    return [
        RecordHit(
            subject=f"{row.import_id}:{row.file}",
            label=row.file,
            rep_id=None,
            numbers={
                "rejected": int(row.rejected),
                "rows_read": int(row.rows_read),
                "table": row.table_name,
                "imported_at": str(row.imported_at),
            },
            link="/data/health",
        )
        for row in frame.itertuples(index=False)
    ]


RECORD_CHECKS = {
    "deal_stalled": stalled_deals,
    "ticket_sla": sla_breaches,
    "churn_signals": churn_signals,
    "stale_source": stale_sources,
    "import_rejects": import_rejects,
}


def _account_names(engine: Engine, ids: pd.Series) -> dict[str, str]:
    wanted = [i for i in set(ids.dropna())]
    if not wanted:
        return {}
    accounts = engine.table("accounts")
    frame = engine.execute(
        accounts.filter(accounts.account_id.isin(wanted)).select("account_id", "name")
    )
    return dict(zip(frame["account_id"], frame["name"], strict=True))


def _instant(value) -> dt.datetime | None:
    if value is None or pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    return value.replace(tzinfo=None) if isinstance(value, dt.datetime) else None


def _date(value) -> dt.date | None:
    if value is None or (not isinstance(value, dt.date) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _days(delta: dt.timedelta) -> float:
    return delta.total_seconds() / DAY_SECONDS


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)
