"""Records of a source table under the KPI rules, for the reports and other features.

A report that lists deals or leads must mean what the KPIs mean by "March, team North,
in EUR": filters reach a record's dimensions through the same joins (`team` of a deal is
its owner's team, `segment` its account's…), periods are cut at local midnight, and
amounts go to the base currency at the rate of the record's day. These functions are
that meaning, offered through the engine's public surface (`Engine.records_of`…).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from cruscotto.engine.question.errors import DimensionError
from cruscotto.engine.question.period import Period
from cruscotto.engine.question.scope import Filters
from cruscotto.engine.question.timebounds import bound
from cruscotto.engine.rules import dimensions
from cruscotto.engine.rules.currency import RATE
from cruscotto.engine.rules.rows import joined_name, source_view
from cruscotto.model import table as model_table

if TYPE_CHECKING:
    from cruscotto.engine.context import EngineContext


def clean_filters(filters: Filters | None) -> dict[str, list[str]]:
    """The filters with empty choices dropped (an empty picker means "no filter")."""
    clean = {}
    for dimension, values in (filters or {}).items():
        values = [str(v) for v in ([values] if isinstance(values, str) else values) if v]
        if values:
            clean[dimension] = values
    return clean


def filterable(source: str, dimension: str) -> bool:
    """Whether records of `source` can be cut by `dimension`."""
    try:
        return dimensions.reference(source, dimension) is not None
    except DimensionError:
        return False


def belonging_to(view: ir.Table, people: Sequence[str]) -> ir.Table:
    """The rows of a records view whose own person (PERSON_COLUMNS, the first the view
    has) is one of `people`; a view without a person column is returned as it is (its
    rows belong to whom the filters say, e.g. the owner of an account)."""
    column = next((c for c in dimensions.PERSON_COLUMNS if c in view.columns), None)
    if column is None:
        return view
    return view.filter(view[column].cast("string").isin([str(p) for p in people]))


def in_period(engine: EngineContext, column: ir.Value, period: Period) -> ir.BooleanValue:
    """Whether a date or timestamp is in the period: timestamps cut at local midnight,
    dates taken as they are."""
    kind = "timestamp" if column.type().is_timestamp() else "date"
    start, end = bound(period.start, kind, engine.tz), bound(period.end, kind, engine.tz)
    return (column >= start) & (column < end)


def period_label(
    engine: EngineContext, column: ir.Value, periods: Sequence[Period]
) -> ir.StringValue:
    """The label of the sub-period each value falls in (NULL outside them all)."""
    return ibis.cases(*[(in_period(engine, column, p), p.label) for p in periods], else_=None)


def records_of(
    engine: EngineContext,
    source: str,
    period: Period | str | None = None,
    filters: Filters | None = None,
    *,
    date: str | None = None,
    money: str | None = None,
    money_on: ir.Value | str | None = None,
    money_as: str = "amount_base",
) -> ir.Table:
    """The records of `source` under `filters`, with the source's own columns (as
    `Engine.records_of`, the engine's public surface for reports and other features).

    With `period`, only those whose `date` column (default: the table's date column) is
    in it. With `money` (an amount column), plus `money_as`: the amount in the base
    currency at the rate of `money_on` (a column name or a day expression; default the
    `date` column) or the latest earlier rate. A record whose currency has no such rate
    is a CurrencyError naming the currency and the day, never summed as nothing.
    """
    clean = clean_filters(filters)
    references = {dimensions.require(source, d) for d in clean}
    view = source_view(engine.table, source, references)
    for dimension, values in clean.items():
        column = joined_name(dimensions.require(source, dimension))
        view = view.filter(view[column].isin(values))
    view = view.select(*model_table(source).column_names)
    dated_by = date or model_table(source).date_column
    if period is not None:
        if dated_by is None:
            raise DimensionError(f"{source} has no date to cut by a period")
        view = view.filter(in_period(engine, view[dated_by], engine.period(period)))
    if money is None:
        return view
    day = money_on if money_on is not None else dated_by
    if isinstance(day, str):
        day = view[day]
    return in_base_currency(engine, view, money, day, source, money_as)


def in_base_currency(
    engine: EngineContext,
    table: ir.Table,
    amount: str,
    day: ir.Value,
    source: str,
    name: str = "amount_base",
) -> ir.Table:
    """`table` plus `name`: `amount` in the base currency at the rate of `day` (or the
    latest earlier rate); a CurrencyError when a record's currency has none."""
    converter = engine.currency
    joined = converter.with_rate(table, day)
    # An unknown amount needs no rate: it stays unknown in any currency.
    if engine.execute(joined.count(where=converter.missing(joined, joined[amount]))):
        raise converter.explain_missing(joined, source, joined[amount])
    helpers = [c for c in joined.columns if c.startswith("fx__") or c == RATE]
    return joined.mutate(**{name: converter.in_base(joined, joined[amount])}).drop(*helpers)
