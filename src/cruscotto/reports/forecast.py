"""Sales forecast: the open pipeline weighted by close probability, by expected close month,
and how past forecasts compared with what was actually won.

Until a learned model exists the close probability of a deal is the historical win rate of
its stage: of the closed deals (under the same filters) that reached that stage, the share
that was won. A stage no closed deal ever reached falls back to its pipeline's win rate,
then to the win rate of all closed deals. Each deal shows these factors.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import pandas as pd
from ibis import _

from cruscotto.engine import Engine, Filters, Period, wilson_interval
from cruscotto.reports.deals import deals, pipeline_win_rates, stage_win_rates
from cruscotto.reports.periods import months_ending, months_from
from cruscotto.reports.query import bucket, clean_filters, count_if, in_period, scoped, supports
from cruscotto.reports.report import Column, Note, Report, ReportTable

FORECAST_MONTHS = 6  # default window: this month and the next five
HISTORY_MONTHS = 6  # forecast vs actual: the six whole months before this one
PROBABILITY_NOTE = (
    "Close probability = the historical win rate of the deal's stage (won ÷ closed among the "
    "closed deals that reached that stage), falling back to the pipeline's, then to all deals'. "
    "A learned, calibrated model is not in place yet."
)


def default_period(today: dt.date) -> Period:
    months = months_from(today, FORECAST_MONTHS)
    return Period(months[0].start, months[-1].end)


def sales_forecast(
    engine: Engine,
    period: Period | None = None,
    filters: Filters | None = None,
    *,
    history_months: int = HISTORY_MONTHS,
) -> Report:
    """Weighted open pipeline by expected close month within `period` (default: the next six
    months), the deals with their factors, the stage win rates used, and forecast vs actual."""
    period = period or default_period(engine.today)
    months = period.split("month")
    rates = learned_rates(engine, filters)
    weighted = weighted_open_deals(engine, filters, rates)

    in_window = weighted.filter(in_period(weighted.expected_close_date, period, engine))
    by_month = engine.execute(
        in_window.mutate(month=bucket(in_window.expected_close_date, months, engine))
        .group_by("month")
        .aggregate(
            open_count=_.count(),
            open_value=_.amount_base.sum(),
            weighted_value=_.weighted_value.sum(),
        )
    )
    month_rows = (
        pd.DataFrame({"month": [m.label for m in months]})
        .merge(by_month, on="month", how="left")
        .fillna({"open_count": 0, "open_value": 0.0, "weighted_value": 0.0})
    )
    deal_rows = engine.execute(
        in_window.order_by(
            ["expected_close_date", ibis.desc("weighted_value"), "opportunity_id"]
        ).select(*DEAL_COLUMNS_ORDER)
    )
    outside = _outside_window(engine, weighted, period)
    rate_rows = _stage_rate_rows(rates[0])
    history = forecast_vs_actual(engine, filters, history_months)

    notes = [Note.of("probability", PROBABILITY_NOTE)]
    if outside["overdue_count"]:
        notes.append(
            Note.of(
                "overdue",
                "{count} open deals were expected to close before {day} and are not in the "
                "months above: update them in the CRM.",
                count=outside["overdue_count"],
                day=period.start.isoformat(),
            )
        )
    if outside["undated_count"]:
        notes.append(
            Note.of(
                "undated",
                "{count} open deals have no expected close date.",
                count=outside["undated_count"],
            )
        )
    tables = [
        ReportTable("months", "Forecast by expected close month", MONTH_COLUMNS, month_rows),
        ReportTable("deals", "Open deals and the factors behind them", DEAL_COLUMNS, deal_rows),
        ReportTable("stage_win_rates", "Historical win rate by stage", RATE_COLUMNS, rate_rows),
    ]
    if history is None:
        notes.append(
            Note.of("history_filters", "Forecast vs actual is shown only for rep and team filters.")
        )
    else:
        monthly, per_rep = history
        tables.append(
            ReportTable("forecast_vs_actual", "Forecast vs actual", HISTORY_COLUMNS, monthly)
        )
        tables.append(
            ReportTable(
                "forecast_by_rep", "Forecast vs actual by rep", HISTORY_BY_REP_COLUMNS, per_rep
            )
        )
    return Report(
        name="forecast",
        title="Sales forecast",
        period=period,
        currency=engine.settings.base_currency,
        tables=tables,
        notes=notes,
        facts={
            "open_count": int(month_rows.open_count.sum()),
            "open_value": float(month_rows.open_value.sum()),
            "weighted_value": float(month_rows.weighted_value.sum()),
            **outside,
        },
        filters={k: list(v) for k, v in (filters or {}).items()},
    )


def learned_rates(engine: Engine, filters: Filters | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The closed-deal history, learned once per report: won and closed per pipeline and
    stage, and per pipeline (a few rows each, reused by every query of the report)."""
    stages = engine.execute(stage_win_rates(engine, filters).order_by(["pipeline", "stage"]))
    pipelines = engine.execute(pipeline_win_rates(engine, filters).order_by("pipeline"))
    return stages, pipelines


