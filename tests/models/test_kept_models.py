"""A trained model is kept in the database with the data version it learned from: a
restarted server serves it at once and retrains only when the data changed since."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cruscotto.engine import Engine
from cruscotto.models.lifetime_value import LifetimeValues, LifetimeValueService
from cruscotto.models.store import load_state
from cruscotto.settings import CompanySettings
from cruscotto.warehouse import connect
from tests.models.lifetime_company import TODAY, canonical_tables
from tests.reports.company import rows


@pytest.fixture
def warehouse(tmp_path):
    wh = connect(str(tmp_path / "kept.duckdb"))
    wh.load(canonical_tables())
    yield wh
    wh.close()


def test_a_restart_serves_the_kept_model_and_retrains_only_after_new_data(warehouse):
    engine = Engine(warehouse, CompanySettings(), today=TODAY.date())
    first = LifetimeValueService()
    trained = first.current(engine, wait=True)
    assert trained is not None and load_state(warehouse, "lifetime_value") is not None

    restarted = LifetimeValueService()  # a new server process on the same database
    served = restarted.current(engine)
    assert restarted.training is False  # same data: nothing to retrain
    assert served.summary() == trained.summary()
    pd.testing.assert_frame_equal(served.customers, trained.customers, check_index_type=False)

    bill = {"invoice_id": "NEW", "account_id": "N0001", "issued_at": TODAY.date()}
    warehouse.load({"invoices": rows("invoices", [{**bill, "amount": 10.0, "currency": "EUR"}])})
    again = LifetimeValueService()
    assert again.current(engine).summary() == trained.summary()  # the kept one serves
    renewed = again.current(engine, wait=True)
    customer = renewed.customers.set_index("account_id").loc["N0001"]
    assert customer.frequency == 3  # the new invoice day counts
    version, _ = load_state(warehouse, "lifetime_value")
    assert version == renewed.data_version != trained.data_version


def test_the_kept_state_is_plain_json(warehouse):
    engine = Engine(warehouse, CompanySettings(), today=TODAY.date())
    values = LifetimeValueService().current(engine, wait=True)
    back = LifetimeValues.from_state(json.loads(json.dumps(values.to_state())))
    assert back.pooled == values.pooled and back.repeat == values.repeat
    assert back.cohorts == values.cohorts


def test_the_cli_prints_the_model_clv_and_its_inputs(warehouse, tmp_path, monkeypatch):
    """`cruscotto model lifetime --format json` on the published company (see
    lifetime_company.py), on its day: Fader & Hardie's α, β and CDNOW's r, α, a, b."""
    from typer.testing import CliRunner

    from cruscotto import api
    from cruscotto.cli import app

    on_its_day = api.engine_for
    monkeypatch.setattr(api, "engine_for", lambda wh: on_its_day(wh, today=TODAY.date()))

    warehouse.close()  # the CLI opens the same file (the fixture's, in tmp_path)
    db = str(tmp_path / "kept.duckdb")
    result = CliRunner().invoke(app, ["--db", db, "model", "lifetime", "--format", "json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert (round(answer["alpha"], 3), round(answer["beta"], 3)) == (0.704, 1.182)
    assert round(answer["repeat"]["r"], 3) == 0.243 and round(answer["repeat"]["b"], 3) == 2.426
    assert answer["cohorts"][0]["alive"][-1] == 241
