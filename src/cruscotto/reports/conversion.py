"""Sales conversion by lead source: the funnel of each channel's leads, with honest rates.

Cohort based (SPEC §3): the leads created in the period, and how far each has got so far
(MQL, SQL, an opportunity, a won deal). While the cohort is young its rates still grow:
the report says so. Rates carry their 95% Wilson interval, because 3 won of 25 is not a
hard 12%. Cost per lead and per won deal use the spend of the channel's campaigns that
started in the period, converted to the base currency; spend has no rep or team, so with
such a filter the costs are left out rather than misattributed.
"""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
from ibis import _

from cruscotto.engine import Engine, Filters, Period, wilson_interval
from cruscotto.reports.periods import last_complete_month
from cruscotto.reports.query import (
    clean_filters,
    count_if,
    in_period,
    scoped,
    supports,
)
from cruscotto.reports.report import Column, Note, Report, ReportTable, json_value

ALL_CHANNELS = "All channels"
# How long a lead cohort takes to convert, unless the catalog's lead conversion rate says.
MATURITY_DAYS = 90
STAGES = ("mql", "sql", "opportunities", "won")


def conversion_by_source(
    engine: Engine, period: Period | None = None, filters: Filters | None = None
) -> Report:
    lag = maturity_days(engine)
    chosen, period = period, period or matured_default(engine)
    leads = scoped(engine, "leads", filters)
    cohort = leads.filter(in_period(leads.created_at, period, engine))
    funnel = engine.execute(
        cohort.group_by("channel")
        .aggregate(
            leads=_.count(),
            mql=count_if(_.mql_at.notnull()),
            sql=count_if(_.sql_at.notnull()),
            opportunities=count_if(_.opportunity_id.notnull()),
            won=count_if(_.converted_at.notnull()),
        )
        .order_by([ibis.desc("leads"), "channel"])
    )
    total = funnel[["leads", *STAGES]].sum().to_frame().T
    total.insert(0, "channel", ALL_CHANNELS)
    rows = pd.concat([funnel, total], ignore_index=True).astype({"leads": "int64"})

    spend = _spend_by_channel(engine, period, filters)
    if spend is None:
        rows["spend"] = None
    else:
        rows = rows.merge(spend, on="channel", how="left")
        rows.loc[rows.channel == ALL_CHANNELS, "spend"] = float(spend.spend.sum())
    _add_rates(rows)

    maturing = period.end + dt.timedelta(days=lag) > engine.today
    notes = [
        Note.of(
            "cohort",
            "Cohort: the leads created in the period and how far they have got so far. "
            "Rates are shares of the period's leads; won = leads that became customers.",
        )
    ]
    if chosen is None:
        notes.append(
            Note.of(
                "matured_default",
                "Shown: {period}, the last month whose leads have all had {days} days to "
                "convert; a later month's rates would still rise. Choose another period above.",
                period=period.label,
                days=lag,
            )
        )
    if maturing:
        notes.append(
            Note.of(
                "maturing",
                "This cohort is still maturing (leads take up to ~{days} days to convert): "
                "its rates will still rise.",
                days=lag,
            )
        )
    if spend is None:
        notes.append(
            Note.of(
                "costs_hidden",
                "Costs are shown only when filtering by channel or campaign: marketing "
                "spend is not attributed to reps, teams or segments.",
            )
        )
    overall = rows.iloc[-1]
    return Report(
        name="conversion",
        title="Sales conversion by lead source",
        period=period,
        currency=engine.settings.base_currency,
        tables=[ReportTable("channels", "Funnel by lead source", COLUMNS, rows)],
        notes=notes,
        facts={
            "leads": int(overall.leads),
            "won": int(overall.won),
            "conversion_rate": json_value(overall.conversion_rate),
            "conversion_ci_low": json_value(overall.conversion_ci_low),
            "conversion_ci_high": json_value(overall.conversion_ci_high),
            "maturing": maturing,
        },
        filters={k: list(v) for k, v in (filters or {}).items()},
    )


