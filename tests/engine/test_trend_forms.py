"""A KPI function's trend (one query for every sub-period, where it has a trend form)
gives each sub-period the same answer as the function run on that sub-period alone (the
reference: slow but obviously right), on the demo company and on both engines.

Sub-periods are twelve-odd months up to an empty future one (today is 18 March 2026 in
the demo company), and weeks that straddle month ends; each KPI is asked without filters
and filtered to the largest group of its segment (or first) dimension.

EBITDA margin, enterprise value, list growth, account health and utilization compute a
single period as a trend of one part, so for them this checks that parts do not leak into
each other; their arithmetic is checked by hand in the per-area test modules.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cruscotto.engine.functions.registry import REGISTRY
from cruscotto.engine.functions.scope_runner import computed, scope_for
from cruscotto.engine.question.period import Period
from cruscotto.engine.question.scope import Scope
from tests.engine.fixtures import flat

PERIODS = {
    "months": (Period(dt.date(2025, 3, 1), dt.date(2026, 5, 1)), "month"),
    "weeks": (Period(dt.date(2025, 12, 29), dt.date(2026, 3, 9)), "week"),
}


def filter_cases(demo, kpi_id: str, period: Period) -> list[dict[str, list[str]]]:
    """No filter, and the largest group of the KPI's segment (or first) dimension."""
    dimensions = demo.catalog.get(kpi_id).dimensions
    if not dimensions:
        return [{}]
    dimension = "segment" if "segment" in dimensions else dimensions[0]
    groups = dict(demo.breakdown(kpi_id, period, dimension))
    groups.pop(None, None)
    largest = max(groups, key=lambda group: groups[group].sample_size or 0)
    return [{}, {dimension: [largest]}]


@pytest.mark.parametrize("grain", sorted(PERIODS))
@pytest.mark.parametrize("kpi_id", sorted(REGISTRY))
def test_trend_equals_the_function_on_each_part_alone(demo, kpi_id, grain):
    period, step = PERIODS[grain]
    for filters in filter_cases(demo, kpi_id, period):
        series = demo.trend(kpi_id, period, step, filters)
        parts = tuple(result.period for result in series)
        each = scope_for(demo, Scope(period, filters, parts))
        function = REGISTRY[kpi_id].value
        expected = [computed(function(each.at(p.start, p.end))) for p in parts]
        if not filters and grain == "months":
            assert any(m.value for m in expected), "the demo company has data for every KPI"
        for got, alone in zip(series, expected, strict=True):
            where = (got.period.label, filters)
            assert got.value == pytest.approx(alone.value), (where, "value")
            assert got.numerator == pytest.approx(alone.numerator), (where, "numerator")
            assert got.denominator == pytest.approx(alone.denominator), (where, "denominator")
            assert got.sample_size == alone.sample_size, (where, "sample size")
            assert flat(got.details) == pytest.approx(flat(alone.details)), (where, "details")
