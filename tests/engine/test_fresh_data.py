"""An engine lives as long as the web server that holds it: every question must read the
data as it is then (rates and contracts imported since, the current day), never what an
earlier question saw."""

import datetime as dt

import pytest

from cruscotto.engine import Engine
from cruscotto.engine import engine as engine_module
from cruscotto.settings import CompanySettings
from tests.engine.fixtures import account, day, engine_for, load, ts


def _usd_deal(warehouse):
    load(
        warehouse,
        opportunities=[
            {
                "opportunity_id": "o1",
                "pipeline": "p",
                "stage": "won",
                "amount": 100.0,
                "currency": "USD",
                "created_at": ts("2026-03-02 12:00"),
                "closed_at": ts("2026-03-05 12:00"),
                "status": "won",
            }
        ],
        fx_rates=[{"day": day("2026-03-01"), "currency": "USD", "rate_to_base": 0.9}],
    )


def test_rates_imported_after_a_question_convert_the_next_one(warehouse):
    _usd_deal(warehouse)
    engine = engine_for(warehouse)
    # 100 USD closed on 5 March at the latest rate on or before it, 1 March's 0.9.
    assert engine.value("avg_contract_value", "2026-03").value == pytest.approx(90.0)
    load(warehouse, fx_rates=[{"day": day("2026-03-04"), "currency": "USD", "rate_to_base": 0.5}])
    # Now 4 March's 0.5 is the latest: 100 × 0.5.
    assert engine.value("avg_contract_value", "2026-03").value == pytest.approx(50.0)


def test_contracts_imported_after_a_question_redefine_who_is_a_customer(warehouse):
    load(
        warehouse,
        accounts=[account("a1")],
        invoices=[
            {
                "invoice_id": "i1",
                "account_id": "a1",
                "issued_at": day("2026-03-10"),
                "amount": 500.0,
                "currency": "EUR",
            }
        ],
    )
    engine = engine_for(warehouse)
    # Without contracts, a1 became a customer with its first invoice, in March.
    assert engine.value("customer_acquisition", "2026-03").value == 1
    load(
        warehouse,
        contracts=[
            {
                "contract_id": "k1",
                "account_id": "a1",
                "start_date": day("2025-06-01"),
                "mrr": 100.0,
                "currency": "EUR",
            }
        ],
    )
    # With contracts, a1 is a customer since its contract of June 2025: none new in March.
    assert engine.value("customer_acquisition", "2026-03").value == 0


class _Clock(dt.datetime):
    """A datetime whose now() is whatever the test sets."""

    now_is = dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC)

    @classmethod
    def now(cls, tz=None):
        return cls.now_is.astimezone(tz)


def test_an_engine_without_a_pinned_day_follows_the_clock(duckdb_warehouse, monkeypatch):
    monkeypatch.setattr(engine_module.dt, "datetime", _Clock)
    engine = Engine(duckdb_warehouse, CompanySettings(timezone="Europe/Rome"))
    # 23:30 UTC on 30 November is 00:30 on 1 December in Rome.
    assert engine.today == day("2026-12-01")
    assert engine.default_period().label == "2026-11"
    _Clock.now_is = dt.datetime(2027, 1, 1, 9, 0, tzinfo=dt.UTC)  # the server kept running
    assert engine.today == day("2027-01-01")
    assert engine.default_period().label == "2026-12"
    assert engine_for(duckdb_warehouse, today=day("2026-01-31")).today == day("2026-01-31")
