"""A goal's progress: where it stands, where it should stand, where it will end.

`progress(engine, goal)` asks the engine (its public questions only: value and trend)
for the value so far, the KPI's history in the same scope, last year's monthly profile
and, for counts and sums, the daily flow of the last months (when in the month it
arrives) and so far; then paces the target (pacing.py),
projects the end value (projection.py) and names the status (status.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from cruscotto.catalog import Ratio
from cruscotto.engine import ADDITIVE, Engine, KpiResult, Period, kpi_kind
from cruscotto.goals.model import Goal, goal_period
from cruscotto.goals.pacing import (
    WORKING_DAYS,
    WithinMonth,
    day_weights,
    elapsed_share,
    learn_within_month,
    month_shares,
    months_before,
    pace_error,
)
from cruscotto.goals.projection import (
    Projection,
    baseline,
    project_additive,
    project_average,
    project_rate,
    project_snapshot,
)
from cruscotto.goals.status import goal_status

# How far back the history behind a projection reaches, in months.
HISTORY_WINDOWS = (24, 12, 6)
# How many past months of daily values the within-month profile is learnt from.
PROFILE_MONTHS = 6
PERIODS_PER_YEAR = {"month": 12, "quarter": 4, "year": 1}
MONTHS_PER_PERIOD = {"month": 1, "quarter": 3, "year": 12}


@dataclass
class GoalProgress:
    goal: Goal
    kind: str
    unit: str
    direction: str
    period: Period
    actual: float | None
    expected_to_date: float | None
    projection: float | None
    projection_low: float | None
    projection_high: float | None
    probability: float | None
    status: str
    sample_size: int | None
    elapsed: float
    maturing: bool
    method: str
    achievable: dict = field(default_factory=dict)
    shares: list[float] = field(default_factory=list)
    within: WithinMonth = WORKING_DAYS

    @property
    def gap(self) -> float | None:
        """How far the value so far is from where it should be (positive: ahead, for a
        KPI where higher is better; behind when lower is better)."""
        if self.actual is None or self.expected_to_date is None:
            return None
        return self.actual - self.expected_to_date

    def to_dict(self) -> dict:
        goal = self.goal.to_dict()
        return {
            **goal,
            "kind": self.kind,
            "unit": self.unit,
            "direction": self.direction,
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
            "actual": self.actual,
            "expected_to_date": self.expected_to_date,
            "gap": self.gap,
            "projection": self.projection,
            "projection_low": self.projection_low,
            "projection_high": self.projection_high,
            "probability": self.probability,
            "status": self.status,
            "sample_size": self.sample_size,
            "elapsed_share": self.elapsed,
            "maturing": self.maturing,
            "method": self.method,
            "achievable": self.achievable,
            "month_shares": self.shares,
            "pacing": self.within.method,
            "day_of_month_profile": list(self.within.by_day) if self.within.by_day else None,
        }


def progress(engine: Engine, goal: Goal, *, today: dt.date | None = None) -> GoalProgress:
    """The goal's progress as of `today` (the engine's today by default).

    With an earlier `today` nothing after it is used except the value so far of a
    maturing cohort (the benchmark backtests only KPIs without maturity for that reason).
    """
    kpi = engine.catalog.get(goal.kpi)
    kind = kpi_kind(kpi, engine.catalog)
    period = goal_period(engine, goal.period)
    today = today or engine.today
    cut = min(max(today, period.start), period.end)
    filters = goal.scope.filters
    grain = "month" if kind == "snapshot" else period.grain
    history = _history(engine, kpi.id, period, grain, filters)
    shares = _shares(engine, kpi.id, kind, period, history, filters)
    within = _within_month(engine, kpi.id, kind, period, filters)
    s = elapsed_share(engine.settings, period, cut, shares, within)
    now = engine.value(kpi.id, Period(period.start, cut), filters) if cut > period.start else None
    maturing = _maturing(kpi, period, today, now)
    projected = _project(
        engine, kind, kpi.id, period, cut, s, now, history, (shares, within), maturing, filters
    )
    value = now.value if now is not None else None
    expected = _expected(kind, goal.target, s, history)
    return GoalProgress(
        goal=goal,
        kind=kind,
        unit=kpi.unit,
        direction=kpi.direction,
        period=period,
        actual=value,
        expected_to_date=expected if cut > period.start else None,
        projection=projected.value,
        projection_low=projected.low,
        projection_high=projected.high,
        probability=projected.probability(goal.target, kpi.direction),
        status=goal_status(
            kind=kind,
            started=cut > period.start,
            over=cut >= period.end,
            maturing=maturing,
            sample_size=now.sample_size if now is not None else None,
            value=value,
            projection=projected.value,
            target=goal.target,
            direction=kpi.direction,
        ),
        sample_size=now.sample_size if now is not None else None,
        elapsed=s,
        maturing=maturing,
        method=projected.method,
        achievable=achievability(_period_values(kind, period, history), goal.target, kpi.direction),
        shares=shares,
        within=within,
    )


def achievability(past: list[float | None], target: float, direction: str) -> dict:
    """How often the scope reached the target in the past periods it has data for."""
    known = [v for v in past if v is not None]
    reached = sum(1 for v in known if (v >= target if direction == "higher" else v <= target))
    return {"reached": reached, "periods": len(known)}


# -- the evidence -----------------------------------------------------------------------


def _history(engine: Engine, kpi_id: str, period: Period, grain: str, filters) -> list[KpiResult]:
    """The whole `grain` periods before the goal's, oldest first, from when data starts."""
    results: list[KpiResult] = []
    for months in HISTORY_WINDOWS:
        try:
            window = Period(months_before(period.start, months), period.start)
            results = engine.trend(kpi_id, window, grain, filters)
            break
        except ValueError:
            # Before the data starts some KPIs cannot be computed at all (no exchange
            # rate yet for a contract's currency): a shorter history is still history.
            continue
    results = [r for r in results if r.period.is_whole]
    # Before the company's data starts, counts read 0: that is unknown, not zero.
    while results and not results[0].value:
        results.pop(0)
    return results


