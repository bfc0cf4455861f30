"""The usual-range detector: hand-computed prediction intervals, and what is never judged."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from cruscotto.alerts.usual import (
    ABOVE,
    FEW_RECORDS,
    MATURING,
    NOT_OVER,
    SHORT_HISTORY,
    WITHIN,
    Observation,
    judge,
    predict,
    trends_with_history,
    usual_range,
)
from cruscotto.engine import KpiResult, Period
from tests.engine.fixtures import account, engine_for, load, ts

# Student's t quantiles for a 99% two-sided interval (any t table): 5 and 4 degrees of freedom.
T_995_5 = 4.032142983555228
T_995_4 = 4.604094871349992


def series(values, seasons=None):
    return [Observation(v, None if seasons is None else seasons[i]) for i, v in enumerate(values)]


def test_flat_history_gives_the_t_prediction_interval_around_the_mean():
    # 10, 12, 11, 11, 12, 10 has no slope (Σ(t − 2.5)(y − 11) = 2.5 − 1.5 + 1.5 − 2.5 = 0),
    # so the trend is dropped: mean 11, residual sum of squares 4, s² = 4/5 = 0.8,
    # prediction sd = √(0.8 × (1 + 1/6)) = 0.96609, half width 4.03214 × 0.96609 = 3.89540.
    history = series([10, 12, 11, 11, 12, 10])
    prediction = predict(history, Observation(15))
    half = T_995_5 * math.sqrt(0.8 * 7 / 6)
    assert prediction.expected == pytest.approx(11)
    assert (prediction.low, prediction.high) == pytest.approx((11 - half, 11 + half))
    assert prediction.low == pytest.approx(7.10458, abs=1e-5)
    assert prediction.trend_per_period is None


def test_significant_trend_is_extrapolated():
    # y = 10 + 2t plus residuals 1, −1, 0, 0, −1, 1 (orthogonal to 1 and t): the fit is
    # exactly intercept 10, slope 2; RSS 4, s² = 4/4 = 1; slope se √(1/17.5) = 0.239, t = 8.4.
    # At t = 6: 22, leverage 1/6 + (6 − 2.5)²/17.5 = 0.86667, sd √1.86667 = 1.36626.
    prediction = predict(series([11, 11, 14, 16, 17, 21]), Observation(30))
    half = T_995_4 * math.sqrt(1 + 1 / 6 + 3.5**2 / 17.5)
    assert prediction.expected == pytest.approx(22)
    assert (prediction.low, prediction.high) == pytest.approx((22 - half, 22 + half))
    assert prediction.trend_per_period == pytest.approx(2)


def test_seasons_seen_twice_are_modelled():
    # Quarters 10, 20, 30, 40 twice, plus residuals ±1 orthogonal to the seasons and the trend
    # (r = 1, −1, 1, −1, −1, 1, −1, 1): seasonal means 10/20/30/40, slope 0 (dropped); 4
    # parameters, RSS 8, df 4, s² = 2; a Q1 target has leverage 1/2: sd √(2 × 1.5) = √3.
    history = series([11, 19, 31, 39, 9, 21, 29, 41], seasons=[0, 1, 2, 3] * 2)
    prediction = predict(history, Observation(17, 0))
    half = T_995_4 * math.sqrt(3)
    assert prediction.seasonal
    assert prediction.expected == pytest.approx(10)
    assert (prediction.low, prediction.high) == pytest.approx((10 - half, 10 + half))
    # Seen once per season only, the seasons are not modelled (a Q1 of 10 against a mean of 25).
    assert not predict(history[:6], Observation(17, 0)).seasonal


def test_rate_range_uses_the_current_sample():
    # Six periods at exactly 50 of 100: no spread beyond the binomial one (between-period
    # variance max(0, 0 − 0.0025) = 0), so the range is the central 99% of Binomial(n, 0.5).
    # n = 100: P(X ≤ 36) = 0.0033 < 0.005 ≤ P(X ≤ 37) = 0.0060 (binomial table), so the
    # 0.5% quantile is 37 and, by symmetry, the 99.5% one is 63.
    history = [Observation(0.5, None, 50, 100) for _ in range(6)]
    big = predict(history, Observation(0.29, None, 29, 100))
    assert (big.expected, big.low, big.high) == pytest.approx((0.5, 0.37, 0.63))
    # 0 of 2: P(X = 0) = 0.25, so both quantiles are the ends 0 and 2: a tiny sample never fires.
    small = predict(history, Observation(0.0, None, 0, 2))
    assert (small.low, small.high) == (0.0, 1.0)


def result(period: str, value, **extra) -> KpiResult:
    return KpiResult("win_rate", Period.parse(period), value, "percent", **extra)


def months(values):
    """Consecutive months of 2026 from January, each measured on 50 records."""
    return [result(f"2026-{m:02d}", v, sample_size=50) for m, v in enumerate(values, start=1)]


TODAY = dt.date(2026, 12, 1)


def test_a_period_not_over_or_maturing_or_small_is_never_judged():
    history = months([10, 12, 11, 11, 12, 10])
    open_period = [*history, result("2026-12", 99.0, sample_size=50)]
    assert judge(open_period, today=TODAY, is_rate=False, multiplicative=False).reason == NOT_OVER
    maturing = [*history, result("2026-07", 99.0, sample_size=50, maturing=True)]
    verdict = judge(maturing, today=TODAY, is_rate=False, multiplicative=False)
    assert (verdict.reason, verdict.unusual) == (MATURING, False)
    few = [*history, result("2026-07", 99.0, sample_size=4)]
    assert judge(few, today=TODAY, is_rate=False, multiplicative=False).reason == FEW_RECORDS
    short = [*history[:5], result("2026-06", 99.0, sample_size=50)]
    assert judge(short, today=TODAY, is_rate=False, multiplicative=False).reason == SHORT_HISTORY


def test_leading_zeros_and_maturing_history_are_left_out():
    # Two empty months before the data begins and one maturing month: 6 usable periods.
    history = [result("2025-11", 0.0), result("2025-12", 0.0)] + months([10, 12, 11, 11, 12, 10])
    history[4] = result("2026-03", 11.0, sample_size=50)
    history.insert(5, result("2026-03", 0.0, maturing=True))
    verdict = judge(
        [*history, result("2026-07", 15.0, sample_size=50)],
        today=TODAY,
        is_rate=False,
        multiplicative=False,
    )
    assert verdict.history == 6
    assert (verdict.reason, verdict.adverse) == (ABOVE, False)  # higher is better: not adverse


@pytest.fixture
def leads_engine(duckdb_warehouse):
    # May–October 2026: 10, 12, 11, 11, 12, 10 leads; November: 16; December just begun.
    counts = {5: 10, 6: 12, 7: 11, 8: 11, 9: 12, 10: 10, 11: 16}
    rows = [
        {"lead_id": f"L{m}-{i}", "created_at": ts(f"2026-{m:02d}-15 10:00"), "channel": "referral"}
        for m, count in counts.items()
        for i in range(count)
    ]
    load(duckdb_warehouse, leads=rows)
    return engine_for(duckdb_warehouse, today=TODAY)


def test_usual_range_from_the_engine_on_a_log_scale(leads_engine):
    # Counts are modelled on a log scale: ln 10, ln 12, ln 11, ln 11, ln 12, ln 10 have no
    # slope; mean ln(10·11·12)/3 → expected the geometric mean ∛1320 = 10.9696; residuals
    # ±0.092544, ±0.089778, ±0.002766 → RSS 0.033264, s² = 0.0066528; half width
    # 4.03214 × √(0.0066528 × 7/6) = 0.35523 → range e^(2.395129 ∓ 0.35523) = 7.689 … 15.648.
    found = usual_range(leads_engine, "new_leads", "2026-11")
    mean = math.log(1320) / 3
    residuals = [math.log(v) - mean for v in (10, 12, 11, 11, 12, 10)]
    half = T_995_5 * math.sqrt(sum(r * r for r in residuals) / 5 * 7 / 6)
    assert found.expected == pytest.approx(1320 ** (1 / 3))
    assert (found.low, found.high) == pytest.approx((math.exp(mean - half), math.exp(mean + half)))
    assert found.high == pytest.approx(15.648, abs=1e-3)
    assert (found.value, found.unusual, found.reason, found.history) == (16, True, ABOVE, 6)
    assert usual_range(leads_engine, "new_leads", "2026-12").reason == NOT_OVER
    # October (10 leads) judged against May–September alone is too little history (5).
    assert usual_range(leads_engine, "new_leads", "2026-10").reason == SHORT_HISTORY


def test_within_range_does_not_fire_and_an_empty_scope_has_no_history(leads_engine):
    # 14.5 lies inside 11 ± 3.8954 (the first test's range); 15 lies above it.
    history = months([10, 12, 11, 11, 12, 10])
    inside = judge(
        [*history, result("2026-07", 14.5, sample_size=50)],
        today=TODAY,
        is_rate=False,
        multiplicative=False,
    )
    assert (inside.unusual, inside.reason) == (False, WITHIN)
    outside = judge(
        [*history, result("2026-07", 15.0, sample_size=50)],
        today=TODAY,
        is_rate=False,
        multiplicative=False,
    )
    assert (outside.unusual, outside.reason) == (True, ABOVE)
    # No partner leads at all: every month is a leading zero, nothing to predict from.
    empty = usual_range(leads_engine, "new_leads", "2026-11", {"channel": ["partner"]})
    assert (empty.unusual, empty.reason, empty.history) == (False, SHORT_HISTORY, 0)


class AskCounter:
    """An engine that counts the trend questions asked of it (and those that failed)."""

    def __init__(self, engine):
        self._engine, self.asked, self.failed = engine, [], 0

    def __getattr__(self, name):
        return getattr(self._engine, name)

    def trends(self, kpi_ids, period, grain, filters=None):
        self.asked.append(period)
        try:
            return self._engine.trends(kpi_ids, period, grain, filters)
        except ValueError:
            self.failed += 1
            raise


def test_history_starts_where_every_currency_has_a_rate_without_a_failed_query(duckdb_warehouse):
    # A USD contract running since 2020 and USD rates only from 2026-04-10: MRR can be
    # converted from that day on. The history (36 months before November 2026) therefore
    # starts with the first month beginning after it, May 2026 — asked once, up front,
    # rather than after a query over the whole history fails on the missing rate (the
    # attention page's cold time, issue 10).
    rates = [
        {"day": dt.date(2026, 4, 10) + dt.timedelta(days=i), "currency": "USD", "rate_to_base": 0.9}
        for i in range(235)
    ]
    load(
        duckdb_warehouse,
        accounts=[account("A1", created_at=ts("2020-01-01 00:00"))],
        contracts=[
            {
                "contract_id": "C1",
                "account_id": "A1",
                "start_date": dt.date(2020, 1, 1),
                "mrr": 100.0,
                "currency": "USD",
            }
        ],
        fx_rates=rates,
    )
    engine = AskCounter(engine_for(duckdb_warehouse, today=TODAY))
    november = Period.of("month", dt.date(2026, 11, 1))
    trends = trends_with_history(engine, ["mrr"], november, None)
    assert engine.failed == 0
    assert [(p.start, p.end) for p in engine.asked] == [(dt.date(2026, 5, 1), dt.date(2026, 12, 1))]
    # Seven months, each 100 USD × 0.9 = 90 EUR of MRR.
    assert [r.value for r in trends["mrr"]] == pytest.approx([90.0] * 7)
