"""Sales performance leaderboard: deal value by stage, deals per rep, and the deals.

The deals of a period are those won or lost in it (by `closed_at`, in the company's time
zone) and those still open that were created before it ended. Besides the dimension
filters (rep, team, pipeline…), the report filters by deal status and by the currency the
deal was agreed in; every table obeys every filter.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir
import pandas as pd
from ibis import _

from cruscotto.engine import (
    Engine,
    Filters,
    Period,
    in_pipeline_order,
    utc_instant,
    wilson_interval,
)
from cruscotto.model.tables import OPPORTUNITY_STATUSES
from cruscotto.reports.deals import CLOSED, deals
from cruscotto.reports.periods import last_complete_month_of
from cruscotto.reports.query import count_if, in_period
from cruscotto.reports.report import Column, Note, Report, ReportTable, local_dates


def sales_leaderboard(
    engine: Engine,
    period: Period | None = None,
    filters: Filters | None = None,
    *,
    statuses: Sequence[str] | None = None,
    currencies: Sequence[str] | None = None,
) -> Report:
    period = period or last_complete_month_of(engine)
    unknown = set(statuses or ()) - set(OPPORTUNITY_STATUSES)
    if unknown:
        raise ValueError(
            f"unknown deal status {', '.join(sorted(unknown))}; "
            f"use {', '.join(OPPORTUNITY_STATUSES)}"
        )
    selected = deals_of_period(engine, period, filters)
    if statuses:
        selected = selected.filter(selected.status.isin(list(statuses)))
    if currencies:
        selected = selected.filter(selected.currency.isin([c.upper() for c in currencies]))

    by_stage = in_pipeline_order(
        engine.execute(
            selected.group_by(["pipeline", "stage"]).aggregate(
                deals=_.count(), value=_.amount_base.sum()
            )
        ),
        engine.stage_positions(),
    )
    won_value = ibis.cases((_.status == "won", _.amount_base), else_=0.0)
    open_value = ibis.cases((_.status == "open", _.amount_base), else_=0.0)
    per_rep = engine.execute(
        selected.group_by(["owner_id", "rep", "team", "role"]).aggregate(
            deals=_.count(),
            won=count_if(_.status == "won"),
            won_value=won_value.sum(),
            lost=count_if(_.status == "lost"),
            open=count_if(_.status == "open"),
            open_value=open_value.sum(),
        )
    )
    per_rep = ranked_among_peers(per_rep)
    rate = [_win_rate(won, lost) for won, lost in zip(per_rep.won, per_rep.lost, strict=True)]
    for index, key in enumerate(("win_rate", "ci_low", "ci_high")):
        per_rep[key] = [r[index] for r in rate]
    per_rep["avg_won_value"] = [
        value / won if won else None
        for value, won in zip(per_rep.won_value, per_rep.won, strict=True)
    ]

    deal_rows = engine.execute(selected.order_by([ibis.desc("amount_base"), "opportunity_id"]))
    deal_rows["created_on"] = local_dates(deal_rows.created_at, engine.tz)
    deal_rows["closed_on"] = local_dates(deal_rows.closed_at, engine.tz)

    won_total, lost_total = int(per_rep.won.sum()), int(per_rep.lost.sum())
    win_rate, low, high = _win_rate(won_total, lost_total)
    return Report(
        name="leaderboard",
        title="Sales performance leaderboard",
        period=period,
        currency=engine.settings.base_currency,
        tables=[
            ReportTable("reps", "Deals per rep", REP_COLUMNS, per_rep),
            ReportTable("stages", "Deal value by stage", STAGE_COLUMNS, by_stage),
            ReportTable("deals", "Deals", DEAL_COLUMNS, deal_rows),
        ],
        notes=[
            Note.of(
                "period_deals",
                "Deals of the period: won or lost in it, and those still open that were "
                "created before it ended. Win rate = won ÷ (won + lost).",
            )
        ],
        facts={
            "deals": int(len(deal_rows)),
            "value": float(deal_rows.amount_base.sum()),
            "won": won_total,
            "won_value": float(per_rep.won_value.sum()),
            "lost": lost_total,
            "win_rate": win_rate,
            "win_rate_ci_low": low,
            "win_rate_ci_high": high,
        },
        filters={
            **{k: list(v) for k, v in (filters or {}).items()},
            **({"status": list(statuses)} if statuses else {}),
            **({"currency": [c.upper() for c in currencies]} if currencies else {}),
        },
    )


# Peers are ranked together: account executives close new business, account managers grow
# existing customers; an SDR or a consultant owning a deal is ranked with their own kind.
PEER_ORDER = ("ae", "account_manager", "sdr", "consultant", "support", "manager")


def ranked_among_peers(per_rep: pd.DataFrame) -> pd.DataFrame:
    """Reps grouped by role (PEER_ORDER, unknown roles last), each group by won value
    (then deals won, then id), with `rank` counted within the group."""
    group = per_rep.role.map(lambda r: PEER_ORDER.index(r) if r in PEER_ORDER else len(PEER_ORDER))
    ordered = per_rep.assign(_group=group).sort_values(
        ["_group", "won_value", "won", "owner_id"],
        ascending=[True, False, False, True],
        kind="stable",
    )
    ordered.insert(0, "rank", ordered.groupby("_group").cumcount() + 1)
    return ordered.drop(columns="_group").reset_index(drop=True)


def deals_of_period(engine: Engine, period: Period, filters: Filters | None) -> ir.Table:
    """Deals closed in the period, plus those still open that were created before its end."""
    tz = engine.tz
    everything = deals(engine, filters)
    closed_in_period = everything.status.isin(CLOSED) & in_period(
        everything.closed_at, period, engine
    )
    open_by_end = (everything.status == "open") & (
        everything.created_at < utc_instant(period.end, tz)
    )
    return everything.filter(closed_in_period | open_by_end)


def _win_rate(won: int, lost: int) -> tuple[float | None, float | None, float | None]:
    closed = won + lost
    if not closed:
        return None, None, None
    low, high = wilson_interval(won, closed)
    return won / closed, low, high


REP_COLUMNS = [
    Column("rank", "Rank", "count"),  # among peers: reps of the same role
    Column("rep", "Rep"),
    Column("team", "Team"),
    Column("role", "Role"),
    Column("won", "Won", "count"),
    Column("won_value", "Won value", "currency"),
    Column("avg_won_value", "Average won deal", "currency"),
    Column("lost", "Lost", "count"),
    Column("win_rate", "Win rate", "percent"),
    Column("ci_low", "95% CI low", "percent"),
    Column("ci_high", "95% CI high", "percent"),
    Column("open", "Open", "count"),
    Column("open_value", "Open pipeline", "currency"),
    Column("deals", "Deals", "count"),
    Column("owner_id", "Rep id"),
]
STAGE_COLUMNS = [
    Column("pipeline", "Pipeline"),
    Column("stage", "Stage"),
    Column("deals", "Deals", "count"),
    Column("value", "Value", "currency"),
]
DEAL_COLUMNS = [
    Column("opportunity_id", "Deal"),
    Column("account", "Account"),
    Column("rep", "Rep"),
    Column("team", "Team"),
    Column("pipeline", "Pipeline"),
    Column("stage", "Stage"),
    Column("status", "Status"),
    Column("amount", "Amount", "number"),
    Column("currency", "Currency"),
    Column("amount_base", "Value", "currency"),
    Column("created_on", "Created", "date"),
    Column("expected_close_date", "Expected close", "date"),
    Column("closed_on", "Closed", "date"),
    Column("owner_id", "Rep id"),
]
