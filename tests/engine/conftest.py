"""Engines over data loaded once per test module, on each engine the suite runs on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from cruscotto.demo import generate
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


# The demo company the equivalence tests compare fast and slow forms on: small, but with
# many reps, teams, segments, channels, products and projects, and data in every table.
DEMO_TODAY = dt.date(2026, 3, 18)


@pytest.fixture(scope="session", params=ENGINES)
def demo(request, tmp_path_factory):
    """An Engine over the demo company at scale 0.05, generated once per engine."""
    warehouse = new_warehouse(request.param, request, tmp_path_factory.mktemp("demo"))
    generate(warehouse, scale=0.05, seed=11, today=DEMO_TODAY)
    yield engine_for(warehouse, today=DEMO_TODAY)
    warehouse.close()
