"""The trend forms of the marketing and profitability KPIs (every part in one query) give
each part the same answer as the function run over that part alone (the reference: what
a trend does without a trend form), on the demo company and on both engines.

Months and weeks are both checked: a week takes the P&L of the month it starts in, and
campaign spend and the list size carry over from one part to the next. (EBITDA margin,
enterprise value and list growth compute a single period as a trend of one part, so for
them this checks that parts do not leak into each other; test_profitability_kpis checks
their arithmetic by hand.)
"""

from __future__ import annotations

import datetime as dt

import pytest

from cruscotto.demo import generate
from cruscotto.engine import finance, marketing_kpis
from cruscotto.engine.customer_base import add_months
from cruscotto.engine.measured import KPI_FUNCTIONS, TRENDS
from cruscotto.engine.period import Period
from cruscotto.engine.scope import Scope
from cruscotto.engine.scoped_functions import scope_for
from tests.conftest import new_warehouse
from tests.engine.conftest import ENGINES
from tests.engine.fixtures import engine_for

TODAY = dt.date(2026, 3, 18)
FIRST_MONTH = dt.date(2025, 3, 1)
MONTHS = [(add_months(FIRST_MONTH, i), add_months(FIRST_MONTH, i + 1)) for i in range(12)]
WEEKS = [
    (dt.date(2025, 12, 29) + dt.timedelta(weeks=i), dt.date(2026, 1, 5) + dt.timedelta(weeks=i))
    for i in range(10)
]  # 29 December 2025 … 9 March 2026: weeks that straddle months
KPIS = sorted(
    kpi_id
    for kpi_id, trend in TRENDS.items()
    if trend.__module__ in (marketing_kpis.__name__, finance.__name__)
)


@pytest.fixture(scope="module", params=ENGINES)
def demo(request, tmp_path_factory):
    warehouse = new_warehouse(request.param, request, tmp_path_factory.mktemp("demo"))
    generate(warehouse, scale=0.05, seed=11, today=TODAY)
    yield engine_for(warehouse, today=TODAY)
    warehouse.close()


def filter_cases(demo, kpi_id):
    """No filter, and a channel (CAC's fully loaded figure is only shown unfiltered)."""
    cases = [{}]
    if "channel" in demo.catalog.get(kpi_id).dimensions:
        channel = next(value for value, _ in demo.dimension_values("channel"))
        cases.append({"channel": [channel]})
    return cases


@pytest.mark.parametrize("parts", [MONTHS, WEEKS], ids=["months", "weeks"])
@pytest.mark.parametrize("kpi_id", KPIS)
def test_trend_form_equals_the_function_per_part(demo, kpi_id, parts):
    period = Period(parts[0][0], parts[-1][1])
    buckets = tuple(Period(start, end) for start, end in parts)
    for filters in filter_cases(demo, kpi_id):
        fast = TRENDS[kpi_id](scope_for(demo, Scope(period, filters, buckets)), parts)
        each = scope_for(demo, Scope(period, filters, buckets))
        slow = [KPI_FUNCTIONS[kpi_id](each.at(start, end)) for start, end in parts]
        assert any(m.value for m in slow), "the demo company has data for every KPI"
        assert len(fast) == len(slow)
        for (start, _), got, expected in zip(parts, fast, slow, strict=True):
            where = (start, filters)
            assert got.value == pytest.approx(expected.value), (where, "value")
            assert got.numerator == pytest.approx(expected.numerator), (where, "numerator")
            assert got.denominator == pytest.approx(expected.denominator), (where, "denominator")
            assert got.sample_size == expected.sample_size, (where, "sample size")
            assert got.details == pytest.approx(expected.details), (where, "details")
