"""A KPI function's trend form (one query for every sub-period) gives each sub-period the
same answer as the function run over that sub-period alone (the reference), on the demo
company and on both engines. Every trend form is picked up.

Months and weeks are both asked: parts of different lengths matter to computations whose
window depends on the part (the period before it, of the same length).
"""

from __future__ import annotations

import datetime as dt

import pytest

from cruscotto.engine.measured import KPI_FUNCTIONS, TRENDS
from cruscotto.engine.period import Period
from cruscotto.engine.scope import Scope
from cruscotto.engine.scoped_functions import scope_for
from tests.engine.test_grouped_functions import demo, flat  # noqa: F401  (the fixture)

PERIOD = Period(dt.date(2025, 11, 1), dt.date(2026, 3, 1))  # four whole months
CASES = [(kpi_id, grain) for kpi_id in sorted(TRENDS) for grain in ("month", "week")]


@pytest.mark.parametrize(("kpi_id", "grain"), CASES)
def test_trend_form_equals_the_function_per_part(demo, kpi_id, grain):  # noqa: F811
    buckets = tuple(PERIOD.split(grain, demo.settings.fiscal_year_start_month))
    scope = scope_for(demo, Scope(PERIOD, {}, buckets, None))
    parts = [(bucket.start, bucket.end) for bucket in buckets]
    fast = TRENDS[kpi_id](scope, parts)
    slow = [KPI_FUNCTIONS[kpi_id](scope.at(start, end)) for start, end in parts]
    assert any(m.value for m in slow), "the demo company has data for every trend"
    assert len(fast) == len(parts)
    for (start, _), got, expected in zip(parts, fast, slow, strict=True):
        assert got.value == pytest.approx(expected.value), (start, "value")
        assert got.numerator == pytest.approx(expected.numerator), (start, "numerator")
        assert got.denominator == pytest.approx(expected.denominator), (start, "denominator")
        assert got.sample_size == expected.sample_size, (start, "sample size")
        assert flat(got.details) == pytest.approx(flat(expected.details)), (start, "details")
