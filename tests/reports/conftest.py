"""A warehouse per test module on each engine: report tests load their company once and
only read it, which keeps the suite fast on both DuckDB and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.conftest import new_warehouse

ENGINES = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=ENGINES)
def module_warehouse(request, tmp_path_factory):
    warehouse = new_warehouse(request.param, request, tmp_path_factory.mktemp("reports"))
    yield warehouse
    warehouse.close()
