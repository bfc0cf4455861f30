"""How the reports ask for records: through the engine's public surface.

Filters reach a table's dimensions through the engine's joins (`team` of a deal is its
owner's team, `segment` its account's…), periods are cut at local midnight, and amounts
go to the base currency with the engine's converter (`Engine.records_of` and friends),
so a report and a KPI never disagree on what "March, team North, in EUR" means.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis.expr.types as ir

from cruscotto.engine import Engine, Filters, Period, clean_filters, filterable

__all__ = [
    "bucket",
    "clean_filters",
    "count_if",
    "in_period",
    "scoped",
    "supports",
    "with_base_amount",
]


def supports(source: str, dimension: str) -> bool:
    """Whether records of `source` can be cut by `dimension`."""
    return filterable(source, dimension)


def scoped(engine: Engine, source: str, filters: Filters | None) -> ir.Table:
    """The records of `source` whose dimensions take the allowed values; its own columns."""
    return engine.records_of(source, filters=filters)


def in_period(column: ir.Value, period: Period, engine: Engine) -> ir.BooleanValue:
    """Inside the period: timestamps cut at local midnight, dates taken as they are."""
    return engine.in_period(column, period)


def bucket(column: ir.Value, periods: Sequence[Period], engine: Engine) -> ir.StringValue:
    """The label of the sub-period each value falls in (NULL outside them all)."""
    return engine.period_label(column, periods)


def count_if(condition: ir.BooleanValue) -> ir.IntegerScalar:
    """How many rows meet `condition` (PostgreSQL cannot cast a boolean to an integer)."""
    return condition.ifelse(1, 0).sum()


# `table` plus `amount_base`: an amount in the base currency at the rate of a day (or the
# latest earlier rate); a record whose currency has none is an error naming both.
with_base_amount = Engine.in_base_currency
