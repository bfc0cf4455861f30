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


def test_money_takes_the_rate_of_its_local_day(warehouse):
    # Issue 17, item 2. 23:04 UTC on 23 August is 01:04 on 24 August in Rome (UTC+2): the
    # deal is in 24 August's numbers and converted at 24 August's rate.
    load(
        warehouse,
        leads=[{"lead_id": "L1", "created_at": ts("2026-07-01 09:00"), "channel": "ads",
               "campaign_id": "C1"}],
        opportunities=[
            {"opportunity_id": "o1", "lead_id": "L1", "pipeline": "p", "stage": "won",
             "amount": 1000.0, "currency": "USD", "created_at": ts("2026-08-01 12:00"),
             "closed_at": ts("2026-08-23 23:04"), "status": "won"},
        ],
        fx_rates=[
            {"day": day("2026-08-23"), "currency": "USD", "rate_to_base": 0.90},
            {"day": day("2026-08-24"), "currency": "USD", "rate_to_base": 0.80},
        ],
    )  # fmt: skip
    engine = engine_for(warehouse)
    # A declared KPI: 1000 USD × 0.80 = 800 EUR (23 August's rate gave 900).
    assert engine.value("avg_contract_value", "2026-08-24").value == pytest.approx(800.0)
    assert engine.value("avg_contract_value", "2026-08-23").value is None
    # A KPI function (the revenue campaigns brought, which ROI uses): also 800 (not 900).
    assert engine.value("campaign_revenue", "2026-08-24").value == pytest.approx(800.0)


def test_mrr_starts_where_the_previous_period_ended(warehouse):
    # Issue 17, item 10. U pays 100 USD a month from January, E 50 EUR, N 30 EUR from
    # 10 March. USD is worth 0.90 EUR from 1 January and 0.80 from 1 March.
    def contract(contract_id, account_id, start, mrr, currency):
        return {"contract_id": contract_id, "account_id": account_id, "start_date": day(start),
                "mrr": mrr, "currency": currency}  # fmt: skip

    load(
        warehouse,
        contracts=[
            contract("u", "U", "2026-01-01", 100.0, "USD"),
            contract("e", "E", "2026-01-01", 50.0, "EUR"),
            contract("n", "N", "2026-03-10", 30.0, "EUR"),
        ],
        fx_rates=[
            {"day": day("2026-01-01"), "currency": "USD", "rate_to_base": 0.90},
            {"day": day("2026-03-01"), "currency": "USD", "rate_to_base": 0.80},
        ],
    )
    engine = engine_for(warehouse)
    # End of February: 100 × 0.90 + 50 = 140.
    assert engine.value("mrr", "2026-02").value == pytest.approx(140.0)
    march = engine.value("mrr", "2026-03")
    # End of March: 100 × 0.80 + 50 + 30 = 160. The start is February's end, 140 (at the
    # end's rates it would be 130); the dollar's fall is a movement of −10, N is new.
    # 140 − 10 + 30 = 160.
    assert march.value == pytest.approx(160.0)
    assert march.details["mrr_at_start"] == pytest.approx(140.0)
    assert march.details["currency_effect_mrr"] == pytest.approx(-10.0)
    assert march.details["new_mrr"] == pytest.approx(30.0)
    assert march.details["expansion_mrr"] == pytest.approx(0.0)
    # The trend's months say the same.
    trend = engine.trend("mrr", "2026-Q1", "month")
    assert [r.details["mrr_at_start"] for r in trend] == pytest.approx([0.0, 140.0, 140.0])
    assert trend[2].details["currency_effect_mrr"] == pytest.approx(-10.0)
