"""Sales forecast: the open pipeline weighted by close probability, by expected close month,
and how past forecasts compared with what was actually won.

The close probability of a deal is the learned model's (cruscotto.models, passed in as
`scores`) when its backtest beat the stage win rates; otherwise, or while no model is
trained yet, it is the historical win rate of its stage: of the closed deals (under the
same filters) that reached that stage, the share that was won, falling back to its
pipeline's win rate, then to the win rate of all closed deals. Each deal shows its basis
and, from the model, the factors that raise or lower its chance.
"""

from __future__ import annotations

import datetime as dt
import json

import ibis
import ibis.expr.types as ir
import pandas as pd
from ibis import _

from cruscotto.engine import (
    Engine,
    Filters,
    Period,
    forecast_accuracy,
    in_pipeline_order,
    open_stages,
    wilson_interval,
)
from cruscotto.models.deal_scores import DealScores
from cruscotto.reports.close_dates import estimated_close_dates
from cruscotto.reports.deals import deals, pipeline_win_rates, stage_win_rates
from cruscotto.reports.forecast_range import monthly_ranges, percentiles, simulated_totals
from cruscotto.reports.periods import months_ending, months_from
from cruscotto.reports.query import bucket, clean_filters, count_if, in_period, scoped, supports
from cruscotto.reports.report import Column, Note, Report, ReportTable

FORECAST_MONTHS = 6  # default window: this month and the next five
HISTORY_MONTHS = 6  # forecast vs actual: the six whole months before this one
PROBABILITY_NOTE = (
    "Close probability = the historical win rate of the deal's stage (won ÷ closed among the "
    "closed deals that reached that stage), falling back to the pipeline's, then to all deals'."
)
MODEL_NOTES = {
    "model_better": "Close probability = a model learned from {closed} won and lost deals, "
    "calibrated; its backtest beat the stage win rates (Brier {brier} against {baseline}).",
    "baseline_better": "Close probability = the stage win rates: the learned model's backtest "
    "did not beat them (Brier {brier} against {baseline}), so it is not used.",
    "too_few_deals": "Close probability = the stage win rates: too few closed deals ({closed}) "
    "to learn a model from.",
    "no_history": "Close probability = the stage win rates: no history to backtest a model on.",
    "training": "Close probability = the stage win rates while the learned model is trained.",
}
SHRUNK_NOTE = (
    "With {closed} closed deals the model is shrunk toward the stage win rates: it counts "
    "for {weight} of each probability."
)


def default_period(today: dt.date) -> Period:
    months = months_from(today, FORECAST_MONTHS)
    return Period(months[0].start, months[-1].end)


def sales_forecast(
    engine: Engine,
    period: Period | None = None,
    filters: Filters | None = None,
    *,
    scores: DealScores | None = None,
    history_months: int = HISTORY_MONTHS,
) -> Report:
    """Weighted open pipeline by expected close month within `period` (default: the next six
    months), the deals with their factors, the stage win rates used, and forecast vs actual.
    `scores`: the learned close probabilities (None: the stage win rates, said so)."""
    period = period or default_period(engine.today)
    months = period.split("month")
    rates = learned_rates(engine, filters)
    weighted = weighted_open_deals(engine, filters, rates)
    if scores is not None and scores.uses_model:
        weighted = with_learned_probability(weighted, scores)
    weighted = with_close_dates(engine, weighted, filters)

    in_window = weighted.filter(in_period(weighted.close_date, period, engine))
    by_month = engine.execute(
        in_window.mutate(month=bucket(in_window.close_date, months, engine))
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
    simulated = engine.execute(
        in_window.mutate(month=bucket(in_window.close_date, months, engine)).select(
            "month", "amount_base", "probability"
        )
    )
    month_rows = month_rows.merge(monthly_ranges(simulated, [m.label for m in months]), on="month")
    quarter = quarter_range(engine, weighted, filters)
    category_rows = forecast_categories(engine, in_window)
    deal_rows = engine.execute(
        in_window.order_by(["close_date", ibis.desc("weighted_value"), "opportunity_id"]).select(
            *DEAL_COLUMNS_ORDER
        )
    )
    deal_rows["factors"] = [
        _named_factors(f, rep) for f, rep in zip(deal_rows.factors, deal_rows.rep, strict=True)
    ]
    outside = _outside_window(engine, weighted, period)
    positions = engine.stage_positions()
    # Every closed deal reached won or lost: a 100% and a 0% row that say nothing.
    stage_rates = _stage_rate_rows(rates[0])
    stage_rates = stage_rates[stage_rates.stage.isin(open_stages(positions))]
    rate_rows = in_pipeline_order(stage_rates, positions)
    history = forecast_vs_actual(engine, filters, history_months)

    notes = probability_notes(scores)
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
    if outside["estimated_count"]:
        notes.append(
            Note.of(
                "estimated_close",
                "{count} open deals have no expected close date in the CRM: their close date "
                "is estimated from how long won deals of the same stage and size took.",
                count=outside["estimated_count"],
            )
        )
    if outside["undated_count"]:
        notes.append(
            Note.of(
                "no_close_date",
                "{count} open deals have no expected close date, and too few similar deals "
                "were won to estimate one.",
                count=outside["undated_count"],
            )
        )
    tables = [
        ReportTable("months", "Forecast by expected close month", MONTH_COLUMNS, month_rows),
        ReportTable("categories", "Forecast categories", CATEGORY_COLUMNS, category_rows),
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
                "forecast_by_team",
                "Forecast vs actual by team",
                HISTORY_BY_TEAM_COLUMNS,
                per_team(per_rep),
            )
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
            **quarter,
            **outside,
        },
        filters={k: list(v) for k, v in (filters or {}).items()},
    )