def weighted_open_deals(
    engine: Engine,
    filters: Filters | None = None,
    rates: tuple[pd.DataFrame, pd.DataFrame] | None = None,
) -> ir.Table:
    """Open deals with their close probability, its basis and their weighted value."""
    stage_rows, pipeline_rows = rates if rates is not None else learned_rates(engine, filters)
    all_deals = deals(engine, filters)
    open_deals = all_deals.filter(all_deals.status == "open")
    stages = ibis.memtable(
        pd.DataFrame(
            {
                "_pipeline": stage_rows.pipeline.astype("object"),
                "_stage": stage_rows.stage.astype("object"),
                "stage_win_rate": (stage_rows.won / stage_rows.closed).astype("float64"),
            }
        ),
        schema={"_pipeline": "string", "_stage": "string", "stage_win_rate": "float64"},
    )
    pipelines = ibis.memtable(
        pd.DataFrame(
            {
                "_pipeline2": pipeline_rows.pipeline.astype("object"),
                "pipeline_win_rate": (pipeline_rows.won / pipeline_rows.closed).astype("float64"),
            }
        ),
        schema={"_pipeline2": "string", "pipeline_win_rate": "float64"},
    )
    closed = int(pipeline_rows.closed.sum())
    overall = ibis.literal(int(pipeline_rows.won.sum()) / closed if closed else None, "float64")
    joined = open_deals.left_join(
        stages, (open_deals.pipeline == stages._pipeline) & (open_deals.stage == stages._stage)
    ).left_join(pipelines, open_deals.pipeline == pipelines._pipeline2)
    probability = ibis.coalesce(joined.stage_win_rate, joined.pipeline_win_rate, overall)
    basis = ibis.cases(
        (joined.stage_win_rate.notnull(), "stage"),
        (joined.pipeline_win_rate.notnull(), "pipeline"),
        (overall.notnull(), "all deals"),
        else_=ibis.null("string"),
    )
    return joined.mutate(
        probability=probability,
        probability_basis=basis,
        weighted_value=joined.amount_base * probability,
        age_days=ibis.literal(engine.today).delta(joined.created_at.date(), unit="day"),
    ).drop("_pipeline", "_stage", "_pipeline2")


def _outside_window(engine: Engine, weighted: ir.Table, period: Period) -> dict:
    """Open deals the months cannot show: expected before the period (overdue) or undated."""
    overdue = weighted.expected_close_date < period.start
    undated = weighted.expected_close_date.isnull()
    counts = weighted.aggregate(
        overdue_count=count_if(overdue),
        overdue_value=ibis.cases((overdue, weighted.amount_base), else_=0.0).sum(),
        undated_count=count_if(undated),
        undated_value=ibis.cases((undated, weighted.amount_base), else_=0.0).sum(),
    )
    counts = engine.execute(counts)
    row = counts.iloc[0]
    return {
        "overdue_count": int(row.overdue_count or 0),
        "overdue_value": float(row.overdue_value or 0.0),
        "undated_count": int(row.undated_count or 0),
        "undated_value": float(row.undated_value or 0.0),
    }


def _stage_rate_rows(stages: pd.DataFrame) -> pd.DataFrame:
    rates = stages.copy()
    intervals = [wilson_interval(w, c) for w, c in zip(rates.won, rates.closed, strict=True)]
    rates["win_rate"] = rates.won / rates.closed
    rates["ci_low"] = [low for low, _ in intervals]
    rates["ci_high"] = [high for _, high in intervals]
    return rates


