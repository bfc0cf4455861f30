"""Pipeline KPIs no declaration can express: touches before a deal, forecast hits, days
in a stage, forecast accuracy.

The first three are one description of their records (`computes_summed`), summed for a
period, a breakdown (`scope.keys`) or every sub-period of a trend in one query; forecast
accuracy compares each rep's latest forecast with what they won, for every part at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import ibis
import ibis.expr.types as ir

from cruscotto.engine.functions.kpi_scope import GROUP, TOTAL, KpiScope, Part
from cruscotto.engine.functions.measured import (
    Measured,
    as_float,
    computes,
    computes_summed,
    divide,
    known_total,
    rate,
)
from cruscotto.engine.question import statistics
from cruscotto.engine.question.errors import PeriodError
from cruscotto.engine.question.period import Period

# -- system touches --------------------------------------------------------------------


def deal_touches(scope: KpiScope, parts: list[Part] | None = None) -> ir.Table:
    """Every deal from a qualified lead (whenever opened), with the number of outbound
    touches its lead had before the deal was opened (and GROUP in a breakdown)."""
    deals = scope.table("opportunities")
    leads = scope.warehouse.table("leads")
    qualified = leads.filter(leads.mql_at.notnull()).select(qualified_lead=leads.lead_id)
    deals = deals.join(qualified, deals.lead_id == qualified.qualified_lead)
    activities = scope.warehouse.table("activities")
    outbound = activities.filter(
        activities.direction == "outbound", activities.lead_id.notnull()
    ).select(touch_lead=activities.lead_id, touch_at=activities.occurred_at)
    joined = deals.left_join(
        outbound, [deals.lead_id == outbound.touch_lead, outbound.touch_at < deals.created_at]
    )
    return joined.group_by(["opportunity_id", "lead_id", "created_at", *scope.keys]).aggregate(
        touches=joined.touch_at.count()
    )


def touched_deals(scope: KpiScope) -> ir.Table:
    """The deals opened in the period from qualified leads, with their prior touches."""
    deals = deal_touches(scope)
    return deals.filter(scope.within(deals.created_at))


def _touches_per_deal(row: dict[str, Any]) -> Measured:
    touches, deals = int(row.get("touches") or 0), int(row.get("deals") or 0)
    return Measured(divide(touches, deals), touches, deals, sample_size=deals)


# Outbound touches of a qualified lead before its deal was opened, per deal opened.
computes_summed(
    "system_touches",
    deal_touches,
    "created_at",
    {"touches": lambda t: t.touches.sum(), "deals": lambda t: t.count()},
    _touches_per_deal,
    listed=touched_deals,
)

# -- forecast hit rate -----------------------------------------------------------------


def deals_with_hit(scope: KpiScope, parts: list[Part]) -> ir.Table:
    """The deals with `hit`: won within the same part they were expected to close in."""
    deals = scope.table("opportunities")
    expected = scope.part_index(deals.expected_close_date, parts)
    closed = scope.part_index(deals.closed_at, parts)
    hit = (deals.status == "won") & (closed == expected)
    return deals.mutate(hit=hit.fill_null(False))


def expected_deals(scope: KpiScope) -> ir.Table:
    """Deals expected to close in the period, flagged `hit` when won within it."""
    deals = deals_with_hit(scope, [(scope.start, scope.end)])
    return deals.filter(scope.within(deals.expected_close_date))


# Deals expected to close in the period that were won in it ÷ deals expected to.
computes_summed(
    "forecast_hit_rate",
    deals_with_hit,
    "expected_close_date",
    {"hits": lambda t: t.hit.sum(), "deals": lambda t: t.count()},
    lambda row: rate(row.get("hits"), row.get("deals")),
    listed=expected_deals,
)

# -- stage duration --------------------------------------------------------------------


def stage_stays(scope: KpiScope, parts: list[Part] | None = None) -> ir.Table:
    """Stays in a stage that ended in the period: entered, left (the deal entered its next
    stage), `days_in_stage` (and GROUP in a breakdown).

    The next stage is found among all of a deal's stage changes before the filters apply,
    so a filter by stage keeps the stays in that stage and their real length."""
    history = scope.warehouse.table("stage_history")
    # A stay ends when the deal enters its next stage: only deals that entered a stage in
    # the period can have a stay ending in it, so the window runs over those deals alone.
    moved = history.filter(scope.within(history.entered_at))
    history = history.filter(history.opportunity_id.isin(moved.opportunity_id))
    order = ibis.window(group_by=history.opportunity_id, order_by=history.entered_at)
    stays = history.mutate(left_at=history.entered_at.lead().over(order))
    stays = scope.table("stage_history", base=stays)
    stays = stays.filter(scope.within(stays.left_at))
    days = (stays.left_at.epoch_seconds() - stays.entered_at.epoch_seconds()).cast("float64")
    return stays.mutate(days_in_stage=days / 86400.0)


def _bottleneck(scope: KpiScope) -> dict[str, Any]:
    """The stage with the longest mean stay in the period (ties: the first by name)."""
    stays = stage_stays(scope)
    by_stage = stays.group_by("stage").aggregate(days=stays.days_in_stage.mean())
    slowest = scope.row(by_stage.order_by(ibis.desc("days"), "stage").limit(1))
    if not slowest:
        return {}
    return {"bottleneck_stage": slowest["stage"], "bottleneck_days": as_float(slowest["days"])}


# Mean days a deal stays in a stage, over the stays that ended in the period.
computes_summed(
    "stage_duration",
    stage_stays,
    "left_at",
    {
        "days": lambda t: t.days_in_stage.mean(),
        "median": lambda t: t.days_in_stage.median(),
        "stays": lambda t: t.count(),
    },
    lambda row: Measured(
        as_float(row.get("days")),
        sample_size=int(row.get("stays") or 0),
        details={"median": as_float(row.get("median"))},
    ),
    listed=stage_stays,
    details=_bottleneck,
)

# -- forecast accuracy -----------------------------------------------------------------


def _named_spans(scope: KpiScope) -> dict[str, Part]:
    """{label: [start, end)} of every period the reps have forecast (2026-Q3, 2026-07…),
    read once per question. A forecast counts for the part whose days its label names,
    however the question named them; a label that names no period matches no part."""

    def read() -> dict[str, Part]:
        forecasts = scope.warehouse.table("forecasts")
        labels = scope.warehouse.execute(forecasts.select("period").distinct())["period"]
        spans = {}
        for label in labels.dropna():
            try:
                period = Period.parse(str(label), scope.settings.fiscal_year_start_month)
            except PeriodError:
                continue
            spans[str(label)] = (period.start, period.end)
        return spans

    return scope.remember("forecast_labels", read)


def _whole_months(part: Part) -> list[Part]:
    """The calendar months lying wholly inside `part` (none when it is one month or less)."""
    months = [(m.start, m.end) for m in Period(*part).split("month") if m.is_whole]
    return [] if months == [part] else months


def latest_forecasts(scope: KpiScope, labels: list[str]) -> ir.Table:
    """Each rep's last forecast for each of `labels`, with the scope's rep/team filters
    (and GROUP in a breakdown)."""
    forecasts = scope.warehouse.table("forecasts")
    forecasts = forecasts.filter(forecasts.period.isin(labels))
    order = ibis.window(
        group_by=[forecasts.rep_id, forecasts.period], order_by=ibis.desc(forecasts.submitted_at)
    )
    latest = forecasts.mutate(version=ibis.row_number().over(order))
    return scope.table("forecasts", base=latest.filter(latest.version == 0).drop("version"))


# What a rep won in a part: (the known amounts' sum, None when no deal had one; the deals
# without an amount). No deal at all is (None, 0): a real 0.
Won = tuple[float | None, int]
NOTHING_WON: Won = (None, 0)


def _won_per_rep(scope: KpiScope, parts: list[Part]) -> dict[tuple[int, str], Won]:
    """{(part, rep): Won} of each consecutive part, in the base currency, in one query."""
    deals = replace(scope, by=None).table("opportunities")
    won = deals.filter(deals.status == "won", deals.closed_at.notnull())
    won = scope.in_parts(won, "closed_at", parts)
    won = scope.to_base(
        won, ["amount"], day=won.closed_at, source="opportunities", dated_by="closed_at"
    )
    query = won.group_by(["_part", "owner_id"]).aggregate(
        won=won.amount.sum(), unknown=won.count(where=won.amount.isnull())
    )
    frame = scope.warehouse.execute(query)
    frame = frame.astype(object).where(frame.notna(), None)
    return {
        (int(row["_part"]), row["owner_id"]): (as_float(row["won"]), int(row["unknown"]))
        for row in frame.to_dict("records")
    }


@dataclass
class _Comparison:
    """Forecasts and what was won, summed over the reps of one group of one part."""

    forecast: float = 0.0
    actual: float | None = None  # None until a won deal with an amount is added
    reps: set = field(default_factory=set)
    unknown: int = 0  # won deals without an amount

    def add(self, rep: str, forecast: float, won: Won) -> None:
        self.reps.add(rep)
        self.forecast += forecast
        amount, unknown = won
        self.unknown += unknown
        if amount is not None:
            self.actual = (self.actual or 0.0) + amount

    def measured(self) -> Measured:
        # The known amounts won are summed; when every deal won is unknown, so is the
        # actual (and the accuracy): no data, never 0.
        actual, unknown = known_total(self.actual, self.unknown)
        return Measured(
            statistics.forecast_accuracy(self.forecast, actual),
            sample_size=len(self.reps),
            details={"forecast": self.forecast, "actual": actual, **unknown},
        )


def _accuracy(scope: KpiScope, parts: list[Part]) -> list[dict[Any, Measured]]:
    """{group: forecast accuracy} of each consecutive part, over the reps who forecast it.

    A rep's forecast for a part is their latest forecast labelled with its days (2026-Q3);
    failing that, the sum of their latest monthly forecasts for the months inside it,
    compared with what they won in those months (issue 17, item 4): a quarter of monthly
    forecasts has an accuracy, and a month nobody forecast adds nothing.
    """
    spans = _named_spans(scope)
    months = [_whole_months(part) for part in parts]
    span_months = []
    if any(months):
        first, last = min(m for ms in months for m in ms), max(m for ms in months for m in ms)
        span_months = [(m.start, m.end) for m in Period(first[0], last[1]).split("month")]
    labels_of = {span: [] for span in [*parts, *span_months]}
    for label, span in spans.items():
        if span in labels_of:
            labels_of[span].append(label)
    wanted = sorted({label for labels in labels_of.values() for label in labels})
    comparisons: list[dict[Any, _Comparison]] = [{} for _ in parts]
    if wanted:
        forecasts = latest_forecasts(scope, wanted)
        columns = ["rep_id", "period", "amount", "submitted_at", *scope.keys]
        frame = scope.warehouse.execute(forecasts.select(*columns))
        frame = frame.astype(object).where(frame.notna(), None)
        # {(span, rep): (submitted, amount, group)}: the latest of the labels naming a span.
        latest: dict[tuple[Part, str], tuple] = {}
        for row in frame.to_dict("records"):
            group = row[GROUP] if scope.keys else TOTAL
            key = (spans[row["period"]], row["rep_id"])
            found = (row["submitted_at"], float(row["amount"]), group)
            if key not in latest or found[0] > latest[key][0]:
                latest[key] = found
        won = _won_per_rep(scope, parts)
        won_in_month = _won_per_rep(scope, span_months) if span_months else {}
        month_index = {month: index for index, month in enumerate(span_months)}
        for index, part in enumerate(parts):
            reps = sorted({rep for (span, rep) in latest if span == part or span in months[index]})
            for rep in reps:
                if (part, rep) in latest:
                    _, amount, group = latest[(part, rep)]
                    pairs = [(amount, won.get((index, rep), NOTHING_WON))]
                else:
                    forecast_months = [m for m in months[index] if (m, rep) in latest]
                    group = latest[(forecast_months[0], rep)][2]
                    pairs = [
                        (latest[(m, rep)][1], won_in_month.get((month_index[m], rep), NOTHING_WON))
                        for m in forecast_months
                    ]
                comparison = comparisons[index].setdefault(group, _Comparison())
                for amount, won_there in pairs:
                    comparison.add(rep, amount, won_there)
    answers = []
    for groups in comparisons:
        measured = {group: c.measured() for group, c in groups.items()}
        if not scope.keys:
            measured.setdefault(TOTAL, Measured(None, sample_size=0))
        answers.append(measured)
    return answers


def forecasts_of_period(scope: KpiScope) -> ir.Table:
    """The latest forecasts behind the period's accuracy: those labelled with its days,
    and the monthly ones of the months inside it."""
    wanted = {(scope.start, scope.end), *_whole_months((scope.start, scope.end))}
    labels = sorted(label for label, span in _named_spans(scope).items() if span in wanted)
    return latest_forecasts(scope, labels).select("rep_id", "period", "amount", "submitted_at")


@computes(
    "forecast_accuracy",
    records=forecasts_of_period,
    trend=lambda scope, parts: [groups[TOTAL] for groups in _accuracy(scope, parts)],
    grouped=lambda scope: _accuracy(scope, [(scope.start, scope.end)])[0],
)
def forecast_accuracy(scope: KpiScope) -> Measured:
    """1 − |Σ actual − Σ forecast| ÷ Σ forecast over the reps who forecast the period;
    won deals without an amount are counted apart (details["unknown"])."""
    return _accuracy(scope, [(scope.start, scope.end)])[0][TOTAL]
