"""The usual range: what a KPI's own history predicts for a scope and a period.

A value is *unusual* when it falls outside the range the KPI's previous periods (same
scope, same grain) predict for this one. The method, in the spirit of the Farrington
outbreak-detection algorithm (Farrington et al. 1996; Noufaily et al. 2013) that public
health uses for exactly this question — "is this week's count more than its own history
explains?" — is a small regression on the history:

* history: up to `HISTORY[grain]` previous periods, from the first one with data (leading
  zeros are periods before the company's data begins), leaving out cohorts still maturing;
* model: a level, a linear trend kept only when it is significant (|t| ≥ 2, as
  Farrington does), and one seasonal effect per month / quarter / weekday when the history
  holds every season at least twice; counts and amounts are modelled on a log scale (a
  trend or a season multiplies them), rates and averages on their own scale;
* range: the prediction interval of that regression at `level` (99% by default), with
  Student's t for the few periods there are and the uncertainty of the fitted level and
  trend included;
* rates (a numerator out of a denominator): the spread is split into the binomial part
  p(1 − p)/n and the part between periods (method of moments); the range is the central
  `level` range of the current period's successes out of its *own* n under a
  beta-binomial (a binomial when the rate does not vary between periods), so 2 won of 3
  deals gives a range as wide as such a sample warrants and never fires on its own.

Nothing is judged on a period not yet over, a maturing cohort, a value the engine cannot
compute, a period with fewer than `MIN_RECORDS` records, or fewer than `MIN_HISTORY`
periods of history: the reason says which. `benchmarks/usual_range.py` measures the
false-alarm rate on simulated stable series and the delay to detect an injected shift;
docs/alerts.md gives the figures.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from cruscotto.engine import Engine, Filters, KpiResult, Period

# How many previous periods of each grain the history holds.
HISTORY = {"day": 56, "week": 52, "month": 36, "quarter": 12, "year": 6}
# Fewer usable periods than this and nothing is judged ("too little history").
MIN_HISTORY = 6
# An average or ratio over fewer records than this is not judged (rates excepted: their
# binomial range already accounts for the sample; totals excepted: a small count is news).
MIN_RECORDS = 5
TOTALS = ("count", "sum", "snapshot")
DEFAULT_LEVEL = 0.99
# Units modelled on a log scale when every value is positive: a trend or a season
# multiplies a volume or an amount.
MULTIPLICATIVE_UNITS = ("count", "currency", "currency_per_day")

# The reason codes (translated by the interfaces, see describe()).
ABOVE, BELOW, WITHIN = "above_usual", "below_usual", "within_usual"
NOT_OVER, MATURING, NO_VALUE = "period_not_over", "cohort_maturing", "no_value"
FEW_RECORDS, SHORT_HISTORY = "too_few_records", "too_little_history"


@dataclass(frozen=True)
class UsualRange:
    """The range a KPI's history predicts for a period, and whether the value is outside it."""

    kpi_id: str
    period: Period
    value: float | None
    expected: float | None
    low: float | None
    high: float | None
    unusual: bool
    reason: str  # one of the reason codes above
    adverse: bool = False  # outside the range on the KPI's bad side
    # The kept trend runs the bad way: a steady slide the range itself expects (the demo's
    # degrading channel), shown as such rather than as unusual.
    drift: bool = False
    history: int = 0  # periods of history the prediction rests on
    seasonal: bool = False  # a seasonal effect was modelled
    trend_per_period: float | None = None  # the kept trend, in value units per period
    sample_size: int | None = None

    def to_dict(self) -> dict:
        return {
            "kpi": self.kpi_id,
            "period": self.period.label,
            "value": self.value,
            "expected": self.expected,
            "low": self.low,
            "high": self.high,
            "unusual": self.unusual,
            "adverse": self.adverse,
            "drift": self.drift,
            "reason": self.reason,
            "history": self.history,
            "seasonal": self.seasonal,
            "trend_per_period": self.trend_per_period,
            "sample_size": self.sample_size,
        }