def matured_default(engine: Engine) -> Period:
    """The report's default period: the last month whose lead cohort has matured."""
    return last_matured_month(engine.today, maturity_days(engine))


def last_matured_month(today: dt.date, lag: int) -> Period:
    """The last complete month whose every lead has had `lag` days to convert (its end
    plus the lag is today or earlier): the default, so the report does not open on a
    cohort whose rates are still near 0% only because it is young."""
    month = last_complete_month(today)
    while month.end + dt.timedelta(days=lag) > today:
        month = month.previous()
    return month


def maturity_days(engine: Engine) -> int:
    """The lag after which a lead cohort is mature: the one the lead conversion rate KPI
    declares, so that the report and the KPI agree on when a cohort stops maturing."""
    if "lead_conversion_rate" in engine.catalog:
        lag = getattr(engine.catalog.get("lead_conversion_rate").computation, "maturity_days", None)
        if lag is not None:
            return int(lag)
    return MATURITY_DAYS


def _spend_by_channel(
    engine: Engine, period: Period, filters: Filters | None
) -> pd.DataFrame | None:
    """Spend of campaigns started in the period, per channel, in the base currency: the
    spend of the period's campaign cohort, as the ROI KPI counts it (one definition)."""
    if any(not supports("campaigns", d) for d in clean_filters(filters)):
        return None
    cohorts = engine.breakdown("roi", period, "channel", filters)
    return pd.DataFrame(
        {
            "channel": [channel for channel, _ in cohorts],
            "spend": [result.details["marketing_spend"] for _, result in cohorts],
        },
        columns=["channel", "spend"],
    )


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _add_rates(rows: pd.DataFrame) -> None:
    """Stage ÷ leads for each stage, won ÷ opportunities, costs per lead and per won deal."""
    for stage in ("mql", "sql", "opportunities"):
        rows[f"{stage}_rate"] = [
            _share(part, whole) for part, whole in zip(rows[stage], rows.leads, strict=True)
        ]
    intervals = [
        wilson_interval(won, leads) if leads else (None, None)
        for won, leads in zip(rows.won, rows.leads, strict=True)
    ]
    rows["conversion_rate"] = [
        _share(won, leads) for won, leads in zip(rows.won, rows.leads, strict=True)
    ]
    rows["conversion_ci_low"] = [low for low, _ in intervals]
    rows["conversion_ci_high"] = [high for _, high in intervals]
    rows["opportunity_win_rate"] = [
        _share(won, opps) for won, opps in zip(rows.won, rows.opportunities, strict=True)
    ]
    spend = rows["spend"].astype("float64")
    rows["cost_per_lead"] = [
        _share(cost, leads) if pd.notna(cost) else None
        for cost, leads in zip(spend, rows.leads, strict=True)
    ]
    rows["cost_per_won"] = [
        _share(cost, won) if pd.notna(cost) else None
        for cost, won in zip(spend, rows.won, strict=True)
    ]


COLUMNS = [
    Column("channel", "Lead source"),
    Column("leads", "Leads", "count"),
    Column("mql", "MQL", "count"),
    Column("mql_rate", "MQL rate", "percent"),
    Column("sql", "SQL", "count"),
    Column("sql_rate", "SQL rate", "percent"),
    Column("opportunities", "Opportunities", "count"),
    Column("opportunities_rate", "Lead → opportunity", "percent"),
    Column("won", "Won", "count"),
    Column("conversion_rate", "Lead → customer", "percent"),
    Column("conversion_ci_low", "95% CI low", "percent"),
    Column("conversion_ci_high", "95% CI high", "percent"),
    Column("opportunity_win_rate", "Opportunity → won", "percent"),
    Column("spend", "Spend", "currency"),
    Column("cost_per_lead", "Cost per lead", "currency"),
    Column("cost_per_won", "Cost per won deal", "currency"),
]
