"""Small hand-made companies for the report tests, loaded through Warehouse.load.

`rows(table, [...])` fills every column a row leaves out with None, so a fixture states
only what the test is about.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from cruscotto.engine import Engine
from cruscotto.model import table as model_table
from cruscotto.settings import CompanySettings


def ts(text: str) -> dt.datetime:
    """A naive UTC timestamp, as the warehouse stores them."""
    return dt.datetime.fromisoformat(text)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def rows(table: str, records: list[dict]) -> pd.DataFrame:
    columns = model_table(table).column_names
    unknown = {key for record in records for key in record} - set(columns)
    assert not unknown, f"{table} has no columns {unknown}"
    return pd.DataFrame([{c: r.get(c) for c in columns} for r in records], columns=columns)


def reps(*specs: tuple[str, str, str]) -> pd.DataFrame:
    """(rep_id, name, team) triples."""
    return rows(
        "reps",
        [{"rep_id": r, "name": n, "team": t, "role": "ae", "active": True} for r, n, t in specs],
    )


def context(warehouse, today: str, **settings) -> Engine:
    """The engine the reports run on, with "today" pinned (load the data first)."""
    return Engine(warehouse, CompanySettings(**settings), today=day(today))