def quarter_range(engine: Engine, weighted: ir.Table, filters: Filters | None) -> dict:
    """This quarter: won so far, and P10/P50/P90 of won so far + open deals closing in it."""
    quarter = Period.of("quarter", engine.today)
    open_in = weighted.filter(in_period(weighted.close_date, quarter, engine))
    open_rows = engine.execute(open_in.select("amount_base", "probability"))
    won = deals(engine, filters)
    won = won.filter((won.status == "won") & in_period(won.closed_at, quarter, engine))
    won_value = float(engine.execute(won.amount_base.sum()) or 0.0)
    totals = won_value + simulated_totals(open_rows.amount_base, open_rows.probability)
    expected = won_value + float((open_rows.amount_base * open_rows.probability).sum())
    return {
        "quarter": quarter.label,
        "quarter_won": won_value,
        "quarter_expected": expected,
        **{f"quarter_{k}": v for k, v in percentiles(totals).items()},
    }


def forecast_categories(engine: Engine, in_window: ir.Table) -> pd.DataFrame:
    """Open deals in the window per forecast category: the CRM's (commit, best case,
    pipeline, omitted) where it has one, otherwise from the close probability (commit from
    COMMIT_FROM, best case from BEST_CASE_FROM, pipeline below)."""
    from_probability = ibis.cases(
        (in_window.probability >= COMMIT_FROM, "commit"),
        (in_window.probability >= BEST_CASE_FROM, "best_case"),
        else_="pipeline",
    )
    # Named as the deals' column, so the category reads as the CRM's does, in words.
    grouped = engine.execute(
        in_window.mutate(
            in_crm=in_window.forecast_category.notnull(),
            forecast_category=ibis.coalesce(in_window.forecast_category, from_probability),
        )
        .group_by("forecast_category")
        .aggregate(
            open_count=_.count(),
            open_value=_.amount_base.sum(),
            weighted_value=_.weighted_value.sum(),
            from_crm=count_if(_.in_crm),
        )
    )
    order = {name: n for n, name in enumerate(CATEGORY_ORDER)}
    grouped["_order"] = grouped.forecast_category.map(order).fillna(len(order))
    return grouped.sort_values("_order").drop(columns="_order").reset_index(drop=True)


def probability_notes(scores: DealScores | None) -> list[Note]:
    """Where the probabilities come from, and why (the backtest's verdict)."""
    if scores is None:
        return [
            Note.of("model_training", MODEL_NOTES["training"]),
            Note.of("stage_rates", PROBABILITY_NOTE),
        ]
    backtest = scores.backtest.to_dict()
    reason = backtest["reason"]
    numbers = {
        "closed": scores.closed_deals,
        "brier": _rounded(backtest["brier"]),
        "baseline": _rounded(backtest["baseline_brier"]),
    }
    notes = [Note.of(f"model_{reason}", MODEL_NOTES[reason], **numbers)]
    if reason != "model_better":
        notes.append(Note.of("stage_rates", PROBABILITY_NOTE))
    elif scores.weight < 0.9:
        notes.append(
            Note.of(
                "model_shrunk",
                SHRUNK_NOTE,
                closed=scores.closed_deals,
                weight=f"{scores.weight:.0%}",
            )
        )
    return notes


