"""What the command line's reading commands answer, as plain data.

`cruscotto db info` and `cruscotto kpi show` compute these on the database they open; while
`cruscotto serve` holds a DuckDB file (one writing process at a time), the server computes
the same answers for them (cruscotto.web.routes.control). One implementation, two callers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from cruscotto.catalog import CatalogError
from cruscotto.engine import Engine, EngineError, Period, PeriodError
from cruscotto.model import TABLES
from cruscotto.warehouse import Warehouse

# Errors that are the user's (a bad period, an unknown KPI…): a message, not a traceback.
# Said in one sentence (no traceback): EngineError covers period, dimension, currency
# and the query time limit.
USER_ERRORS = (KeyError, EngineError, CatalogError, ValueError)


def message(exc: Exception) -> str:
    return exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)


def database_summary(warehouse: Warehouse) -> dict[str, Any]:
    """Each canonical table's row count and date range."""
    tables = []
    for declared in TABLES:
        t = warehouse.table(declared.name)
        rows = int(warehouse.execute(t.count()))
        first = last = ""
        if declared.date_column and rows:
            column = t[declared.date_column]
            bounds = warehouse.execute(t.aggregate(a=column.min(), b=column.max()))
            first, last = (str(v)[:10] for v in bounds.iloc[0])
        tables.append({"table": declared.name, "rows": rows, "from": first, "to": last})
    return {"url": warehouse.url, "tables": tables}


def kpi_answer(
    engine: Engine,
    kpi_id: str,
    *,
    period: str | None = None,
    start: str | None = None,
    end: str | None = None,
    by: str | None = None,
    grain: str | None = None,
    filters: Sequence[str] = (),
) -> dict[str, Any]:
    """A KPI for a period — its value, its breakdown `by` a dimension, or its trend by
    `grain` — with `filters` written DIMENSION=VALUE. Raises one of USER_ERRORS."""
    if by and grain:
        raise ValueError("use --by or --grain, not both")
    chosen = _period(engine, period, start, end)
    where = _filters(filters)
    definition = engine.catalog.get(kpi_id)
    if by:
        rows = engine.breakdown(kpi_id, chosen, by, where)
        return _payload(definition, chosen, rows=[(k, r) for k, r in rows], by=by)
    if grain:
        series = engine.trend(kpi_id, chosen, grain, where)
        return _payload(definition, chosen, series=series, grain=grain)
    return engine.value(kpi_id, chosen, where).to_dict()


def _period(engine: Engine, period: str | None, start: str | None, end: str | None) -> Period:
    if period and (start or end):
        raise PeriodError("give either --period or --from/--to, not both")
    if period:
        return engine.period(period)
    if start or end:
        if not (start and end):
            raise PeriodError("--from and --to go together")
        try:
            return Period.between(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
        except ValueError as exc:
            raise PeriodError(f"dates are written YYYY-MM-DD: {exc}") from None
    return engine.default_period()


def _filters(pairs: Sequence[str]) -> dict[str, list[str]]:
    filters: dict[str, list[str]] = {}
    for pair in pairs:
        dimension, sep, value = pair.partition("=")
        if not sep or not dimension or not value:
            raise ValueError(f"--filter {pair!r}: write DIMENSION=VALUE, e.g. rep=r1")
        filters.setdefault(dimension.strip(), []).append(value.strip())
    return filters


def _payload(definition, period: Period, **parts: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {"id": definition.id, "unit": definition.unit, "period": period.label}
    if "rows" in parts:
        payload["by"] = parts["by"]
        payload["rows"] = [{"group": key, **r.to_dict()} for key, r in parts["rows"]]
    if "series" in parts:
        payload["grain"] = parts["grain"]
        payload["series"] = [r.to_dict() for r in parts["series"]]
    return payload
