"""A KPI function's trend form (every sub-period in one query) gives each month the same
answer as the function run on that month alone (the reference), on the demo company and
on both engines.

Twelve months, so that rolling windows (CLV's twelve months ending with each month)
overlap; KPIs without a trend form of their own whose parts have one (CLV÷CAC asks
CLV and CAC of each month) are checked too.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cruscotto.engine.measured import KPI_FUNCTIONS, TRENDS
from cruscotto.engine.period import Period
from cruscotto.engine.scope import Scope
from cruscotto.engine.scoped_functions import computed, scope_for
from tests.engine.test_grouped_functions import demo  # noqa: F401  (the demo company)

YEAR = Period(dt.date(2025, 3, 1), dt.date(2026, 3, 1))
# Trends answered by remembered trend forms of the computations they are made of.
COMPOSED = ["clv_to_cac"]


@pytest.mark.parametrize("kpi_id", sorted(TRENDS) + COMPOSED)
def test_trend_form_equals_each_month_alone(demo, kpi_id):  # noqa: F811
    series = demo.trend(kpi_id, YEAR, "month")
    months = [result.period for result in series]
    base = scope_for(demo, Scope(YEAR, {}, tuple(months)))
    for result, month in zip(series, months, strict=True):
        expected = computed(KPI_FUNCTIONS[kpi_id](base.at(month.start, month.end)))
        assert result.value == pytest.approx(expected.value), (month.label, "value")
        assert result.numerator == pytest.approx(expected.numerator), (month.label, "numerator")
        assert result.denominator == pytest.approx(expected.denominator), (month.label, "den.")
        assert result.sample_size == expected.sample_size, (month.label, "sample size")
        assert result.details == pytest.approx(expected.details), (month.label, "details")
