"""The one registry of KPI functions: one name each, and a catalog naming a function that
does not exist is refused when the engine is made, by the KPI's and the function's name."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cruscotto.catalog import Catalog, CatalogError, load_catalog
from cruscotto.engine import Engine
from cruscotto.engine.functions.registry import REGISTRY, RegistrationError, computes
from cruscotto.engine.question.result import Measured


def _misspelt_catalog() -> Catalog:
    """The shipped catalog with one function KPI pointing at a misspelt name."""
    definitions = load_catalog().all()
    mrr = next(d for d in definitions if d.id == "mrr")
    assert mrr.computation.name == "mrr"
    misspelt = replace(mrr, computation=replace(mrr.computation, name="mmr"))
    return Catalog([misspelt if d is mrr else d for d in definitions])


def test_a_misspelt_function_name_fails_when_the_engine_is_made(duckdb_warehouse):
    catalog = _misspelt_catalog()
    with pytest.raises(CatalogError) as raised:
        Engine(duckdb_warehouse, catalog=catalog)
    message = str(raised.value)
    assert "mrr: no KPI function is named 'mmr'" in message
    assert "did you mean 'mrr'?" in message


def test_the_shipped_catalog_names_only_registered_functions(duckdb_warehouse):
    Engine(duckdb_warehouse)  # does not raise


@pytest.mark.parametrize("existing", ["mrr", "forecast_accuracy"])
def test_registering_a_name_twice_is_an_error(existing):
    assert existing in REGISTRY

    def again(*args) -> Measured:
        return Measured(None)

    with pytest.raises(RegistrationError, match=f"'{existing}' is registered twice"):
        computes(existing)(again)
    assert REGISTRY[existing].value is not again


def test_the_web_app_refuses_to_start_on_a_misspelt_function(duckdb_warehouse, monkeypatch):
    from cruscotto.web import create_app
    from cruscotto.web import kpis as web_kpis

    # The web app loads the company's catalog (shipped KPIs + cruscotto.yaml) itself.
    monkeypatch.setattr(web_kpis, "load_catalog", lambda *config: _misspelt_catalog())
    with pytest.raises(CatalogError, match="no KPI function is named 'mmr'"):
        create_app(duckdb_warehouse)
