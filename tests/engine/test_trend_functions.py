"""The trend forms of the customer-base KPIs (every part in one query) give each part the
same answer as the function run over that part alone (the reference: what a trend does
without a trend form), on the demo company and on both engines.

Twelve months, so that CLV's rolling years (the twelve months ending with each part)
overlap, and weeks that straddle months; unfiltered and filtered. CLV÷CAC has no trend
form of its own: its trend asks CLV and CAC of each part, answered by their remembered
trend forms, so it is checked too.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cruscotto.engine import customer_kpis
from cruscotto.engine.measured import KPI_FUNCTIONS, TRENDS
from cruscotto.engine.period import Period
from cruscotto.engine.scope import Scope
from cruscotto.engine.scoped_functions import computed, scope_for
from tests.engine.fixtures import flat

PERIODS = {
    "months": (Period(dt.date(2025, 3, 1), dt.date(2026, 3, 1)), "month"),
    "weeks": (Period(dt.date(2025, 12, 29), dt.date(2026, 3, 9)), "week"),
}
KPIS = sorted(k for k, trend in TRENDS.items() if trend.__module__ == customer_kpis.__name__)


def filter_cases(demo, kpi_id):
    """No filter, and the first value of segment (or else of the KPI's first dimension)."""
    dimensions = demo.catalog.get(kpi_id).dimensions
    dimension = "segment" if "segment" in dimensions else dimensions[0]
    return [{}, {dimension: [next(value for value, _ in demo.dimension_values(dimension))]}]


@pytest.mark.parametrize("grain", sorted(PERIODS))
@pytest.mark.parametrize("kpi_id", [*KPIS, "clv_to_cac"])
def test_trend_form_equals_the_function_per_part(demo, kpi_id, grain):
    period, step = PERIODS[grain]
    for filters in filter_cases(demo, kpi_id):
        series = demo.trend(kpi_id, period, step, filters)
        parts = tuple(result.period for result in series)
        each = scope_for(demo, Scope(period, filters, parts))
        expected = [computed(KPI_FUNCTIONS[kpi_id](each.at(p.start, p.end))) for p in parts]
        if not filters:
            assert any(m.value for m in expected), "the demo company has data for every KPI"
        for got, alone in zip(series, expected, strict=True):
            where = (got.period.label, filters)
            assert got.value == pytest.approx(alone.value), (where, "value")
            assert got.numerator == pytest.approx(alone.numerator), (where, "numerator")
            assert got.denominator == pytest.approx(alone.denominator), (where, "denominator")
            assert got.sample_size == alone.sample_size, (where, "sample size")
            assert flat(got.details) == pytest.approx(flat(alone.details)), (where, "details")
