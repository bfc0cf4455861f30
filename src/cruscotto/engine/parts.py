"""Many periods in one query: the consecutive parts of a trend as a table.

A computation over one period [start, end) answers many at once when its records are
joined with this table on the window each part looks at (its own days, the 90 days
before its end…) and grouped by `part` as well. One period is the case of one part, so
the same code path serves the value, the breakdown and the trend.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import ibis
import ibis.expr.types as ir

from cruscotto.engine.customer_base import active_contracts, add_months, uses_contracts
from cruscotto.engine.kpi_scope import TOTAL, KpiScope

Part = tuple[dt.date, dt.date]
PART = "part"


def first_day(start: dt.date, end: dt.date) -> dt.date:
    return start


def last_day(start: dt.date, end: dt.date) -> dt.date:
    return end - dt.timedelta(days=1)


def parts_table(
    parts: Sequence[Part], **bounds: Callable[[dt.date, dt.date], dt.date | dt.datetime]
) -> ir.Table:
    """One row per part [start, end): its index in `part` and each of `bounds(start, end)`
    (a local day, or a UTC timestamp as `KpiScope.utc` gives)."""
    columns: dict[str, list[Any]] = {PART: list(range(len(parts)))}
    schema = {PART: "int64"}
    for name, bound in bounds.items():
        columns[name] = [bound(start, end) for start, end in parts]
        schema[name] = "timestamp" if isinstance(columns[name][0], dt.datetime) else "date"
    return ibis.memtable(columns, schema=schema)


def customers_in_parts(
    scope: KpiScope,
    parts: Sequence[Part],
    first: Callable[[dt.date, dt.date], dt.date],
    last: Callable[[dt.date, dt.date], dt.date],
) -> ir.Table:
    """(part, *keys, account_id): for each part, the accounts that were customers on some
    day of [first(start, end), last(start, end)], as `customers_between` counts them."""
    if uses_contracts(scope):
        spans = parts_table(parts, part_first=first, part_last=last)
        timeline = scope.table("contracts").cross_join(spans)
        present = active_contracts(timeline, timeline.part_first, timeline.part_last)
    else:
        months = scope.settings.customer_window_months
        spans = parts_table(
            parts,
            invoiced_after=lambda start, end: add_months(first(start, end), -months),
            part_last=last,
        )
        invoices = scope.table("invoices")
        present = invoices.join(
            spans,
            (invoices.issued_at > spans.invoiced_after) & (invoices.issued_at <= spans.part_last),
        )
    return present.select(PART, *scope.keys, "account_id").distinct()


def rows_per_part(scope: KpiScope, query: ir.Table, count: int) -> list[dict[Any, dict[str, Any]]]:
    """Run `query` (grouped by part and `scope.keys`): for each of the `count` parts,
    {group: row}; not broken down, a part without rows still has {TOTAL: {}}."""
    found: list[dict[Any, dict[str, Any]]] = [{} for _ in range(count)]
    frame = scope.warehouse.execute(query)
    for index, rows in frame.groupby(PART, sort=False):
        found[int(index)] = scope.by_group(rows.drop(columns=PART))
    if not scope.keys:
        for rows in found:
            rows.setdefault(TOTAL, {})
    return found