@dataclass(frozen=True)
class Observation:
    """One period of a series: its value, and for a rate the successes out of trials."""

    value: float
    season: int | None = None
    successes: float | None = None
    trials: float | None = None


@dataclass(frozen=True)
class Prediction:
    expected: float
    low: float
    high: float
    seasonal: bool
    trend_per_period: float | None


def usual_range(
    engine: Engine,
    kpi_id: str,
    period: Period | str,
    filters: Filters | None = None,
    *,
    level: float = DEFAULT_LEVEL,
) -> UsualRange:
    """The usual range of one KPI for `period` under `filters` (one trend query)."""
    return usual_ranges(engine, [kpi_id], period, filters, level=level)[kpi_id]


def usual_ranges(
    engine: Engine,
    kpi_ids: Sequence[str],
    period: Period | str,
    filters: Filters | None = None,
    *,
    level: float = DEFAULT_LEVEL,
) -> dict[str, UsualRange]:
    """The usual range of several KPIs for the same period and filters: the history of
    all of them comes from one `Engine.trends` call (measures on a table share a query)."""
    period = engine.period(period)
    grain = period.grain if period.grain in HISTORY else "month"
    if period.grain != grain or not period.is_whole:
        period = Period.of(grain, period.start, engine.settings.fiscal_year_start_month)
    trends = trends_with_history(engine, list(kpi_ids), period, filters)
    answers = {}
    for kpi_id in kpi_ids:
        definition = engine.catalog.get(kpi_id)
        answers[kpi_id] = judge(
            trends[kpi_id],
            today=engine.today,
            is_rate=definition.is_rate,
            multiplicative=definition.unit in MULTIPLICATIVE_UNITS,
            direction=definition.direction,
            level=level,
            per_record=definition.type not in TOTALS,
        )
    return answers


def trends_with_history(
    engine: Engine, kpi_ids: list[str], period: Period, filters: Filters | None
) -> dict[str, list[KpiResult]]:
    """The trends of `period` and of the history before it (up to `HISTORY` periods).

    The history is bounded to where money can be counted: exchange rates may begin later
    than the longest history (a demo; a company that loaded two years of rates), and a
    period before every currency has a rate cannot convert its amounts. The history then
    starts with the first period after that day — decided before asking, so that the
    question asked is the same every time (a cached engine answers it once) and no query
    is spent failing on a missing rate.
    """
    first = period
    for _ in range(HISTORY[period.grain]):
        first = first.previous()
    covered = _first_day_with_every_rate(engine)
    if covered is not None:
        # A period starting on that day is excluded too: its opening snapshot (the
        # customers at the start of a churn period) is taken the day before.
        while first.start <= covered and first.start < period.start:
            first = _following(first)
    return engine.trends(kpi_ids, _span(first, period), period.grain, filters)


def _span(first: Period, last: Period) -> Period:
    return Period(first.start, last.end, last.grain, last.fiscal_start)


def _following(period: Period) -> Period:
    return Period.of(period.grain, period.end, period.fiscal_start)


