"""A KPI function's grouped form (one query for every value of a dimension) gives each
group the same answer as the function run with that value as a filter (the reference:
`run_per_value`, slow but obviously right), on the demo company and on both engines.

The demo company is used because it has many reps, teams, segments, channels and
products with data in every table, so groups differ from each other.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cruscotto.catalog import load_catalog
from cruscotto.engine.period import Period
from cruscotto.engine.registry import scope_functions
from cruscotto.engine.scope import Scope
from cruscotto.engine.scope_runner import run_per_value, scope_for
from tests.engine.fixtures import flat

PERIOD = Period(dt.date(2026, 1, 1), dt.date(2026, 3, 1))  # two whole months
# Every declared dimension of every KPI with a grouped form.
CASES = [
    (kpi_id, dimension)
    for kpi_id, entry in sorted(scope_functions().items())
    if entry.grouped is not None
    for dimension in load_catalog().get(kpi_id).dimensions
]


@pytest.mark.parametrize(("kpi_id", "dimension"), CASES)
def test_grouped_form_equals_one_filter_per_value(demo, kpi_id, dimension):
    fast = dict(demo.breakdown(kpi_id, PERIOD, dimension))
    scope = scope_for(demo, Scope(PERIOD, {}, None, dimension))
    # Records without a value of the dimension form the None group, which a filter by
    # value cannot reach; every other group must match exactly. The values are those
    # listed for pickers and those found (tickets have channels no lead has).
    fast.pop(None, None)
    values = sorted({v for v, _ in demo.dimension_values(dimension)} | set(fast))
    slow = run_per_value(scope_functions()[kpi_id].value, demo, scope, dimension, values)
    assert slow, "the demo company has data for every group-able KPI"
    assert set(fast) == set(slow)
    for group, expected in slow.items():
        got = fast[group]
        assert got.value == pytest.approx(expected.value), (group, "value")
        assert got.numerator == pytest.approx(expected.numerator), (group, "numerator")
        assert got.denominator == pytest.approx(expected.denominator), (group, "denominator")
        assert got.sample_size == expected.sample_size, (group, "sample size")
        assert flat(got.details) == pytest.approx(flat(expected.details)), (group, "details")
