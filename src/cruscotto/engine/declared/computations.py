"""The KPI types, implemented once each: simple measures, ratios, snapshots, derived.

Each returns {group key: Measured}; the engine turns those into KpiResults (intervals,
status, maturing). KPI functions (engine/functions/registry.py) return the same shape.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import ibis

from cruscotto.catalog.definition import Derived, Function, Measure, Ratio, Simple, Snapshot
from cruscotto.catalog.expression import Semantics, evaluate, parse
from cruscotto.engine.declared.aggregate import (
    KEY,
    MISSING_RATES,
    ZERO_WHEN_EMPTY,
    aggregate,
    filtered_view,
    measure_expression,
    missing_rates,
    python_number,
)
from cruscotto.engine.functions import registry
from cruscotto.engine.question.result import Measured, Results
from cruscotto.engine.question.scope import TOTAL, Scope
from cruscotto.engine.question.timebounds import utc_instant
from cruscotto.engine.rules import dimensions
from cruscotto.engine.rules.rows import compile_row, joined_name, referenced

if TYPE_CHECKING:
    from cruscotto.engine.context import EngineContext


def compute(engine: EngineContext, computation, scope: Scope) -> Results:
    measures = measures_of(computation)
    if measures is not None:
        return assemble_all(computation, aggregate(engine, measures, scope), scope)
    if isinstance(computation, Snapshot):
        return snapshot(engine, computation, scope)
    if isinstance(computation, Derived):
        return derived(engine, computation, scope)
    if isinstance(computation, Function):
        return registry.lookup(computation.name).run(engine, scope)
    raise TypeError(f"no implementation for {type(computation).__name__}")


def counted(measure: Measure) -> Measure:
    """How many records stand behind `measure` (those with a value, for non-counts)."""
    if measure.agg == "count":
        return measure
    present = f"notnull({measure.expr})"
    where = f"({measure.where}) and {present}" if measure.where else present
    return replace(measure, agg="count", expr=None, where=where, money=False)


# Aggregations of a value a record may not know (an amount left empty): the records
# without one are counted apart, so an unknown is never summed as 0.
OF_VALUES = ("sum", "mean", "median", "min", "max")


def all_records(measure: Measure) -> Measure | None:
    """Every record `measure` looks at, known value or not (None for counts)."""
    if measure.agg not in OF_VALUES or measure.expr is None:
        return None
    return replace(measure, agg="count", expr=None, money=False)


def with_unknown(computed: Measured, records: int | None) -> Measured:
    """`computed` saying how many of its `records` had no value (details["unknown"]);
    when every one is unknown the value is None ("no data"), not a sum of nothing."""
    known = computed.sample_size or 0
    if records is None or records <= known:
        return computed
    computed.details["unknown"] = int(records - known)
    if known == 0:
        computed.value = None
    return computed


def measures_of(computation) -> dict[str, Measure] | None:
    """The measures a simple or ratio KPI needs (None for types computed otherwise).

    Measures of many KPIs can then be aggregated together, one query per table and
    dating column (see Engine.values).
    """
    if isinstance(computation, Simple):
        measure = computation.measure
        measures = {"value": measure, "n": counted(measure)}
        if all_records(measure) is not None:
            measures["records"] = all_records(measure)
        if measure.agg == "mean":
            measures["median"] = replace(measure, agg="median")
        return measures
    if isinstance(computation, Ratio):
        measures = {"num": computation.numerator, "den": computation.denominator}
        for part, measure in list(measures.items()):
            # A money sum may rest on amounts some records do not know: count them.
            everything = all_records(measure) if measure.money else None
            if everything is not None:
                measures[f"{part}_n"] = counted(measure)
                measures[f"{part}_records"] = everything
        return measures
    return None


def assemble(computation, values: dict[str, Any]) -> Measured:
    """A simple or ratio KPI's result from its aggregated measures."""
    if isinstance(computation, Simple):
        details = {"median": values["median"]} if "median" in values else {}
        computed = Measured(values["value"], sample_size=int(values["n"]), details=details)
        return with_unknown(computed, values.get("records"))
    num, den = values["num"], values["den"]
    sample = int(den) if computation.denominator.agg == "count" and den is not None else None
    computed = Measured(divide(num, den), num, den, sample_size=sample)
    unknown = 0
    for part in ("num", "den"):
        records, known = values.get(f"{part}_records"), values.get(f"{part}_n")
        if records is not None and known is not None and records > known:
            unknown += int(records - known)
            if not known:  # every amount of that side unknown: no data, not a sum of 0
                computed.value = None
    if unknown:
        computed.details["unknown"] = unknown
    return computed


