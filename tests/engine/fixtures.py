"""Building small, hand-checkable data sets for KPI tests.

`load(warehouse, leads=[{...}, ...])` loads rows through Warehouse.load; columns left out
of a row are empty. Timestamps are written as UTC (naive) with `ts("2026-03-01 10:00")`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from cruscotto.engine import Engine
from cruscotto.model import table
from cruscotto.settings import CompanySettings
from cruscotto.warehouse import Warehouse

TODAY = dt.date(2026, 12, 1)


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def frame(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    columns = table(name).column_names
    unknown = {key for row in rows for key in row} - set(columns)
    if unknown:
        raise KeyError(f"{name} has no columns {sorted(unknown)}")
    return pd.DataFrame([{c: row.get(c) for c in columns} for row in rows], columns=columns)


def load(warehouse: Warehouse, **tables: list[dict[str, Any]]) -> None:
    warehouse.load({name: frame(name, rows) for name, rows in tables.items()})


def engine_for(warehouse: Warehouse, today: dt.date = TODAY, **settings: Any) -> Engine:
    return Engine(warehouse, CompanySettings(**settings), today=today)


def won_deal(opportunity_id: str, closed: str, amount: float, **extra: Any) -> dict[str, Any]:
    """A deal won at `closed` (UTC), in EUR unless `currency` is given."""
    return {
        "opportunity_id": opportunity_id,
        "pipeline": "p",
        "stage": "won",
        "status": "won",
        "amount": amount,
        "currency": "EUR",
        "created_at": ts("2025-12-15 09:00"),
        "closed_at": ts(closed),
        **extra,
    }


def rep(rep_id: str, team: str = "North", **extra: Any) -> dict[str, Any]:
    return {
        "rep_id": rep_id,
        "name": f"Rep {rep_id}",
        "team": team,
        "role": "ae",
        "active": True,
        "capacity_hours_per_day": 8.0,
        **extra,
    }


def account(account_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "name": f"Account {account_id}",
        "created_at": ts("2025-01-01 00:00"),
        **extra,
    }


def flat(details: dict) -> dict:
    """`details` with each list (a confidence interval) spread into one entry per item, which
    pytest.approx can compare."""
    spread = {}
    for key, value in details.items():
        if isinstance(value, list):
            spread.update({f"{key}[{index}]": item for index, item in enumerate(value)})
        else:
            spread[key] = value
    return spread
