"""A trend's parts as a table, for trend forms that see each part through its own window.

`KpiScope.per_part` serves records that fall in exactly one part. Some computations look
at each part through a window that overlaps others (a campaign's spend spread over the
days of several parts, the P&L months a week touches, the trailing twelve months, the
list size before the part): they cross-join their records with this table and group by
`part`, which answers every part in one query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import ibis
import ibis.expr.types as ir

from cruscotto.engine.kpi_scope import KpiScope


def parts_table(windows: Sequence[tuple[dt.date, dt.date]]) -> ir.Table:
    """(part, part_start, part_end, part_last): the index of each [start, end) window, its
    first day, the day after it, and its last day."""
    return ibis.memtable(
        {
            "part": list(range(len(windows))),
            "part_start": [start for start, _ in windows],
            "part_end": [end for _, end in windows],
            "part_last": [end - dt.timedelta(days=1) for _, end in windows],
        },
        schema={"part": "int64", "part_start": "date", "part_end": "date", "part_last": "date"},
    )


def rows_per_part(scope: KpiScope, query: ir.Table, count: int) -> list[dict[str, Any]]:
    """Run `query` (grouped by `part`) and return its rows in part order, {} for a part
    without rows; missing values (NaN, NaT) become None."""
    frame = scope.warehouse.execute(query)
    frame = frame.astype(object).where(frame.notna(), None)
    rows = {int(row.pop("part")): row for row in frame.to_dict("records")}
    return [rows.get(index, {}) for index in range(count)]
