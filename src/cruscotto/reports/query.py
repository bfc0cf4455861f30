"""How the reports ask the warehouse, with the KPI engine's own pieces.

Filters reach a table's dimensions through the engine's joins (`team` of a deal is its
owner's team, `segment` its account's…), periods are cut at local midnight with the
engine's time bounds, and amounts go to the base currency with the engine's converter, so
a report and a KPI never disagree on what "March, team North, in EUR" means.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from cruscotto.engine import Engine, Filters, Period, dimensions
from cruscotto.engine.currency import RATE
from cruscotto.engine.rows import joined_name, source_view
from cruscotto.engine.timebounds import bound
from cruscotto.model import table as model_table


def clean_filters(filters: Filters | None) -> dict[str, list[str]]:
    """The filters with empty choices dropped (an empty picker means "no filter")."""
    clean = {}
    for dimension, values in (filters or {}).items():
        values = [str(v) for v in ([values] if isinstance(values, str) else values) if v]
        if values:
            clean[dimension] = values
    return clean


def supports(source: str, dimension: str) -> bool:
    """Whether records of `source` can be cut by `dimension`."""
    try:
        return dimensions.reference(source, dimension) is not None
    except dimensions.DimensionError:
        return False


def scoped(engine: Engine, source: str, filters: Filters | None) -> ir.Table:
    """The records of `source` whose dimensions take the allowed values; its own columns."""
    clean = clean_filters(filters)
    references = {dimensions.require(source, d) for d in clean}
    view = source_view(engine.table, source, references)
    for dimension, values in clean.items():
        column = joined_name(dimensions.require(source, dimension))
        view = view.filter(view[column].isin(values))
    return view.select(*model_table(source).column_names)


def in_period(column: ir.Value, period: Period, engine: Engine) -> ir.BooleanValue:
    """Inside the period: timestamps cut at local midnight, dates taken as they are."""
    kind = "timestamp" if column.type().is_timestamp() else "date"
    start, end = bound(period.start, kind, engine.tz), bound(period.end, kind, engine.tz)
    return (column >= start) & (column < end)


def bucket(column: ir.Value, periods: Sequence[Period], engine: Engine) -> ir.StringValue:
    """The label of the sub-period each value falls in (NULL outside them all)."""
    return ibis.cases(*[(in_period(column, p, engine), p.label) for p in periods], else_=None)


def count_if(condition: ir.BooleanValue) -> ir.IntegerScalar:
    """How many rows meet `condition` (PostgreSQL cannot cast a boolean to an integer)."""
    return condition.ifelse(1, 0).sum()


def with_base_amount(
    engine: Engine,
    table: ir.Table,
    amount: str,
    day: ir.Value,
    source: str,
    name: str = "amount_base",
) -> ir.Table:
    """`table` plus `name`: `amount` in the base currency at the rate of `day` (or the
    latest earlier rate). A record whose currency has no such rate is an error naming
    the currency and the day, raised here rather than summed as nothing."""
    converter = engine.currency
    joined = converter.with_rate(table, day)
    if engine.execute(joined.count(where=converter.missing(joined, joined[amount]))):
        raise converter.explain_missing(joined, source, joined[amount])
    helpers = [c for c in joined.columns if c.startswith("fx__") or c == RATE]
    return joined.mutate(**{name: converter.in_base(joined, joined[amount])}).drop(*helpers)
