"""One demo company generated per test session, shared read-only by the demo tests.

Generating takes a few seconds, so the checks all read the same small company; each
check is a plain DuckDB query, independent of the KPI engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from cruscotto.demo import DemoSummary, generate
from cruscotto.warehouse import connect

# A fixed "today" keeps the data identical from run to run (and from day to day).
TODAY = date(2026, 3, 18)
SCALE = 0.25
SEED = 7


def generate_into(path: Path, *, scale: float, seed: int, today: date = TODAY) -> DemoSummary:
    warehouse = connect(str(path))
    try:
        return generate(warehouse, scale=scale, seed=seed, today=today)
    finally:
        warehouse.close()


@pytest.fixture(scope="session")
def demo_company(tmp_path_factory) -> tuple[Path, DemoSummary]:
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    return path, generate_into(path, scale=SCALE, seed=SEED)


@pytest.fixture(scope="session")
def db(demo_company) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(demo_company[0]), read_only=True)
    yield con
    con.close()


def scalar(con: duckdb.DuckDBPyConnection, sql: str, *params):
    return con.execute(sql, params).fetchone()[0]
