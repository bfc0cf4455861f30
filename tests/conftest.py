"""Shared fixtures: a warehouse on each engine the suite runs on.

`warehouse` is parametrised over DuckDB and PostgreSQL, so a test written against it
proves the behaviour on both. PostgreSQL is started once per test session; where it is
not installed those cases are skipped locally, and `CRUSCOTTO_REQUIRE_POSTGRES=1`
(set by `make test`) turns that skip into a failure so CI can never silently lose it.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest

from cruscotto.warehouse import Warehouse, connect
from tests import postgres_server

_database_names = itertools.count()


@pytest.fixture(scope="session")
def postgres() -> Iterator[postgres_server.PostgresServer]:
    server = postgres_server.start()
    if server is None:
        if os.environ.get("CRUSCOTTO_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is required (CRUSCOTTO_REQUIRE_POSTGRES=1) but not installed")
        pytest.skip("PostgreSQL is not installed")
    yield server
    server.stop()


def new_warehouse(engine: str, request: pytest.FixtureRequest, tmp_path) -> Warehouse:
    """An empty warehouse with the canonical schema on `engine`."""
    if engine == "duckdb":
        return connect(str(tmp_path / "test.duckdb"))
    server = request.getfixturevalue("postgres")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    url = server.create_database(f"test_{worker}_{next(_database_names)}")
    return connect(url)


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse(request: pytest.FixtureRequest, tmp_path) -> Iterator[Warehouse]:
    wh = new_warehouse(request.param, request, tmp_path)
    yield wh
    wh.close()


@pytest.fixture
def duckdb_warehouse(tmp_path) -> Iterator[Warehouse]:
    wh = connect(str(tmp_path / "test.duckdb"))
    yield wh
    wh.close()
