"""A service or operations KPI's trend form (every month of a trend in one query) gives
each month the same answer as the function run on that month alone (the reference,
slow but obviously right), on the demo company and on both engines, with and without
a filter.

The trend runs to after the demo's `today`, so it has full months, the month of today
(open tasks and pending SLAs not yet due) and a month still to come, without data.

Their grouped forms are checked by test_grouped_functions for the dimensions it lists;
the other dimensions of these KPIs are checked here the same way.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cruscotto.demo import generate
from cruscotto.engine.measured import KPI_FUNCTIONS, TRENDS
from cruscotto.engine.period import Period
from cruscotto.engine.scope import Scope
from cruscotto.engine.scoped_functions import scope_for
from tests.conftest import new_warehouse
from tests.engine.conftest import ENGINES
from tests.engine.fixtures import engine_for
from tests.engine.test_grouped_functions import (
    test_grouped_form_equals_one_filter_per_value as grouped_form_equals_one_filter_per_value,
)

TODAY = dt.date(2026, 3, 18)
TREND = Period(dt.date(2025, 1, 1), dt.date(2026, 5, 1))  # sixteen months
KPIS = ["nps", "complaints", "sla_compliance", "on_time_completion", "utilization"]


@pytest.fixture(scope="module", params=ENGINES)
def demo(request, tmp_path_factory):
    warehouse = new_warehouse(request.param, request, tmp_path_factory.mktemp("demo"))
    generate(warehouse, scale=0.05, seed=11, today=TODAY)
    yield engine_for(warehouse, today=TODAY)
    warehouse.close()


def _filters(demo, kpi_id: str, filtered: bool) -> dict[str, list[str]]:
    """No filter, or the KPI's first dimension set to its value with the largest sample."""
    if not filtered:
        return {}
    dimension = demo.catalog.get(kpi_id).dimensions[0]
    groups = dict(demo.breakdown(kpi_id, TREND, dimension))
    groups.pop(None, None)
    largest = max(groups, key=lambda group: groups[group].sample_size or 0)
    return {dimension: [largest]}


@pytest.mark.parametrize("filtered", [False, True], ids=["all", "filtered"])
@pytest.mark.parametrize("kpi_id", KPIS)
def test_trend_form_equals_the_function_per_month(demo, kpi_id, filtered):
    months = tuple(TREND.split("month"))
    scope = scope_for(demo, Scope(TREND, _filters(demo, kpi_id, filtered), months))
    parts = [(month.start, month.end) for month in months]
    fast = TRENDS[kpi_id](scope, parts)
    slow = [KPI_FUNCTIONS[kpi_id](scope.at(start, end)) for start, end in parts]
    assert len(fast) == len(slow)
    assert any(expected.value for expected in slow), "the demo company has data for the KPI"
    for month, got, expected in zip(months, fast, slow, strict=True):
        assert got.value == pytest.approx(expected.value), (month, "value")
        assert got.numerator == pytest.approx(expected.numerator), (month, "numerator")
        assert got.denominator == pytest.approx(expected.denominator), (month, "denominator")
        assert got.ci_low == pytest.approx(expected.ci_low), (month, "ci_low")
        assert got.ci_high == pytest.approx(expected.ci_high), (month, "ci_high")
        assert got.sample_size == expected.sample_size, (month, "sample size")
        assert got.details == pytest.approx(expected.details), (month, "details")


OTHER_DIMENSIONS = [
    ("nps", "size_band"),
    ("nps", "country"),
    ("complaints", "size_band"),
    ("complaints", "country"),
    ("sla_compliance", "priority"),
    ("sla_compliance", "category"),
    ("on_time_completion", "project"),
]


@pytest.mark.parametrize(("kpi_id", "dimension"), OTHER_DIMENSIONS)
def test_grouped_form_by_other_dimensions(demo, kpi_id, dimension):
    assert dimension in demo.catalog.get(kpi_id).dimensions
    grouped_form_equals_one_filter_per_value(demo, kpi_id, dimension)
