"""A trend's parts as a table, for trend forms that see each part through its own window.

`KpiScope.per_part` serves records that fall in exactly one part. Some computations look
at each part through a window that overlaps others (a campaign's spend spread over the
days of several parts, the P&L months a week touches, the trailing twelve months, the
list size before the part, the 180 days of surveys before a part's end): they cross-join
their records with this table and group by `part`, which answers every part in one query.
A single period is a trend of one part, so one code path can serve the value, the
breakdown and the trend.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import ibis
import ibis.expr.types as ir

from cruscotto.engine.functions.kpi_scope import TOTAL, KpiScope, Part
from cruscotto.engine.rules.customer_base import spans
from cruscotto.engine.rules.customers import covers

# A bound of a part's window, from the part's [start, end): a local day, or a UTC timestamp
# as `KpiScope.utc` gives.
Bound = Callable[[dt.date, dt.date], dt.date | dt.datetime]


def parts_table(windows: Sequence[tuple[dt.date, dt.date]], **bounds: Bound) -> ir.Table:
    """(part, part_start, part_end, part_last): the index of each [start, end) window, its
    first day, the day after it, and its last day; then a column per bound, its value
    for each window."""
    columns: dict[str, list[Any]] = {
        "part": list(range(len(windows))),
        "part_start": [start for start, _ in windows],
        "part_end": [end for _, end in windows],
        "part_last": [end - dt.timedelta(days=1) for _, end in windows],
    }
    schema = {"part": "int64", "part_start": "date", "part_end": "date", "part_last": "date"}
    for name, bound in bounds.items():
        columns[name] = [bound(start, end) for start, end in windows]
        schema[name] = "timestamp" if isinstance(columns[name][0], dt.datetime) else "date"
    return ibis.memtable(columns, schema=schema)


def rows_per_part(scope: KpiScope, query: ir.Table, count: int) -> list[dict[str, Any]]:
    """Run `query` (grouped by `part`) and return its rows in part order, {} for a part
    without rows; missing values (NaN, NaT) become None."""
    frame = scope.warehouse.execute(query)
    frame = frame.astype(object).where(frame.notna(), None)
    rows = {int(row.pop("part")): row for row in frame.to_dict("records")}
    return [rows.get(index, {}) for index in range(count)]


def groups_per_part(
    scope: KpiScope, query: ir.Table, count: int
) -> list[dict[str | None, dict[str, Any]]]:
    """Run `query` (grouped by `part` and `scope.keys`) and return, for each part in order,
    {group: row}; not broken down, a part without rows still has {TOTAL: {}}."""
    found: list[dict[str | None, dict[str, Any]]] = [{} for _ in range(count)]
    frame = scope.warehouse.execute(query)
    for index, rows in frame.groupby("part", sort=False):
        found[int(index)] = scope.by_group(rows.drop(columns="part"))
    if not scope.keys:
        for groups in found:
            groups.setdefault(TOTAL, {})
    return found


def customers_in_parts(
    scope: KpiScope, windows: Sequence[Part], *, on_last_day: bool = False
) -> ir.Table:
    """(part, *keys, account_id): for each part, the accounts that were customers on some
    day of it (only on its last day with `on_last_day`), as `customers_between` counts them."""

    def first(start: dt.date, end: dt.date) -> dt.date:
        return end - dt.timedelta(days=1) if on_last_day else start

    windows_table = parts_table(windows, customers_from=first)
    timeline = spans(scope).cross_join(windows_table)
    present = timeline.filter(covers(timeline, timeline.customers_from, timeline.part_last))
    return present.select("part", *scope.keys, "account_id").distinct()
