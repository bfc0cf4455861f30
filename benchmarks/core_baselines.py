"""Three honest baselines for the twelve core KPIs, to measure the engine against.

Each answers the benchmark's four questions (current month, previous month, the 12 months
ending with the current one, and the current month by rep) the way a competent analyst
would write it, and must give the engine's numbers:

  * pandas: local months computed once per date column, then one vectorised `groupby`
    per source and date (month, and month × rep) — no Python loop over reps or months;
  * polars: the same, with polars' lazy group-bys;
  * a hand-written DuckDB SQL floor: one fused query per source and date (five in all),
    `GROUP BY GROUPING SETS ((month), (month, rep))`, exchange rates by `ASOF JOIN`.

Money is converted as the engine converts it (engine/rules/currency.py): at the rate of the
record's local calendar day in the company's time zone, or the latest earlier one. A
deal closed at 23:30 UTC on 31 May is 1 June in Rome and takes 1 June's rate.

All three aggregate the same "families" (a source table dated by one column); the KPIs
are then the same arithmetic on those sums, in `kpi_values`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from cruscotto.engine import Period, utc_instant
from cruscotto.settings import CompanySettings

MONTHS = 12


@dataclass(frozen=True)
class Family:
    """A source table dated by one column, with its rep column and what is summed."""

    name: str
    table: str
    date: str
    rep: str


FAMILIES = (
    Family("leads_created", "leads", "created_at", "owner_id"),
    Family("leads_qualified", "leads", "mql_at", "owner_id"),
    Family("deals_created", "opportunities", "created_at", "owner_id"),
    Family("deals_closed", "opportunities", "closed_at", "owner_id"),
    Family("activities", "activities", "occurred_at", "rep_id"),
)
# The sums each family needs (every one is a SUM over its rows; n is the row count).
SUMS = {
    "leads_created": ("n", "responded", "response_hours", "converted"),
    "leads_qualified": ("n",),
    "deals_created": ("n",),
    "deals_closed": ("won", "lost", "won_amount", "won_priced", "cycle_days", "cycled"),
    "activities": ("n", "accepted", "proposed"),
}


def _ratio(numerator, denominator):
    return None if not denominator else numerator / denominator


# KPI → its value from the sums of the families (one row of sums per month or per rep).
KPIS: dict[str, Callable[[dict], float | None]] = {
    "new_leads": lambda s: s["leads_created"]["n"],
    "qualified_leads": lambda s: s["leads_qualified"]["n"],
    "lead_response_time": lambda s: _ratio(
        s["leads_created"]["response_hours"], s["leads_created"]["responded"]
    ),
    "new_opportunities": lambda s: s["deals_created"]["n"],
    "lead_conversion_rate": lambda s: _ratio(
        s["leads_created"]["converted"], s["leads_created"]["n"]
    ),
    "win_rate": lambda s: _ratio(
        s["deals_closed"]["won"], s["deals_closed"]["won"] + s["deals_closed"]["lost"]
    ),
    "win_loss_ratio": lambda s: _ratio(s["deals_closed"]["won"], s["deals_closed"]["lost"]),
    "deals_won": lambda s: s["deals_closed"]["won"],
    "avg_contract_value": lambda s: _ratio(
        s["deals_closed"]["won_amount"], s["deals_closed"]["won_priced"]
    ),
    "sales_cycle_length": lambda s: _ratio(
        s["deals_closed"]["cycle_days"], s["deals_closed"]["cycled"]
    ),
    "activities": lambda s: s["activities"]["n"],
    "meeting_acceptance_rate": lambda s: _ratio(
        s["activities"]["accepted"], s["activities"]["proposed"]
    ),
}
# Which family gives a KPI its rows (for the by-rep groups).
FAMILY_OF = {
    "new_leads": "leads_created",
    "qualified_leads": "leads_qualified",
    "lead_response_time": "leads_created",
    "new_opportunities": "deals_created",
    "lead_conversion_rate": "leads_created",
    "win_rate": "deals_closed",
    "win_loss_ratio": "deals_closed",
    "deals_won": "deals_closed",
    "avg_contract_value": "deals_closed",
    "sales_cycle_length": "deals_closed",
    "activities": "activities",
    "meeting_acceptance_rate": "activities",
}


def month_bounds(current: Period, tz) -> list[dt.datetime]:
    """The UTC instants starting each of the 12 months up to `current`, and its end."""
    months = Period(_months_back(current.end, MONTHS), current.end).split("month")
    return [utc_instant(m.start, tz) for m in months] + [utc_instant(current.end, tz)]


def _months_back(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def kpi_values(per_month: dict, per_rep: dict, kpi_ids: list[str]) -> dict:
    """The four answers of each KPI from {family: {month index: sums}} and
    {family: {rep: sums}} of the current month (month 11 is current, 10 previous)."""

    def sums_at(month: int) -> dict:
        return {f: per_month[f].get(month, _zeros(f)) for f in SUMS}

    answers = {}
    for kpi_id in kpi_ids:
        value = KPIS[kpi_id]
        family = FAMILY_OF[kpi_id]
        by_rep = {}
        for rep, sums in per_rep[family].items():
            by_rep[rep] = value({**{f: _zeros(f) for f in SUMS}, family: sums})
        answers[kpi_id] = {
            "current": value(sums_at(MONTHS - 1)),
            "previous": value(sums_at(MONTHS - 2)),
            "trend": [value(sums_at(m)) for m in range(MONTHS)],
            "by_rep": by_rep,
        }
    return answers


def _zeros(family: str) -> dict:
    return dict.fromkeys(SUMS[family], 0)


def _sources(leads, deals, closed, acts) -> dict:
    """The frame each family is aggregated from."""
    return {
        "leads_created": leads,
        "leads_qualified": leads,
        "deals_created": deals,
        "deals_closed": closed,
        "activities": acts,
    }


# -- pandas ----------------------------------------------------------------------------------


def pandas_answers(frames: dict[str, pd.DataFrame], current: Period, settings: CompanySettings):
    bounds = pd.DatetimeIndex(month_bounds(current, settings.tz))
    leads, deals, acts = frames["leads"], frames["opportunities"], frames["activities"]
    rates = frames["fx_rates"]
    leads = leads.assign(
        responded=leads.first_response_at.notna().astype(int),
        response_hours=(leads.first_response_at - leads.created_at).dt.total_seconds() / 3600,
        converted=leads.converted_at.notna().astype(int),
        n=1,
    )
    deals = deals.assign(n=1)
    closed = _pandas_closed(deals, leads, rates, settings, bounds)
    acts = acts.assign(
        n=1,
        accepted=((acts.type == "meeting") & (acts.outcome == "accepted")).astype(int),
        proposed=(
            (acts.type == "meeting") & acts.outcome.isin(["proposed", "accepted", "declined"])
        ).astype(int),
    )
    sources = _sources(leads, deals, closed, acts)
    per_month, per_rep = {}, {}
    for family in FAMILIES:
        frame = sources[family.name]
        month = bounds.searchsorted(frame[family.date], side="right") - 1
        inside = (month >= 0) & (month < MONTHS) & frame[family.date].notna().to_numpy()
        frame = frame.loc[inside].assign(_month=month[inside])
        columns = list(SUMS[family.name])
        totals = frame.groupby("_month")[columns].sum()
        per_month[family.name] = {int(m): row.to_dict() for m, row in totals.iterrows()}
        latest = frame[frame._month == MONTHS - 1]
        reps = latest.groupby(family.rep)[columns].sum()
        per_rep[family.name] = {rep: row.to_dict() for rep, row in reps.iterrows()}
    return per_month, per_rep


def _pandas_closed(deals, leads, rates, settings: CompanySettings, bounds) -> pd.DataFrame:
    """Closed deals with won flags, the won amount in the base currency at the rate of
    the closing's local day or the latest earlier one, and the won sales cycle in days."""
    base = settings.base_currency
    closed = deals[
        deals.closed_at.notna() & (deals.closed_at >= bounds[0]) & (deals.closed_at < bounds[-1])
    ]
    closed = closed.assign(
        won=(closed.status == "won").astype(int),
        lost=(closed.status == "lost").astype(int),
        _day=_local(closed.closed_at, settings.timezone).dt.normalize(),
    ).sort_values("_day")
    table = rates.assign(_day=pd.to_datetime(rates.day).astype(closed._day.dtype))
    table = table.sort_values("_day")
    closed = pd.merge_asof(
        closed, table[["_day", "currency", "rate_to_base"]], on="_day", by="currency"
    )
    rate = closed.rate_to_base.where(closed.currency != base, 1.0)
    won = closed.won == 1
    lead_created = closed.lead_id.map(leads.set_index("lead_id").created_at)
    started = lead_created.fillna(closed.created_at)
    cycle = (closed.closed_at - started).dt.total_seconds() / 86400
    return closed.assign(
        won_amount=(closed.amount * rate).where(won, 0.0),
        won_priced=(won & closed.amount.notna()).astype(int),
        cycle_days=cycle.where(won, 0.0),
        cycled=(won & cycle.notna()).astype(int),
    )


