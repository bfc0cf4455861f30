"""Small hand-made data sets for the customer, operations and profitability KPI tests.

Rows are written as plain dicts with ISO strings; `load` fills the columns a test does
not care about with nulls and loads everything through `Warehouse.load`, so fixtures go
through the same validation path as real imports. Timestamps are UTC ("Z" optional);
the company time zone in these tests is Europe/Rome (UTC+1 in winter, +2 from 29 March
2026), which is what makes 2026-03-31T22:30Z fall on 1 April.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa

from cruscotto.model import table as model_table
from cruscotto.warehouse import Warehouse


def _timestamp(value: Any) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


_PARSERS = {"timestamp": _timestamp, "date": _date}


def frame(name: str, rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """The rows as an Arrow table of canonical table `name`; absent columns are null."""
    declared = model_table(name)
    records = []
    for row in rows:
        unknown = set(row) - set(declared.column_names)
        if unknown:
            raise KeyError(f"{name}: unknown columns {sorted(unknown)}")
        record = {}
        for column in declared.columns:
            value = row.get(column.name)
            parse = _PARSERS.get(column.type)
            record[column.name] = parse(value) if parse else value
        records.append(record)
    schema = pa.schema([f.with_nullable(True) for f in declared.ibis_schema().to_pyarrow()])
    return pa.Table.from_pylist(records, schema=schema)


def load(warehouse: Warehouse, **tables: Iterable[Mapping[str, Any]]) -> Warehouse:
    warehouse.load({name: frame(name, rows) for name, rows in tables.items()})
    return warehouse


def fx(currency: str, rate: float, day: str = "2020-01-01") -> dict[str, Any]:
    """One fx_rates row; a single early rate serves every later day."""
    return {"day": day, "currency": currency, "rate_to_base": rate}


def rep(rep_id: str, team: str = "north", **extra: Any) -> dict[str, Any]:
    return {"rep_id": rep_id, "name": rep_id.upper(), "active": True, "team": team, **extra}


def account(account_id: str, segment: str = "smb", **extra: Any) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "name": f"Account {account_id}",
        "segment": segment,
        "created_at": "2024-01-01T00:00:00",
        **extra,
    }