def _named_factors(factors: str | None, rep: str | None) -> str | None:
    """The factors with the rep's name where the model knows only the rep's id."""
    if not isinstance(factors, str):
        return factors
    named = json.loads(factors)
    for factor in named:
        if factor["feature"] == "owner_id":
            factor["value"] = rep
    return json.dumps(named)


def _rounded(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def with_learned_probability(weighted: ir.Table, scores: DealScores) -> ir.Table:
    """`weighted` with the model's probability, basis "model" and the deal's factors (JSON)
    in place of the stage win rate, for the deals the model scored."""
    frame = scores.deals
    learned = ibis.memtable(
        pd.DataFrame(
            {
                "_scored_id": frame.opportunity_id.astype("object"),
                "_learned": frame.probability.astype("float64"),
                "_factors": [json.dumps(f) for f in frame.factors],
            }
        ),
        schema={"_scored_id": "string", "_learned": "float64", "_factors": "string"},
    )
    joined = weighted.left_join(learned, weighted.opportunity_id == learned._scored_id)
    probability = ibis.coalesce(joined._learned, joined.probability)
    return joined.mutate(
        probability=probability,
        probability_basis=ibis.cases(
            (joined._learned.notnull(), "model"), else_=joined.probability_basis
        ),
        weighted_value=joined.amount_base * probability,
        factors=joined._factors,
    ).drop("_scored_id", "_learned", "_factors")


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
        factors=ibis.null("string"),
    ).drop("_pipeline", "_stage", "_pipeline2")


def with_close_dates(engine: Engine, weighted: ir.Table, filters: Filters | None) -> ir.Table:
    """`weighted` plus `close_date` (the CRM's expected close date, or else an estimate from
    similar won deals) and `close_date_basis` (crm, or estimated_stage_size, estimated_stage,
    estimated_pipeline: which similar won deals the estimate comes from)."""
    undated = engine.execute(
        weighted.filter(weighted.expected_close_date.isnull()).select(
            "opportunity_id", "pipeline", "stage", "amount_base", "created_at"
        )
    )
    estimates = ibis.memtable(
        estimated_close_dates(engine, undated, filters).rename(
            columns={"opportunity_id": "_estimated_id"}
        ),
        schema={
            "_estimated_id": "string",
            "estimated_close_date": "date",
            "estimate_basis": "string",
        },
    )
    joined = weighted.left_join(estimates, weighted.opportunity_id == estimates._estimated_id)
    return joined.mutate(
        close_date=ibis.coalesce(joined.expected_close_date, joined.estimated_close_date),
        close_date_basis=ibis.cases(
            (joined.expected_close_date.notnull(), "crm"), else_=joined.estimate_basis
        ),
    ).drop("_estimated_id", "estimated_close_date", "estimate_basis")