def _local(utc: pd.Series, timezone: str) -> pd.Series:
    """Stored (naive UTC) timestamps as naive wall-clock times in `timezone`."""
    return utc.dt.tz_localize("UTC").dt.tz_convert(timezone).dt.tz_localize(None)


# -- polars ----------------------------------------------------------------------------------


def polars_answers(frames: dict, current: Period, settings: CompanySettings):
    import polars as pl

    bounds = pl.Series(month_bounds(current, settings.tz)).cast(pl.Datetime("us"))
    leads = frames["leads"].with_columns(
        n=pl.lit(1),
        responded=pl.col("first_response_at").is_not_null().cast(pl.Int64),
        response_hours=(pl.col("first_response_at") - pl.col("created_at")).dt.total_seconds(
            fractional=True
        )
        / 3600,
        converted=pl.col("converted_at").is_not_null().cast(pl.Int64),
    )
    deals = frames["opportunities"].with_columns(n=pl.lit(1))
    closed = _polars_closed(pl, deals, leads, frames["fx_rates"], settings, bounds)
    meeting = pl.col("type") == "meeting"
    acts = frames["activities"].with_columns(
        n=pl.lit(1),
        accepted=(meeting & (pl.col("outcome") == "accepted")).cast(pl.Int64),
        proposed=(meeting & pl.col("outcome").is_in(["proposed", "accepted", "declined"])).cast(
            pl.Int64
        ),
    )
    sources = _sources(leads, deals, closed, acts)
    per_month, per_rep = {}, {}
    for family in FAMILIES:
        frame = sources[family.name].filter(
            pl.col(family.date).is_not_null()
            & (pl.col(family.date) >= bounds[0])
            & (pl.col(family.date) < bounds[-1])
        )
        frame = frame.with_columns(
            _month=bounds.search_sorted(frame[family.date], side="right").cast(pl.Int64) - 1
        )
        columns = [pl.col(c).sum() for c in SUMS[family.name]]
        totals = frame.group_by("_month").agg(columns)
        per_month[family.name] = {
            row.pop("_month"): row for row in totals.to_dicts() if row["_month"] is not None
        }
        reps = frame.filter(pl.col("_month") == MONTHS - 1).group_by(family.rep).agg(columns)
        per_rep[family.name] = {row.pop(family.rep): row for row in reps.to_dicts()}
    return per_month, per_rep


