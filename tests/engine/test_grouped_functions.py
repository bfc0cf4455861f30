"""A KPI function's grouped form (one query for every value of a dimension) gives each
group the same answer as the function run with that value as a filter (the reference:
`run_per_value`, slow but obviously right), on the demo company and on both engines.

The demo company is used because it has many reps, teams, segments, channels and
products with data in every table, so groups differ from each other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from cruscotto.catalog import load_catalog
from cruscotto.engine.functions.registry import REGISTRY
from cruscotto.engine.functions.scope_runner import has_data, run_per_value, scope_for
from cruscotto.engine.question.period import Period
from cruscotto.engine.question.scope import Scope
from tests.engine.fixtures import flat

PERIOD = Period(dt.date(2026, 1, 1), dt.date(2026, 3, 1))  # two whole months
# Every declared dimension of every KPI with a grouped form.
CASES = [
    (kpi_id, dimension)
    for kpi_id, entry in sorted(REGISTRY.items())
    if entry.grouped is not None
    for dimension in load_catalog().get(kpi_id).dimensions
]


@pytest.mark.parametrize(("kpi_id", "dimension"), CASES)
def test_grouped_form_equals_one_filter_per_value(demo, kpi_id, dimension):
    fast = dict(demo.breakdown(kpi_id, PERIOD, dimension))
    scope = scope_for(demo, Scope(PERIOD, {}, None, dimension))
    # Records without a value of the dimension form the None group, which a filter by
    # value cannot reach; every other group must match exactly: the groups found (tickets
    # have channels no lead has) and every value listed for pickers.
    fast.pop(None, None)
    function = REGISTRY[kpi_id].value
    slow = run_per_value(function, demo, scope, dimension, sorted(fast))
    assert slow, "the demo company has data for every group-able KPI"
    assert set(fast) == set(slow)
    # Every other value (listed for pickers) must have no data either. Checked at once,
    # with all of them as one filter: a record of any one of them is a record of the
    # union, so the union is empty exactly when each is (one run, not one per value).
    others = sorted({v for v, _ in demo.dimension_values(dimension)} - set(fast))
    if others:
        assert not has_data(function(replace(scope, filters={dimension: others}))), others
    for group, expected in slow.items():
        got = fast[group]
        assert got.value == pytest.approx(expected.value), (group, "value")
        assert got.numerator == pytest.approx(expected.numerator), (group, "numerator")
        assert got.denominator == pytest.approx(expected.denominator), (group, "denominator")
        assert got.sample_size == expected.sample_size, (group, "sample size")
        assert flat(got.details) == pytest.approx(flat(expected.details)), (group, "details")