def assemble_all(computation, groups: dict[Any, dict[str, Any]], scope: Scope) -> Results:
    results = {}
    for key, values in groups.items():
        # In a breakdown, a value of the dimension none of whose records count (every
        # measure's `where` excluded them) is not part of this KPI's rows.
        if scope.dimension is not None and all(v in (0, None) for v in values.values()):
            continue
        results[key] = assemble(computation, values)
    return results


def divide(numerator: float | None, denominator: float | None) -> float | None:
    """numerator ÷ denominator, or None when the denominator is zero or missing."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def snapshot(engine: EngineContext, spec: Snapshot, scope: Scope) -> Results:
    measure = spec.measure
    moments = scope.buckets if scope.buckets is not None else (scope.period,)
    at_values = [
        utc_instant(p.end, engine.tz) if spec.at_kind == "instant" else p.last_day for p in moments
    ]
    moment_table = ibis.memtable(
        {KEY: list(range(len(moments))), "at": at_values, "at_day": [p.last_day for p in moments]}
    )
    whole = replace(scope, buckets=None)
    extra = referenced([spec.active])
    view = filtered_view(
        engine, measure.source, None, {"v": measure}, whole, extra, convert_money=False
    )
    view = view.cross_join(moment_table)
    view = view.filter(compile_row(spec.active, view, {"at": view["at"]}))
    if measure.money:
        view = engine.currency.with_rate(view, view["at_day"])
    aggregates = {
        "value": measure_expression(engine, view, measure),
        "n": measure_expression(engine, view, counted(measure)),
        **missing_rates(engine, view, {"value": measure}),
    }
    everything = all_records(measure)
    if everything is not None:
        aggregates["records"] = measure_expression(engine, view, everything)
    if scope.buckets is not None:
        keys = {KEY: view[KEY]}
    elif scope.dimension is not None:
        reference = dimensions.require(measure.source, scope.dimension)
        keys = {KEY: view[joined_name(reference)].cast("string")}
    else:
        keys = {}
    query = view.group_by(**keys).aggregate(**aggregates) if keys else view.aggregate(**aggregates)
    frame = engine.execute(query)
    if MISSING_RATES in frame.columns and frame[MISSING_RATES].fillna(0).sum() > 0:
        raise engine.currency.explain_missing(view, measure.source)
    empty = 0 if measure.agg in ZERO_WHEN_EMPTY else None
    results: Results = {key: Measured(empty, sample_size=0) for key in scope.expected_keys()}
    for _, row in frame.iterrows():
        key = python_number(row[KEY]) if keys else TOTAL
        if scope.buckets is None and scope.dimension is not None:
            key = row[KEY] if isinstance(row[KEY], str) else None
        value = python_number(row["value"])
        computed = Measured(empty if value is None else value, sample_size=int(row["n"]))
        results[key] = with_unknown(computed, python_number(row.get("records")))
    return results


class _NumberSemantics(Semantics):
    """Arithmetic over computed KPI values; anything undefined makes the result None."""

    def __init__(self, values: dict[str, float | None]):
        self.values = values

    def name(self, name: str) -> Any:
        return self.values[name]

    def divide(self, left: Any, right: Any) -> Any:
        return divide(left, right)


def combine(expression: str, values: dict[str, float | None]) -> float | None:
    """Evaluate a derived KPI's arithmetic; None if an input is None or a divisor is 0."""
    if any(values.get(name) is None for name in parse(expression, "arithmetic").names):
        return None
    result = evaluate(parse(expression, "arithmetic"), _NumberSemantics(values))
    return None if result is None else float(result)


def derived(engine: EngineContext, spec: Derived, scope: Scope) -> Results:
    names = sorted(parse(spec.expression, "arithmetic").names)
    inputs = {
        name: compute(engine, spec.inputs[name], scope)
        if name in spec.inputs
        else engine.computed(name, scope)
        for name in names
    }
    keys = list(scope.expected_keys())
    for per_key in inputs.values():
        keys.extend(k for k in per_key if k not in keys)
    results = {}
    for key in keys:
        values = {n: (inputs[n][key].value if key in inputs[n] else None) for n in names}
        results[key] = Measured(combine(spec.expression, values), details=values)
    return results