def _first_day_with_every_rate(engine: Engine) -> dt.date | None:
    """The first day on which every foreign currency of fx_rates has a rate."""
    rates = engine.table("fx_rates")
    foreign = rates.filter(rates.currency != engine.settings.base_currency)
    firsts = foreign.group_by("currency").aggregate(first=foreign.day.min())
    latest = engine.execute(firsts.first.max())
    return None if latest is None or latest != latest else _as_date(latest)


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def judge(
    results: Sequence[KpiResult],
    *,
    today: dt.date,
    is_rate: bool,
    multiplicative: bool,
    direction: str = "higher",
    level: float = DEFAULT_LEVEL,
    per_record: bool = True,
) -> UsualRange:
    """The usual range of the last result of a trend, predicted from the ones before it.
    `per_record`: the value is an average or ratio over records (a few records make it
    noisy), not a total (where a small count is the news itself)."""
    current = results[-1]

    def verdict(reason: str, **known) -> UsualRange:
        return UsualRange(
            current.kpi_id,
            current.period,
            current.value,
            unusual=False,
            reason=reason,
            sample_size=current.sample_size,
            **{"expected": None, "low": None, "high": None, **known},
        )

    if current.period.end > today:
        return verdict(NOT_OVER)
    if current.maturing:
        return verdict(MATURING)
    if current.value is None or not math.isfinite(current.value):
        return verdict(NO_VALUE)
    rate = is_rate and current.denominator is not None and current.numerator is not None
    small = current.sample_size is not None and current.sample_size < MIN_RECORDS
    if per_record and not rate and small:
        return verdict(FEW_RECORDS)
    history = _history(results[:-1], current.period.grain, rate)
    if len(history) < MIN_HISTORY:
        return verdict(SHORT_HISTORY, history=len(history))
    target = Observation(
        current.value,
        _season(current.period),
        current.numerator if rate else None,
        current.denominator if rate else None,
    )
    prediction = predict(history, target, multiplicative=multiplicative and not rate, level=level)
    if prediction is None:
        return verdict(SHORT_HISTORY, history=len(history))
    above, below = current.value > prediction.high, current.value < prediction.low
    slope = prediction.trend_per_period
    return UsualRange(
        current.kpi_id,
        current.period,
        current.value,
        prediction.expected,
        prediction.low,
        prediction.high,
        unusual=above or below,
        reason=ABOVE if above else BELOW if below else WITHIN,
        adverse=(below if direction == "higher" else above),
        drift=slope is not None and (slope < 0 if direction == "higher" else slope > 0),
        history=len(history),
        seasonal=prediction.seasonal,
        trend_per_period=prediction.trend_per_period,
        sample_size=current.sample_size,
    )


def _history(results: Sequence[KpiResult], grain: str | None, rate: bool) -> list[Observation]:
    """Usable past periods: from the first with data, maturing cohorts and gaps left out."""
    observations: list[Observation] = []
    for result in results:
        value = result.value
        started = bool(observations) or (value is not None and value != 0)
        if not started or result.maturing or value is None or not math.isfinite(value):
            continue
        if rate and not result.denominator:
            continue
        observations.append(
            Observation(
                float(value),
                _season(result.period) if grain else None,
                result.numerator if rate else None,
                result.denominator if rate else None,
            )
        )
    return observations


def _season(period: Period) -> int | None:
    """The period's place in the seasonal cycle of its grain (None: no cycle)."""
    if period.grain == "month":
        return period.start.month
    if period.grain == "quarter":
        return (period.start.month - 1) // 3
    if period.grain == "day":
        return period.start.weekday()
    return None  # weeks: two years of weekly history is rarely there; years: no season


