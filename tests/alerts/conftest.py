"""The hand-computable company of tests/alerts/company.py, on each engine."""

from __future__ import annotations

import pytest

from tests.alerts.company import TODAY, load_company
from tests.engine.conftest import loaded_engine
from tests.engine.fixtures import engine_for

# Read-only checks: loaded once per module, on DuckDB and PostgreSQL.
company = loaded_engine(load_company, today=TODAY)


@pytest.fixture
def fresh(duckdb_warehouse):
    """The company in a fresh DuckDB warehouse, for tests that evaluate and store alerts."""
    load_company(duckdb_warehouse)
    return engine_for(duckdb_warehouse, today=TODAY)