def _outside_window(engine: Engine, weighted: ir.Table, period: Period) -> dict:
    """Open deals the months cannot show: expected before the period (overdue) or with no
    close date at all; and how many have an estimated one."""
    overdue = weighted.close_date < period.start
    undated = weighted.close_date.isnull()
    estimated = weighted.close_date_basis.notnull() & (weighted.close_date_basis != "crm")
    counts = weighted.aggregate(
        overdue_count=count_if(overdue),
        overdue_value=ibis.cases((overdue, weighted.amount_base), else_=0.0).sum(),
        undated_count=count_if(undated),
        undated_value=ibis.cases((undated, weighted.amount_base), else_=0.0).sum(),
        estimated_count=count_if(estimated),
    )
    row = engine.execute(counts).iloc[0]

    def number(value, kind):  # an empty pipeline sums to NULL: none is 0 here, not unknown
        return kind(0 if pd.isna(value) else value)

    return {
        "overdue_count": number(row.overdue_count, int),
        "overdue_value": number(row.overdue_value, float),
        "undated_count": number(row.undated_count, int),
        "undated_value": number(row.undated_value, float),
        "estimated_count": number(row.estimated_count, int),
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
    actually won, and the accuracy (`forecast_accuracy`, over the reps who forecast). None
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
    reps = engine.table("reps").select(_rep="rep_id", rep="name", team="team")
    per_rep = _against(final, won, ["rep_id", "month"])
    per_rep = per_rep.left_join(reps, per_rep.rep_id == reps._rep).drop("_rep")
    per_rep = engine.execute(per_rep.order_by(["month", "rep", "rep_id"]))
    # A month's accuracy compares the forecasts with what the reps who made them won, as
    # the forecast_accuracy KPI does; its `actual` column still shows everything won.
    forecasting = per_rep[per_rep.forecast.notna()].groupby("month")[["forecast", "actual"]].sum()
    monthly["accuracy"] = [
        forecast_accuracy(*forecasting.loc[month]) if month in forecasting.index else None
        for month in monthly.month
    ]
    return monthly, per_rep


def per_team(per_rep: pd.DataFrame) -> pd.DataFrame:
    """Forecast vs actual per team and month, from the reps' rows: a team's forecast is
    its reps' forecasts (unknown if none submitted one), its actual what they won."""
    if per_rep.empty:
        return pd.DataFrame(columns=[c.name for c in HISTORY_BY_TEAM_COLUMNS])
    grouped = per_rep.assign(team=per_rep.team.fillna("–")).groupby(["month", "team"])
    teams = grouped.agg(
        forecast=("forecast", lambda v: v.sum() if v.notna().any() else None),
        actual=("actual", "sum"),
        won_count=("won_count", "sum"),
    ).reset_index()
    teams["forecast"] = teams.forecast.astype("float64")
    teams["difference"] = teams.actual - teams.forecast
    # Accuracy over the reps who forecast, as the forecast_accuracy KPI by team counts it.
    forecasting = (
        per_rep[per_rep.forecast.notna()]
        .assign(team=per_rep.team.fillna("–"))
        .groupby(["month", "team"])[["forecast", "actual"]]
        .sum()
    )
    teams["accuracy"] = [
        forecast_accuracy(*forecasting.loc[(month, team)])
        if (month, team) in forecasting.index
        else None
        for month, team in zip(teams.month, teams.team, strict=True)
    ]
    return teams


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
    accuracy = forecast_accuracy(both.forecast, both.actual)
    return both.mutate(difference=both.actual - both.forecast, accuracy=accuracy)


MONTH_COLUMNS = [
    Column("month", "Expected close month"),
    Column("open_count", "Open deals", "count"),
    Column("open_value", "Open value", "currency"),
    Column("weighted_value", "Weighted value", "currency"),
    Column("p10", "P10 (9 in 10 above)", "currency"),
    Column("p50", "P50", "currency"),
    Column("p90", "P90 (1 in 10 above)", "currency"),
]
COMMIT_FROM, BEST_CASE_FROM = 0.7, 0.4
CATEGORY_ORDER = ("commit", "best_case", "pipeline", "omitted", "closed")
CATEGORY_COLUMNS = [
    Column("forecast_category", "Forecast category"),
    Column("open_count", "Open deals", "count"),
    Column("from_crm", "Of which categorised in the CRM", "count"),
    Column("open_value", "Open value", "currency"),
    Column("weighted_value", "Weighted value", "currency"),
]
DEAL_COLUMNS = [
    Column("opportunity_id", "Deal"),
    Column("account", "Account"),
    Column("rep", "Rep"),
    Column("pipeline", "Pipeline"),
    Column("stage", "Stage"),
    Column("probability", "Close probability", "percent"),
    Column("probability_basis", "Probability from"),
    Column("factors", "Factors", "factors"),
    Column("age_days", "Age (days)", "count"),
    Column("amount", "Amount", "number"),
    Column("currency", "Currency"),
    Column("amount_base", "Value", "currency"),
    Column("close_date", "Expected close", "date"),
    Column("close_date_basis", "Close date from"),
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
HISTORY_BY_TEAM_COLUMNS = [HISTORY_COLUMNS[0], Column("team", "Team"), *HISTORY_COLUMNS[1:]]
