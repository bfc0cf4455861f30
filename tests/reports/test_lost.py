"""Lost opportunities by reason, for March 2026 in Europe/Rome (today 2026-04-15).

Lost deals and when they closed (UTC):
  l1 price       10,000 EUR  2026-03-05
  l2 price        5,000 EUR  2026-03-20
  l3 competitor  20,000 EUR  2026-03-31 22:30 → 00:30 on 1 April in Rome: April, not March
  l4 (none)       3,000 USD  2026-03-10 at 0.80 → 2,400 EUR
  l5 competitor   1,000 EUR  2026-02-28 23:30 → 00:30 on 1 March in Rome: March
  l6 timing       9,999 EUR  2026-03-12 (rep r2)
  l7 price        4,000 EUR  2025-12-10 (only in the trend)
and one won deal w1 closed 2026-03-15.
March: 5 lost (l1, l2, l4, l5, l6) of 6 closed; value 10,000 + 5,000 + 2,400 + 1,000 + 9,999
= 28,399.
"""

import pytest

from cruscotto.engine import Period
from cruscotto.reports.lost import lost_opportunities
from tests.reports.company import context, day, reps, rows, ts

MARCH = Period.parse("2026-03")


def _deal(opp_id, status, reason, amount, closed_at, currency="EUR", owner="r1"):
    return {
        "opportunity_id": opp_id,
        "owner_id": owner,
        "pipeline": "New business",
        "stage": f"closed_{status}",
        "status": status,
        "lost_reason": reason,
        "amount": amount,
        "currency": currency,
        "created_at": ts("2025-10-01T09:00:00"),
        "closed_at": ts(closed_at),
    }


@pytest.fixture(scope="module")
def company(module_warehouse):
    warehouse = module_warehouse
    warehouse.load(
        {
            "reps": reps(("r1", "Anna", "North"), ("r2", "Bruno", "South")),
            "opportunities": rows(
                "opportunities",
                [
                    _deal("l1", "lost", "price", 10000.0, "2026-03-05T10:00:00"),
                    _deal("l2", "lost", "price", 5000.0, "2026-03-20T10:00:00"),
                    _deal("l3", "lost", "competitor", 20000.0, "2026-03-31T22:30:00"),
                    _deal("l4", "lost", None, 3000.0, "2026-03-10T10:00:00", "USD"),
                    _deal("l5", "lost", "competitor", 1000.0, "2026-02-28T23:30:00"),
                    _deal("l6", "lost", "timing", 9999.0, "2026-03-12T10:00:00", owner="r2"),
                    _deal("l7", "lost", "price", 4000.0, "2025-12-10T10:00:00"),
                    _deal("w1", "won", None, 7000.0, "2026-03-15T10:00:00"),
                ],
            ),
            "fx_rates": rows(
                "fx_rates", [{"day": day("2026-03-01"), "currency": "USD", "rate_to_base": 0.8}]
            ),
        }
    )
    return context(warehouse, "2026-04-15")


def test_lost_deals_by_reason(company):
    report = lost_opportunities(company, MARCH)
    reasons = report.table("reasons").frame
    # Most deals first, then most value: price 2; timing, (not given), competitor 1 each.
    assert list(reasons.reason) == ["price", "timing", "(not given)", "competitor"]
    price = reasons.iloc[0]
    assert price["count"] == 2 and price["value"] == pytest.approx(15000.0)
    assert price["share"] == pytest.approx(2 / 5)
    assert price["value_share"] == pytest.approx(15000 / 28399)
    not_given = reasons.set_index("reason").loc["(not given)"]
    assert not_given["value"] == pytest.approx(2400.0)  # 3,000 USD × 0.80
    assert report.facts["lost_count"] == 5
    assert report.facts["lost_value"] == pytest.approx(28399.0)
    # Lost ÷ closed = 5/6, with its Wilson interval around it.
    assert report.facts["closed_count"] == 6
    assert report.facts["lost_rate"] == pytest.approx(5 / 6)
    assert report.facts["lost_rate_ci_low"] < 5 / 6 < report.facts["lost_rate_ci_high"]


def test_trend_by_month_and_reason(company):
    trend = lost_opportunities(company, MARCH).table("trend").frame
    # One month asked: the trend covers the twelve months ending with it, April 2025 – March 2026.
    assert set(trend.month) == {"2025-12", "2026-03"}
    december = trend[trend.month == "2025-12"]
    assert list(december.reason) == ["price"] and december["value"].iloc[0] == 4000.0
    march = trend[trend.month == "2026-03"].set_index("reason")
    assert march.loc["price", "count"] == 2 and march.loc["competitor", "count"] == 1


def test_lost_deal_list_uses_local_days(company):
    deals = lost_opportunities(company, MARCH).table("deals").frame.set_index("opportunity_id")
    assert "l3" not in deals.index  # April in Rome
    assert deals.loc["l5", "closed_on"] == day("2026-03-01")


def test_a_rep_sees_only_own_lost_deals(company):
    report = lost_opportunities(company, MARCH, {"rep": ["r1"]})
    assert "l6" not in set(report.table("deals").frame.opportunity_id)
    assert "timing" not in set(report.table("reasons").frame.reason)
    # Without l6: 4 lost of 5 closed, 28,399 − 9,999 = 18,400.
    assert report.facts["lost_count"] == 4 and report.facts["closed_count"] == 5
    assert report.facts["lost_value"] == pytest.approx(18400.0)


def test_a_period_without_closed_deals_has_no_rate(company):
    report = lost_opportunities(company, Period.parse("2025-06"))
    assert report.facts["lost_count"] == 0
    assert report.facts["lost_rate"] is None
    assert report.table("reasons").frame.empty


def test_the_report_agrees_with_the_engines_lost_opportunity_rate(company):
    kpi = company.value("lost_opportunity_rate", MARCH)
    report = lost_opportunities(company, MARCH)
    assert report.facts["lost_rate"] == pytest.approx(kpi.value)  # 5 of 6
    assert (report.facts["lost_count"], report.facts["closed_count"]) == (
        kpi.numerator,
        kpi.denominator,
    )
