"""Engines over data loaded once per test module, on each engine the suite runs on."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cruscotto.warehouse import Warehouse
from tests.conftest import new_warehouse
from tests.engine.fixtures import engine_for

ENGINES = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]


def loaded_engine(loader: Callable[[Warehouse], None], **settings):
    """A module-scoped fixture: an Engine over the data `loader` puts in a fresh warehouse.

    Loading once per module keeps the suite fast; the tests only read.
    """

    @pytest.fixture(scope="module", params=ENGINES)
    def fixture(request, tmp_path_factory):
        warehouse = new_warehouse(request.param, request, tmp_path_factory.mktemp("warehouse"))
        loader(warehouse)
        yield engine_for(warehouse, **settings)
        warehouse.close()

    return fixture