def _shares(engine, kpi_id, kind, period, history, filters) -> list[float]:
    """Last year's monthly profile of counts and sums when the history reaches it."""
    if kind not in ADDITIVE or period.grain == "month":
        return month_shares(engine.settings, period, None)
    last_year = period.last_year()
    if not history or history[0].period.start > last_year.start:
        return month_shares(engine.settings, period, None)
    months = engine.trend(kpi_id, last_year, "month", filters)
    return month_shares(engine.settings, period, [r.value for r in months])


def _within_month(engine, kpi_id, kind, period, filters) -> WithinMonth:
    """When in the month a sum (revenue) arrives, from the daily values of the last
    PROFILE_MONTHS whole months before the goal's period (see pacing.learn_within_month).

    Counts keep working days: their days are a steady flow plus Poisson noise, which a
    day-of-month profile of six months only copies — on the demo it fitted new
    opportunities marginally better and halved their interval's coverage (86% → 44%,
    benchmarks/goals.py); an amount can come in a lump on fixed days (invoices on the 1st).
    """
    if kind != "sum":
        return WORKING_DAYS
    window = Period(months_before(period.start, PROFILE_MONTHS), period.start)
    try:
        days = engine.trend(kpi_id, window, "day", filters)
    except ValueError:  # before the data starts (no exchange rate yet): no profile
        return WORKING_DAYS
    months: dict = {}
    for day in days:
        months.setdefault(day.period.start.replace(day=1), []).append(day.value)
    return learn_within_month(
        engine.settings,
        [(Period.of("month", first), values) for first, values in months.items()],
    )


def _maturing(kpi, period: Period, today: dt.date, now: KpiResult | None) -> bool:
    if isinstance(kpi.computation, Ratio) and kpi.computation.maturity_days is not None:
        return period.end + dt.timedelta(days=kpi.computation.maturity_days) > today
    return bool(now is not None and now.maturing)


def _project(
    engine, kind, kpi_id, period, cut, s, now, history, pacing, maturing, filters
) -> Projection:
    values = [r.value for r in history]
    if kind in ADDITIVE:
        actual = (now.value or 0.0) if now is not None else 0.0
        blocks = _blocks(engine, kpi_id, period, cut, pacing, filters) if 0 < s < 1 else []
        history_baseline = baseline(values, PERIODS_PER_YEAR[period.grain])
        projected = project_additive(
            actual,
            s,
            blocks,
            history_baseline,
            min_dispersion=1.0 if kind == "count" else 0.0,
            pace_error=pace_error(engine.settings, period, cut, *pacing),
        )
        # What is counted stays counted; a sum (revenue) may still fall with credit notes.
        return projected.bounded(floor=actual) if kind == "count" else projected
    if kind == "rate" and (now is None or now.denominator is not None):
        # A cohort still converting is not yet evidence of the rate it will reach.
        pairs = [(r.numerator, r.denominator) for r in history if r.denominator and not r.maturing]
        numerator = (now.numerator or 0.0) if now is not None else 0.0
        denominator = (now.denominator or 0.0) if now is not None else 0.0
        return project_rate(numerator, denominator, s, pairs, maturing=maturing)
    if kind == "snapshot":
        months_left = (period.end - cut).days / 30.4375
        return project_snapshot(now.value if now is not None else None, months_left, values)
    return project_average(now.value if now is not None else None, s, values)


def _blocks(engine, kpi_id, period, cut, pacing, filters) -> list[tuple[float, float]]:
    """(value, expected share) per day expected to bring volume so far; a closed day's
    records (a lead on a Sunday) join the next such day, so the dispersion compares like
    with like."""
    grain = "week" if period.grain == "year" else "day"
    buckets = engine.trend(kpi_id, Period(period.start, cut), grain, filters)
    weights = day_weights(engine.settings, period, *pacing)
    blocks, value, weight = [], 0.0, 0.0
    for bucket in buckets:
        first = (bucket.period.start - period.start).days
        value += bucket.value or 0.0
        weight += sum(weights[first : first + bucket.period.days])
        if weight > 0:
            blocks.append((value, weight))
            value, weight = 0.0, 0.0
    if value and blocks:
        last_value, last_weight = blocks[-1]
        blocks[-1] = (last_value + value, last_weight)
    return blocks


def _expected(kind: str, target: float, s: float, history: list[KpiResult]) -> float:
    if kind in ADDITIVE:
        return target * s
    if kind == "snapshot" and history and history[-1].value is not None:
        start = history[-1].value
        return start + (target - start) * s
    return target


def _period_values(kind: str, period: Period, history: list[KpiResult]) -> list[float | None]:
    """The history's values at the goal's grain (a snapshot's at each period's end); a
    cohort still maturing has no value yet."""
    values = [None if r.maturing else r.value for r in history]
    if kind != "snapshot":
        return values
    step = MONTHS_PER_PERIOD[period.grain]
    return values[::-1][::step][::-1]