def predict(
    history: Sequence[Observation],
    target: Observation,
    *,
    multiplicative: bool = False,
    level: float = DEFAULT_LEVEL,
) -> Prediction | None:
    """The prediction interval for `target` from the regression on `history` (see above).

    Rates are recognised by their trials; the index of an observation is its place in
    the history (periods with no usable value simply leave a gap in the count)."""
    rate = target.trials is not None
    values = np.array([o.value for o in history], dtype=float)
    log = multiplicative and bool(np.all(values > 0)) and target.value > 0
    y = np.log(values) if log else values
    n = len(y)
    t = np.arange(n, dtype=float)
    seasons = [o.season for o in history]
    seasonal = (
        target.season is not None
        and None not in seasons
        and all(seasons.count(s) >= 2 for s in set(seasons) | {target.season})
    )
    columns = [np.ones(n)]
    target_row = [1.0]
    if seasonal:
        levels = sorted(set(seasons))
        for s in levels[1:]:
            columns.append(np.array([1.0 if x == s else 0.0 for x in seasons]))
            target_row.append(1.0 if target.season == s else 0.0)
    base = np.column_stack(columns)
    with_trend = np.column_stack([base, t])
    fit = _ols(with_trend, y)
    keep_trend = fit is not None and fit.slope_t is not None and abs(fit.slope_t) >= 2.0
    design, row = (with_trend, [*target_row, float(n)]) if keep_trend else (base, target_row)
    fit = fit if keep_trend else _ols(base, y)
    if fit is None:
        return None
    x0 = np.array(row)
    centre = float(x0 @ fit.beta)
    leverage = float(x0 @ fit.xtx_inv @ x0)
    quantile = float(stats.t.ppf(0.5 + level / 2, fit.df))
    if rate:
        p = min(max(centre, 0.0), 1.0)
        # Between-period variance: what the residuals hold beyond the binomial noise of
        # each period's own sample (method of moments, floored at zero).
        binomial = np.array([_bernoulli(o.value) / o.trials for o in history])
        between = max(0.0, float(np.mean(fit.residuals**2) - np.mean(binomial)))
        low, high = _count_range(p, between + fit.sigma2 * leverage, int(target.trials), level)
        expected = p
    else:
        spread = math.sqrt(fit.sigma2 * (1.0 + leverage))
        low, high = centre - quantile * spread, centre + quantile * spread
        expected = centre
        if log:
            expected, low, high = math.exp(centre), math.exp(low), math.exp(high)
    slope = None
    if keep_trend:
        slope = float(fit.beta[-1])
        slope = expected * (math.exp(slope) - 1.0) if log else slope
    return Prediction(expected, low, high, seasonal, slope)


@dataclass(frozen=True)
class _Fit:
    beta: np.ndarray
    residuals: np.ndarray
    sigma2: float
    df: int
    xtx_inv: np.ndarray
    slope_t: float | None  # the last column's t statistic (the trend, when fitted)


def _ols(x: np.ndarray, y: np.ndarray) -> _Fit | None:
    """Ordinary least squares; None when there are not two more periods than parameters."""
    n, k = x.shape
    df = n - k
    if df < 2:
        return None
    xtx_inv = np.linalg.pinv(x.T @ x)
    beta = xtx_inv @ x.T @ y
    residuals = y - x @ beta
    sigma2 = float(residuals @ residuals) / df
    slope_se = math.sqrt(sigma2 * xtx_inv[-1, -1]) if k > 1 else 0.0
    slope = float(beta[-1]) if k > 1 else 0.0
    scale = max(1.0, float(np.max(np.abs(y))))
    if k == 1:
        slope_t = None
    elif sigma2 > (1e-9 * scale) ** 2:
        slope_t = slope / slope_se
    else:  # a perfect fit (up to rounding): a real slope is certain, a flat line has none
        slope_t = math.inf if abs(slope) > 1e-9 * scale else 0.0
    return _Fit(beta, residuals, sigma2, df, xtx_inv, slope_t)


def _count_range(p: float, variance: float, trials: int, level: float) -> tuple[float, float]:
    """The central `level` range of successes / trials when the period's true rate has
    mean p and `variance`: a beta-binomial (a binomial when the rate does not vary).
    Exact counts rather than a normal approximation, whose tails are too thin for small
    samples and rates near 0 or 1; being discrete, it errs on the quiet side."""
    if trials <= 0:
        return 0.0, 1.0
    # A fitted rate of exactly 0 or 1 (a season or a trend of tiny samples) still leaves
    # room for a success or a failure.
    p = min(max(p, 1e-3), 1 - 1e-3)
    tail = (1.0 - level) / 2.0
    if variance <= 1e-12:
        distribution = stats.binom(trials, p)
    else:
        concentration = _bernoulli(p) / variance - 1.0
        if concentration <= 0:
            return 0.0, 1.0
        distribution = stats.betabinom(trials, p * concentration, (1 - p) * concentration)
    low, high = distribution.ppf(tail), distribution.ppf(1.0 - tail)
    return float(low) / trials, float(high) / trials


def _bernoulli(p: float) -> float:
    p = min(max(p, 0.0), 1.0)
    return p * (1.0 - p)
