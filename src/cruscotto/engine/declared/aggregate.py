"""Measures → grouped Ibis queries.

Measures over the same table and dating column share one query: each is an aggregate
with its own `where`, over the records of the period (and filters), grouped as the scope
says. Counts and sums of an empty group are 0; means, medians, minima and maxima are None.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from cruscotto.catalog.definition import Measure
from cruscotto.engine.question.scope import TOTAL, Scope
from cruscotto.engine.question.timebounds import bound
from cruscotto.engine.rules import dimensions
from cruscotto.engine.rules.rows import (
    column_type,
    compile_row,
    joined_name,
    referenced,
    source_view,
)

if TYPE_CHECKING:
    from cruscotto.engine.context import EngineContext

KEY = "_key"
MISSING_RATES = "_missing_rates"
ZERO_WHEN_EMPTY = ("count", "count_distinct", "sum")

Groups = dict[Any, dict[str, Any]]


def aggregate(engine: EngineContext, measures: Mapping[str, Measure], scope: Scope) -> Groups:
    """{group key: {measure name: value}} for every group with data or expected."""
    by_table: dict[tuple[str, str | None], dict[str, Measure]] = {}
    for name, measure in measures.items():
        by_table.setdefault((measure.source, measure.date), {})[name] = measure
    groups: Groups = {key: {} for key in scope.expected_keys()}
    for (source, date), batch in by_table.items():
        for key, values in _query(engine, source, date, batch, scope).items():
            groups.setdefault(key, {}).update(values)
    for values in groups.values():
        for name, measure in measures.items():
            if values.get(name) is None:
                values[name] = 0 if measure.agg in ZERO_WHEN_EMPTY else None
    return groups


def filtered_view(
    engine: EngineContext,
    source: str,
    date: str | None,
    measures: Mapping[str, Measure],
    scope: Scope,
    extra_references: set[str] | None = None,
    convert_money: bool = True,
) -> ir.Table:
    """The records of `source` in the scope's period that pass its filters, with joins."""
    references = referenced(t for m in measures.values() for t in (m.expr, m.where))
    references |= extra_references or set()
    references.discard("at")
    references |= {dimensions.require(source, d) for d in scope.filters}
    if scope.dimension:
        references.add(dimensions.require(source, scope.dimension))
    view = source_view(engine.table, source, references)
    if date is not None:
        kind = column_type(source, date)
        start = bound(scope.period.start, kind, engine.tz)
        end = bound(scope.period.end, kind, engine.tz)
        view = view.filter(view[date] >= start, view[date] < end)
    for dimension, allowed in scope.filters.items():
        values = list(allowed)
        if values:
            view = view.filter(
                view[joined_name(dimensions.require(source, dimension))].isin(values)
            )
    if convert_money and any(m.money for m in measures.values()):
        if date is None:
            raise ValueError(f"money on {source} needs a dating column for its exchange rate")
        view = engine.currency.with_rate(view, view[date])
    return view


def group_key(engine: EngineContext, view: ir.Table, source: str, date: str | None, scope: Scope):
    """The expression naming each record's group, or None when nothing is grouped."""
    if scope.buckets is not None:
        return bucket_case(engine, view[date], column_type(source, date), scope.buckets)
    if scope.dimension is not None:
        return view[joined_name(dimensions.require(source, scope.dimension))].cast("string")
    return None


def bucket_case(engine: EngineContext, column: ir.Value, kind: str, buckets) -> ir.IntegerValue:
    """The index of the sub-period a date/timestamp falls in (None outside them all)."""
    # Buckets are contiguous and sorted: a record is in the first one it ends before.
    start = bound(buckets[0].start, kind, engine.tz)
    cases = [(column < bound(b.end, kind, engine.tz), i) for i, b in enumerate(buckets)]
    return ibis.cases((column < start, None), *cases, else_=None)


def missing_rates(engine: EngineContext, view: ir.Table, measures: Mapping[str, Measure]) -> dict:
    """An aggregate counting the money records that have no exchange rate (normally 0).

    Computed in the same query as the measures, so checking costs no extra round trip.
    """
    money = [m for m in measures.values() if m.money]
    if not money:
        return {}
    condition = ibis.literal(False)
    extra = {"at": view["at"]} if "at" in view.columns else None
    for measure in money:
        used = compile_row(measure.where, view, extra) if measure.where else ibis.literal(True)
        amount = compile_row(measure.expr, view, extra) if measure.expr else None
        condition = condition | (used.fill_null(False) & engine.currency.missing(view, amount))
    return {MISSING_RATES: view.count(where=condition)}


def measure_expression(
    engine: EngineContext, view: ir.Table, measure: Measure, extra=None
) -> ir.Value:
    where = compile_row(measure.where, view, extra) if measure.where else None
    if measure.agg == "count":
        return view.count(where=where)
    value = compile_row(measure.expr, view, extra)
    if measure.money:
        value = engine.currency.in_base(view, value)
    if measure.agg == "count_distinct":
        return value.nunique(where=where)
    if measure.agg == "median" and where is not None:
        # The same median (nulls are skipped); Spark refuses the conditional percentage
        # that `median(where=)` compiles to there.
        return ibis.ifelse(where, value, ibis.null()).median()
    return getattr(value, measure.agg)(where=where)


def _query(
    engine: EngineContext,
    source: str,
    date: str | None,
    measures: Mapping[str, Measure],
    scope: Scope,
) -> Groups:
    if date is None and scope.buckets is not None:
        # Undated records (such as the list of reps) are the same in every sub-period.
        total = _query(engine, source, date, measures, replace(scope, buckets=None))[TOTAL]
        return {i: dict(total) for i in range(len(scope.buckets))}
    view = filtered_view(engine, source, date, measures, scope)
    aggregates = {name: measure_expression(engine, view, m) for name, m in measures.items()}
    aggregates.update(missing_rates(engine, view, measures))
    key = group_key(engine, view, source, date, scope)
    if key is None:
        frame = engine.execute(view.aggregate(**aggregates))
    else:
        frame = engine.execute(view.group_by(**{KEY: key}).aggregate(**aggregates))
    if MISSING_RATES in frame.columns and frame[MISSING_RATES].fillna(0).sum() > 0:
        raise engine.currency.explain_missing(view, source)
    if key is None:
        return {TOTAL: _row_values(frame.iloc[0], measures)}
    result: Groups = {}
    for _, row in frame.iterrows():
        group = _clean_key(row[KEY])
        if scope.buckets is not None and group is None:
            continue
        result[int(group) if scope.buckets is not None else group] = _row_values(row, measures)
    return result


def _row_values(row, measures: Mapping[str, Measure]) -> dict[str, Any]:
    return {name: python_number(row[name]) for name in measures}


def python_number(value: Any) -> float | int | None:
    """A plain Python number from what a backend returned (numpy, NaN and NA included)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, bool | np.bool_):
        return int(value)
    if isinstance(value, int | np.integer):
        return int(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return None if math.isnan(number) else number


def _clean_key(value: Any) -> Any:
    """A group value as a plain string (dimension) or int (bucket); missing is None."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.integer | np.floating):
        return int(value)
    return value
