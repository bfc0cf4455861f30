"""Currency errors, and the seeds' worked examples computed end to end."""

import pytest

from cruscotto.engine import CurrencyError
from tests.engine.fixtures import day, engine_for, load, ts


def test_a_missing_rate_names_the_currency_and_the_day(warehouse):
    load(
        warehouse,
        opportunities=[
            {
                "opportunity_id": "o1",
                "pipeline": "p",
                "stage": "won",
                "amount": 100.0,
                "currency": "GBP",
                "created_at": ts("2026-03-02 12:00"),
                "closed_at": ts("2026-03-05 12:00"),
                "status": "won",
            },
            {
                "opportunity_id": "o2",
                "pipeline": "p",
                "stage": "won",
                "amount": 100.0,
                "currency": "USD",
                "created_at": ts("2026-03-02 12:00"),
                "closed_at": ts("2026-03-05 12:00"),
                "status": "won",
            },
        ],
        fx_rates=[{"day": day("2026-03-01"), "currency": "USD", "rate_to_base": 0.9}],
    )
    engine = engine_for(warehouse)
    with pytest.raises(CurrencyError, match="no exchange rate for GBP on or before 2026-03-05"):
        engine.value("avg_contract_value", "2026-03")
    # A rate of won deals needs no conversion at all.
    assert engine.value("win_rate", "2026-03").value == 1.0


def test_seed_002_win_rates_and_sales_cycle(warehouse):
    # 100 leads, 25 opportunities, 3 won: 3 ÷ 100 = 3%, 3 ÷ 25 = 12% (seed 002).
    leads = [
        {"lead_id": f"l{i}", "created_at": ts("2026-05-04 12:00"), "channel": "web"}
        for i in range(100)
    ]
    opportunities = [
        {
            "opportunity_id": f"o{i}",
            "pipeline": "p",
            "stage": "s",
            "amount": 10.0,
            "currency": "EUR",
            "created_at": ts("2026-05-05 12:00"),
            "status": "won" if i < 3 else "open",
            "closed_at": ts("2026-05-10 12:00") if i < 3 else None,
        }
        for i in range(25)
    ]
    load(warehouse, leads=leads, opportunities=opportunities)
    result = engine_for(warehouse).value("win_rate", "2026-05")
    assert result.details["won_of_leads"] == pytest.approx(0.03)
    assert result.details["won_of_opportunities"] == pytest.approx(0.12)


def test_seed_002_cycle_of_100_days_over_20_deals(warehouse):
    # 20 won deals whose cycles add up to 100 days (each 5 days) → 5 days (seed 002).
    load(
        warehouse,
        opportunities=[
            {
                "opportunity_id": f"o{i}",
                "pipeline": "p",
                "stage": "won",
                "amount": 10.0,
                "currency": "EUR",
                "created_at": ts("2026-06-01 09:00"),
                "closed_at": ts("2026-06-06 09:00"),
                "status": "won",
            }
            for i in range(20)
        ],
    )
    assert engine_for(warehouse).value("sales_cycle_length", "2026-06").value == pytest.approx(5)