def _polars_closed(pl, deals, leads, rates, settings: CompanySettings, bounds):
    base = settings.base_currency
    closed = deals.filter(
        pl.col("closed_at").is_not_null()
        & (pl.col("closed_at") >= bounds[0])
        & (pl.col("closed_at") < bounds[-1])
    ).with_columns(
        won=(pl.col("status") == "won").cast(pl.Int64),
        lost=(pl.col("status") == "lost").cast(pl.Int64),
        _day=pl.col("closed_at")
        .dt.replace_time_zone("UTC")
        .dt.convert_time_zone(settings.timezone)
        .dt.date(),
    )
    table = rates.select(pl.col("day").alias("_day"), "currency", "rate_to_base").sort("_day")
    closed = closed.sort("_day").join_asof(table, on="_day", by="currency", check_sortedness=False)
    lead_created = leads.select(pl.col("lead_id"), pl.col("created_at").alias("lead_created"))
    closed = closed.join(lead_created, on="lead_id", how="left")
    won = pl.col("won") == 1
    rate = pl.when(pl.col("currency") == base).then(1.0).otherwise(pl.col("rate_to_base"))
    cycle = (pl.col("closed_at") - pl.coalesce("lead_created", "created_at")).dt.total_seconds(
        fractional=True
    ) / 86400
    return closed.with_columns(
        won_amount=pl.when(won).then(pl.col("amount") * rate).otherwise(0.0),
        won_priced=(won & pl.col("amount").is_not_null()).cast(pl.Int64),
        cycle_days=pl.when(won).then(cycle).otherwise(0.0),
        cycled=(won & cycle.is_not_null()).cast(pl.Int64),
    )


