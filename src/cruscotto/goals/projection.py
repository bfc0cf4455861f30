"""Where a period will end: a projection with an 80% interval, one method per KPI kind.

Every method blends two witnesses — the pace of the period so far and what the KPI's
own history expects for the period — weighting each by how much it can be trusted, and
gives a normal approximation of the end value (mean and standard deviation). The
methods are described, with their formulas, in docs/goals.md; their calibration (how often
the 80% interval holds the real end value) is measured by benchmarks/goals.py.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy.stats import norm

# Two-sided 80%: the normal quantile 1.2815515…
Z_80 = float(norm.ppf(0.9))
# When history is too short to measure how wrong a baseline usually is.
FALLBACK_RELATIVE_ERROR = 0.3
MIN_ERRORS = 3


@dataclass(frozen=True)
class Projection:
    value: float | None
    sd: float | None
    method: str
    # Where the value can possibly lie (a rate in 0–1, a count not below what is done).
    floor: float | None = None
    ceiling: float | None = None

    @property
    def low(self) -> float | None:
        if self.value is None or self.sd is None:
            return None
        return self._within(self.value - Z_80 * self.sd)

    @property
    def high(self) -> float | None:
        if self.value is None or self.sd is None:
            return None
        return self._within(self.value + Z_80 * self.sd)

    def _within(self, value: float) -> float:
        if self.floor is not None:
            value = max(value, self.floor)
        if self.ceiling is not None:
            value = min(value, self.ceiling)
        return value

    def probability(self, target: float, direction: str) -> float | None:
        """The chance the end value reaches the target (≥ when higher is better, else ≤)."""
        if self.value is None or self.sd is None:
            return None
        if self.sd <= 0:
            reached = self.value >= target if direction == "higher" else self.value <= target
            return 1.0 if reached else 0.0
        above = float(norm.sf((target - self.value) / self.sd))
        return above if direction == "higher" else 1.0 - above

    def bounded(self, floor: float | None = None, ceiling: float | None = None) -> Projection:
        """The same projection kept within [floor, ceiling], its interval too."""
        bounded = Projection(self.value, self.sd, self.method, floor, ceiling)
        value = None if self.value is None else bounded._within(self.value)
        return Projection(value, self.sd, self.method, floor, ceiling)


FINAL = "final"


def final(value: float | None) -> Projection:
    """A period that is over ends where it is."""
    return Projection(value, 0.0 if value is not None else None, FINAL)


# -- the history's expectation of a whole period --------------------------------------


@dataclass(frozen=True)
class Baseline:
    value: float
    relative_error: float  # root mean square of the same method's past relative errors
    method: str


def baseline(history: Sequence[float | None], periods_per_year: int) -> Baseline | None:
    """What the next period should bring, from the periods before it (oldest first).

    With a year of history: the same period last year scaled by the recent growth (the
    last k periods against the same k a year earlier, k = min(3, periods per year)),
    so seasonality and trend both count. Otherwise the mean of the last three periods.
    The error is the root mean square of the method's relative misses on the history.
    """
    n = len(history)
    guess = _guess(history, n, periods_per_year)
    if guess is None:
        return None
    value, method = guess
    errors: list[float] = []
    for i in range(1, n):
        past = _guess(history, i, periods_per_year)
        if past is not None and past[1] == method and past[0] > 0 and history[i] is not None:
            errors.append(history[i] / past[0] - 1)
    errors = errors[-12:]
    if len(errors) >= MIN_ERRORS:
        relative = math.sqrt(sum(e * e for e in errors) / len(errors))
    else:
        relative = FALLBACK_RELATIVE_ERROR
    return Baseline(value, max(relative, 0.01), method)


def _guess(history: Sequence[float | None], i: int, per_year: int) -> tuple[float, str] | None:
    """The baseline for period i from history[:i]."""
    k = min(3, per_year)
    if i >= per_year + k:
        last_year = history[i - per_year]
        recent = history[i - k : i]
        recent_before = history[i - per_year - k : i - per_year]
        if (
            last_year is not None
            and None not in recent
            and None not in recent_before
            and sum(recent_before) > 0
        ):
            return last_year * sum(recent) / sum(recent_before), "last_year_growth"
    known = [v for v in history[max(0, i - 3) : i] if v is not None]
    if known:
        return sum(known) / len(known), "recent_mean"
    return None


# -- counts and sums ------------------------------------------------------------------


def project_additive(
    actual: float,
    elapsed: float,
    blocks: Sequence[tuple[float, float]],
    history: Baseline | None,
    *,
    min_dispersion: float = 0.0,
    pace_error: float | None = None,
) -> Projection:
    """End value = done so far + the rest of the period at a blended level.

    `elapsed` is the share of the period's expected volume already past; `blocks` are
    (value, expected share) of the elapsed working days, which measure how noisy the
    daily flow is (Pearson dispersion φ, so a Poisson count has φ ≈ 1 and a sum of
    invoices φ ≈ the size of an invoice). The pace's level P = actual ÷ elapsed has
    relative variance (φ/P)(1 − s)/s; the baseline's is its past relative error². The
    level L is their precision-weighted mean (the pace's weight w); the rest of the period
    adds (1 − s)·L with variance ((1 − s)L)²·var(L)/L² + φ(1 − s)L. Counts pass
    `min_dispersion` 1: a few very regular days must not make the future look certain.

    `pace_error` e (pacing.pace_error) is how far past months' share so far strayed from
    the expected share s at the same point of the month, as the root mean square of
    r/s − 1: a month whose share so far is r ends off by (r − s)/s × (s + w(1 − s)) of its
    total (the value so far carries the miss, the pace carries it on into the rest). The
    variance is then the larger of the flow's and (projection × e × (s + w(1 − s)))²:
    both measure how the month departs from its expected path, so they are not added.
    """
    s = min(max(elapsed, 0.0), 1.0)
    if s >= 1.0:
        return final(actual)
    pace = actual / s if s > 0 else None
    weight = 1.0  # the pace's in the level
    if pace is None and history is None:
        return Projection(None, None, "no_history")
    if pace is None:
        level, level_var, method = history.value, history.relative_error**2, "history"
        weight = 0.0
        dispersion = max(1.0, min_dispersion)
    else:
        dispersion = max(_dispersion(blocks, pace), min_dispersion)
        pace_var = dispersion / max(pace, 1e-9) * (1 - s) / s
        if history is None or history.value <= 0:
            level, level_var, method = pace, pace_var, "pace"
        else:
            history_var = history.relative_error**2
            weight = history_var / (history_var + pace_var) if history_var + pace_var else 1.0
            level = weight * pace + (1 - weight) * history.value
            level_var = history_var * pace_var / (history_var + pace_var)
            method = "pace_and_history"
    rest = (1 - s) * level
    variance = (rest * rest) * level_var + dispersion * max(rest, 0.0)
    if pace_error is not None:
        # A month whose share so far is r where s was expected ends (r − s)/s × (s + w(1 − s))
        # off, relatively: the value so far carries the miss, the pace (weight w) carries it
        # into the rest of the period too. The flow's variance and this one both say how
        # the month can depart from its expected path (from the days so far, taken as
        # independent; from how whole past months departed): the larger counts, not both.
        shape = ((actual + rest) * pace_error * (s + weight * (1 - s))) ** 2
        variance = max(variance, shape)
    return Projection(actual + rest, math.sqrt(max(variance, 0.0)), method)


def _dispersion(blocks: Sequence[tuple[float, float]], pace: float) -> float:
    """Pearson's φ of the blocks around pace × weight (1, as for Poisson, if too few)."""
    terms = [
        (value - pace * weight) ** 2 / (pace * weight)
        for value, weight in blocks
        if weight > 0 and pace > 0
    ]
    if len(terms) < 2:
        return 1.0
    return max(sum(terms) / (len(terms) - 1), 1e-9)


def pace_only(actual: float, elapsed: float) -> float | None:
    """The naive projection the benchmark compares with: the pace so far, extended."""
    if elapsed <= 0:
        return None
    return actual / min(elapsed, 1.0)


# -- rates ----------------------------------------------------------------------------


def project_rate(
    numerator: float,
    denominator: float,
    elapsed: float,
    history: Sequence[tuple[float, float]],
    *,
    maturing: bool = False,
) -> Projection:
    """A proportion's end value, beta-binomial style.

    The history's pooled rate p₀ (last three periods) is a prior worth n₀ trials, n₀ set
    by how much the rate really moves between periods (variance beyond the binomial's);
    the period's own trials update it: p̃ = (won + n₀p₀)/(trials + n₀). The rest of the
    period brings trials at the pace so far, each won with p̃. A maturing cohort's
    numerator is not final, so only the prior speaks for it.
    """
    s = min(max(elapsed, 0.0), 1.0)
    usable = [(n, d) for n, d in history if d and d > 0]
    if s >= 1.0 and not maturing:
        return final(numerator / denominator if denominator else None)
    if not usable and not denominator:
        return Projection(None, None, "no_history")
    prior, strength = _rate_prior(usable)
    if maturing:
        numerator, denominator = 0.0, 0.0
    posterior = (
        (numerator + strength * prior) / (denominator + strength)
        if (denominator + strength)
        else prior
    )
    posterior_var = posterior * (1 - posterior) / (denominator + strength + 1)
    if maturing or s <= 0:
        expected_trials = sum(d for _, d in usable[-3:]) / len(usable[-3:]) if usable else 0.0
        rest = expected_trials if maturing else max(expected_trials - denominator, 0.0)
    else:
        rest = denominator * (1 - s) / s
    total = denominator + rest
    if total <= 0:
        return Projection(posterior, math.sqrt(posterior_var), "history").bounded(0.0, 1.0)
    value = (numerator + rest * posterior) / total
    variance = (rest * posterior * (1 - posterior) + rest * rest * posterior_var) / (total * total)
    method = "history" if maturing else "pace_and_history"
    return Projection(value, math.sqrt(variance), method).bounded(0.0, 1.0)


def _rate_prior(history: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """(pooled rate of the last three periods, its worth in trials)."""
    if not history:
        return 0.5, 2.0  # nothing known: a flat prior worth two trials
    recent = history[-3:]
    rate = sum(n for n, _ in recent) / sum(d for _, d in recent)
    rates = [n / d for n, d in history[-12:]]
    if len(rates) < MIN_ERRORS:
        return rate, 20.0
    mean = sum(rates) / len(rates)
    spread = sum((r - mean) ** 2 for r in rates) / (len(rates) - 1)
    binomial = sum(mean * (1 - mean) / d for _, d in history[-12:]) / len(rates)
    between = spread - binomial
    if between <= 0 or rate in (0.0, 1.0):
        return rate, 2000.0
    return rate, min(max(rate * (1 - rate) / between - 1, 1.0), 2000.0)


# -- averages and ratios ----------------------------------------------------------------


def project_average(
    value: float | None, elapsed: float, history: Sequence[float | None]
) -> Projection:
    """A mean or ratio: s·(value so far) + (1 − s)·(mean of the last three periods), with
    the history's period-to-period spread σ shrinking as σ·√(1 − s) as the period fills."""
    s = min(max(elapsed, 0.0), 1.0)
    if s >= 1.0:
        return final(value)
    known = [v for v in history if v is not None]
    if not known:
        if value is None:
            return Projection(None, None, "no_history")
        return Projection(value, abs(value) * FALLBACK_RELATIVE_ERROR * math.sqrt(1 - s), "pace")
    recent = known[-3:]
    expected = sum(recent) / len(recent)
    spread = _spread(known[-12:], expected)
    if value is None:
        return Projection(expected, spread, "history")
    return Projection(s * value + (1 - s) * expected, spread * math.sqrt(1 - s), "pace_and_history")


def _spread(values: Sequence[float], centre: float) -> float:
    if len(values) < MIN_ERRORS:
        return abs(centre) * FALLBACK_RELATIVE_ERROR
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


# -- snapshots --------------------------------------------------------------------------


def project_snapshot(
    now: float | None, months_left: float, levels: Sequence[float | None]
) -> Projection:
    """A level at the period's end: today's level moved by the recent monthly drift
    (mean change of the last six months), ± the monthly changes' spread × √months left."""
    if now is None:
        return Projection(None, None, "no_data")
    if months_left <= 0:
        return final(now)
    known = [v for v in levels if v is not None]
    changes = [b - a for a, b in zip(known, known[1:], strict=False)][-12:]
    if len(changes) < 2:
        return Projection(
            now, abs(now) * FALLBACK_RELATIVE_ERROR * math.sqrt(months_left / 12), "level"
        )
    drift = sum(changes[-6:]) / len(changes[-6:])
    mean = sum(changes) / len(changes)
    spread = math.sqrt(sum((c - mean) ** 2 for c in changes) / (len(changes) - 1))
    return Projection(now + drift * months_left, spread * math.sqrt(months_left), "level_and_drift")
