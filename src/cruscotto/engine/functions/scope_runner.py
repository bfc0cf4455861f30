"""Running a KPI function written for one `KpiScope` as the engine's questions need it.

The engine asks a function for one group (a value), one group per sub-period (a trend)
or one per dimension value (a breakdown). A computation with a trend form answers every
sub-period in one go, and one with a grouped form every value of the dimension (its
tables carry the value as a GROUP column). Without them a trend runs the computation
once per sub-period and a breakdown once per value of the dimension, with that value
added to the filters: the reference the faster forms are tested against.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from cruscotto.engine.functions.kpi_scope import KpiScope
from cruscotto.engine.question.result import Measured, Results
from cruscotto.engine.question.scope import TOTAL, Scope

if TYPE_CHECKING:
    from cruscotto.engine.context import EngineContext

KpiFunction = Callable[[KpiScope], Measured]
# A faster trend: every consecutive sub-period [start, end) at once, in order.
TrendFunction = Callable[[KpiScope, list[tuple[Any, Any]]], list[Measured]]
# A faster breakdown: for a scope broken down `by` a dimension, {group: Measured} of every
# value of it at once (groups without records may be left out).
GroupedFunction = Callable[[KpiScope], dict[Any, Measured]]


def scope_for(engine: EngineContext, scope: Scope) -> KpiScope:
    facts = engine.batch_facts()
    return KpiScope(
        warehouse=engine.warehouse,
        settings=engine.settings,
        start=scope.period.start,
        end=scope.period.end,
        filters=dict(scope.filters),
        today=engine.today,
        clock=engine.now,
        currency=engine.currency,
        detailed=not scope.grouped,
        memo={} if facts is None else facts,
    )


def computed(measured: Measured) -> Measured:
    """A copy the engine may add details to: the function's answer may be remembered for
    the rest of the question (`KpiScope.remember`)."""
    return replace(measured, details=dict(measured.details))


def has_data(measured: Measured) -> bool:
    """Whether a breakdown group has records behind it (else it is left out)."""
    if measured.sample_size is not None or measured.denominator is not None:
        return bool(measured.sample_size) or bool(measured.denominator)
    return measured.value is not None


def _consecutive(buckets) -> bool:
    return all(a.end == b.start for a, b in zip(buckets, buckets[1:], strict=False))


def run_grouped(
    function: KpiFunction,
    engine: EngineContext,
    scope: Scope,
    trend: TrendFunction | None = None,
    grouped: GroupedFunction | None = None,
) -> Results:
    base = scope_for(engine, scope)
    if scope.buckets is not None and trend is not None and _consecutive(scope.buckets):
        parts = [(bucket.start, bucket.end) for bucket in scope.buckets]
        return {index: computed(m) for index, m in enumerate(trend(base, parts))}
    if scope.buckets is not None:
        if _consecutive(scope.buckets):
            base = replace(base, parts=tuple((b.start, b.end) for b in scope.buckets))
        return {
            index: computed(function(base.at(bucket.start, bucket.end)))
            for index, bucket in enumerate(scope.buckets)
        }
    if scope.dimension is not None and grouped is not None:
        answers = grouped(replace(base, by=scope.dimension))
        return {group: computed(m) for group, m in answers.items() if has_data(m)}
    if scope.dimension is not None:
        return run_per_value(function, engine, base, scope.dimension)
    return {TOTAL: computed(function(base))}


def run_per_value(
    function: KpiFunction,
    engine: EngineContext,
    base: KpiScope,
    dimension: str,
    values: list[str] | None = None,
) -> Results:
    """A breakdown the slow way: the computation once per value of the dimension (those
    listed for pickers, unless `values` are given)."""
    if values is None:
        values = [value for value, _label in engine.dimension_values(dimension)]
    results: Results = {}
    for group in values:
        measured = function(replace(base, filters={**base.filters, dimension: [group]}))
        if has_data(measured):
            results[group] = computed(measured)
    return results