def forecast_vs_actual(
    engine: Engine, filters: Filters | None, history_months: int
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Per past month (and per rep and month): the reps' latest forecasts, the value
    actually won, and the accuracy 1 − |actual − forecast| ÷ forecast (SPEC §3.2). None
    when a filter (e.g. pipeline) cannot apply to forecasts, which are per rep and month."""
    if any(not supports("forecasts", d) for d in clean_filters(filters)):
        return None
    months = months_ending(Period.of("month", engine.today).previous().start, history_months)
    labels = [m.label for m in months]

    forecasts = scoped(engine, "forecasts", filters)
    forecasts = forecasts.filter(forecasts.period.isin(labels))
    latest = forecasts.group_by(["rep_id", "period"]).aggregate(
        submitted_at=forecasts.submitted_at.max()
    )
    final = forecasts.semi_join(latest, ["rep_id", "period", "submitted_at"]).select(
        "rep_id", "amount", month="period"
    )
    won = deals(engine, filters)
    won = won.filter(won.status == "won")
    won = won.mutate(month=bucket(won.closed_at, months, engine)).select(
        rep_id="owner_id", amount_base="amount_base", month="month"
    )
    won = won.filter(won.month.notnull())

    by_month = engine.execute(_against(final, won, ["month"]))
    monthly = pd.DataFrame({"month": labels}).merge(by_month, on="month", how="left")
    monthly = monthly.fillna({"actual": 0.0, "won_count": 0})
    reps = engine.table("reps").select(_rep="rep_id", rep="name")
    per_rep = _against(final, won, ["rep_id", "month"])
    per_rep = per_rep.left_join(reps, per_rep.rep_id == reps._rep).drop("_rep")
    return monthly, engine.execute(per_rep.order_by(["month", "rep", "rep_id"]))


def _against(forecasts: ir.Table, won: ir.Table, keys: list[str]) -> ir.Table:
    """Forecast and won value side by side per `keys`, with difference and accuracy."""
    forecast = forecasts.group_by(keys).aggregate(forecast=forecasts.amount.sum())
    actual = won.group_by(keys).aggregate(actual=won.amount_base.sum(), won_count=won.count())
    both = forecast.outer_join(actual, keys)
    both = both.select(
        **{key: ibis.coalesce(both[key], both[f"{key}_right"]) for key in keys},
        forecast=both.forecast,
        actual=ibis.coalesce(both.actual, 0.0),
        won_count=ibis.coalesce(both.won_count, 0),
    )
    accuracy = ibis.cases(
        (both.forecast > 0, 1 - (both.actual - both.forecast).abs() / both.forecast), else_=None
    )
    return both.mutate(difference=both.actual - both.forecast, accuracy=accuracy)


MONTH_COLUMNS = [
    Column("month", "Expected close month"),
    Column("open_count", "Open deals", "count"),
    Column("open_value", "Open value", "currency"),
    Column("weighted_value", "Weighted value", "currency"),
]
DEAL_COLUMNS = [
    Column("opportunity_id", "Deal"),
    Column("account", "Account"),
    Column("rep", "Rep"),
    Column("pipeline", "Pipeline"),
    Column("stage", "Stage"),
    Column("probability", "Stage win rate", "percent"),
    Column("probability_basis", "Win rate of"),
    Column("age_days", "Age (days)", "count"),
    Column("amount", "Amount", "number"),
    Column("currency", "Currency"),
    Column("amount_base", "Value", "currency"),
    Column("expected_close_date", "Expected close", "date"),
    Column("weighted_value", "Weighted value", "currency"),
]
DEAL_COLUMNS_ORDER = [c.name for c in DEAL_COLUMNS]
RATE_COLUMNS = [
    Column("pipeline", "Pipeline"),
    Column("stage", "Stage"),
    Column("closed", "Closed deals that reached it", "count"),
    Column("won", "Of which won", "count"),
    Column("win_rate", "Win rate", "percent"),
    Column("ci_low", "95% CI low", "percent"),
    Column("ci_high", "95% CI high", "percent"),
]
HISTORY_COLUMNS = [
    Column("month", "Month"),
    Column("forecast", "Forecast", "currency"),
    Column("actual", "Won", "currency"),
    Column("won_count", "Deals won", "count"),
    Column("difference", "Won − forecast", "currency"),
    Column("accuracy", "Forecast accuracy", "percent"),
]
HISTORY_BY_REP_COLUMNS = [HISTORY_COLUMNS[0], Column("rep", "Rep"), *HISTORY_COLUMNS[1:]]