# -- the DuckDB SQL floor --------------------------------------------------------------------

_SQL_SUMS = {
    "leads_created": """count(*) AS n,
        count(first_response_at) AS responded,
        sum(epoch(first_response_at) - epoch(created_at)) / 3600 AS response_hours,
        count(converted_at) AS converted""",
    "leads_qualified": "count(*) AS n",
    "deals_created": "count(*) AS n",
    "deals_closed": """count(*) FILTER (status = 'won') AS won,
        count(*) FILTER (status = 'lost') AS lost,
        coalesce(sum(amount * CASE WHEN currency = '{base}' THEN 1 ELSE rate_to_base END)
            FILTER (status = 'won'), 0) AS won_amount,
        count(amount) FILTER (status = 'won') AS won_priced,
        coalesce(sum(epoch(closed_at) - epoch(coalesce(lead_created, created_at)))
            FILTER (status = 'won'), 0) / 86400 AS cycle_days,
        count(*) FILTER (status = 'won') AS cycled""",
    "activities": """count(*) AS n,
        count(*) FILTER (type = 'meeting' AND outcome = 'accepted') AS accepted,
        count(*) FILTER (type = 'meeting' AND outcome IN ('proposed', 'accepted', 'declined'))
            AS proposed""",
}
_SQL_FROM = {
    "deals_closed": """(SELECT o.*, r.rate_to_base, l.created_at AS lead_created
        FROM opportunities o
        ASOF LEFT JOIN fx_rates r ON o.currency = r.currency
            AND CAST(timezone('{tz}', timezone('UTC', o.closed_at)) AS DATE) >= r.day
        LEFT JOIN leads l ON l.lead_id = o.lead_id
        WHERE o.closed_at >= '{first}' AND o.closed_at < '{last}')""",
}


def sql_queries(current: Period, settings: CompanySettings) -> dict[str, str]:
    """One query per family: sums per month and per (month, rep), in one scan."""
    bounds = month_bounds(current, settings.tz)
    month = (
        "CASE "
        + " ".join(f"WHEN {{date}} < '{b}' THEN {i}" for i, b in enumerate(bounds[1:]))
        + " END"
    )
    queries = {}
    for family in FAMILIES:
        source = _SQL_FROM.get(family.name, family.table).format(
            first=bounds[0], last=bounds[-1], tz=settings.timezone
        )
        sums = _SQL_SUMS[family.name].format(base=settings.base_currency)
        queries[family.name] = f"""
            SELECT {month.format(date=family.date)} AS month, {family.rep} AS rep,
                   GROUPING({family.rep}) AS total, {sums}
            FROM {source}
            WHERE {family.date} >= '{bounds[0]}' AND {family.date} < '{bounds[-1]}'
            GROUP BY GROUPING SETS ((month), (month, {family.rep}))"""
    return queries


def sql_answers(connection, queries: dict[str, str]):
    per_month, per_rep = {}, {}
    for name, sql in queries.items():
        cursor = connection.execute(sql)
        columns = [d[0] for d in cursor.description]
        months, reps = {}, {}
        for row in cursor.fetchall():
            record = dict(zip(columns, row, strict=True))
            month, rep, total = record.pop("month"), record.pop("rep"), record.pop("total")
            sums = {k: (v or 0) for k, v in record.items()}
            if total:
                months[month] = sums
            elif month == MONTHS - 1:
                reps[rep] = sums
        per_month[name], per_rep[name] = months, reps
    return per_month, per_rep
