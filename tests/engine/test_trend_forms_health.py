"""The trend forms of account health and customer engagement (every part in one query)
give each part the same answer as the function run over that part alone (the reference:
what a trend does without a trend form), on the demo company and on both engines.

Both KPIs look at each part through windows relative to it (the period before it, of the
same length; the 180 days of surveys and 90 of tickets before its end), which overlap
the neighbouring parts: twelve months, and weeks that straddle months, unfiltered and
filtered.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cruscotto.engine.measured import KPI_FUNCTIONS, TRENDS
from cruscotto.engine.period import Period
from cruscotto.engine.scope import Scope
from cruscotto.engine.scoped_functions import scope_for
from tests.engine.fixtures import flat

PERIODS = {
    "months": (Period(dt.date(2025, 3, 1), dt.date(2026, 3, 1)), "month"),
    "weeks": (Period(dt.date(2025, 12, 29), dt.date(2026, 3, 9)), "week"),
}
FILTERS = [{}, {"segment": ["smb"]}]


@pytest.mark.parametrize("grain", sorted(PERIODS))
@pytest.mark.parametrize("kpi_id", ["account_health", "engagement_rate"])
def test_trend_form_equals_the_function_per_part(demo, kpi_id, grain):
    period, step = PERIODS[grain]
    buckets = tuple(period.split(step, demo.settings.fiscal_year_start_month))
    parts = [(bucket.start, bucket.end) for bucket in buckets]
    for filters in FILTERS:
        scope = scope_for(demo, Scope(period, filters, buckets))
        fast = TRENDS[kpi_id](scope, parts)
        slow = [KPI_FUNCTIONS[kpi_id](scope.at(start, end)) for start, end in parts]
        assert all(m.sample_size for m in slow), "the demo company has customers in every part"
        assert len(fast) == len(slow)
        for (start, _), got, expected in zip(parts, fast, slow, strict=True):
            where = (start, filters)
            assert got.value == pytest.approx(expected.value), (where, "value")
            assert got.numerator == pytest.approx(expected.numerator), (where, "numerator")
            assert got.denominator == pytest.approx(expected.denominator), (where, "denominator")
            assert got.sample_size == expected.sample_size, (where, "sample size")
            assert flat(got.details) == pytest.approx(flat(expected.details)), (where, "details")
