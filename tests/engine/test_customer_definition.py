"""Who is a customer (one rule, per account), a contract's last day, and upsell: issue 17,
items 3, 5 and 6, computed by hand on a small company that keeps contracts and also sells
projects. Every KPI below must count the same customers.

The accounts (all amounts in EUR, the base currency):
  C1  contract 2026-01-01 → end_date 2026-03-31 (its last day), MRR 100
  C2  contract 2025-06-01, MRR 200, cancelled 2026-03-10 and replaced that day by MRR 150
  C3  contract 2025-06-01, MRR 100; a second one from 2026-02-01, MRR 50
  C4  contract 2025-09-01, MRR 100, cancelled 2026-02-01 and replaced that day by MRR 300
  P1  projects only: invoices 2025-06-15 (800) and 2026-02-10 (1,200)
  P2  projects only: one invoice 2025-03-15 (500): a customer through 2026-03-14
  P3  projects only: invoices 2025-10-01 (1,000) and 2026-01-15 (500)
The window for invoices is the default 12 months.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cruscotto.engine import Engine, Period
from tests.engine.cx_data import account, load

TODAY = dt.date(2026, 6, 1)
MARCH, APRIL = Period.parse("2026-03"), Period.parse("2026-04")


def contract(contract_id, account_id, start, mrr, end=None, cancelled=None, product="support"):
    return {
        "contract_id": contract_id,
        "account_id": account_id,
        "product": product,
        "start_date": start,
        "end_date": end,
        "cancelled_at": cancelled,
        "mrr": mrr,
        "currency": "EUR",
    }


def invoice(invoice_id, account_id, issued, amount, product="project"):
    return {
        "invoice_id": invoice_id,
        "account_id": account_id,
        "issued_at": issued,
        "amount": amount,
        "currency": "EUR",
        "product": product,
    }


CONTRACTS = [
    contract("k1", "C1", "2026-01-01", 100.0, end="2026-03-31"),
    contract("k2", "C2", "2025-06-01", 200.0, cancelled="2026-03-10"),
    contract("k2b", "C2", "2026-03-10", 150.0),
    contract("k3", "C3", "2025-06-01", 100.0),
    contract("k3b", "C3", "2026-02-01", 50.0),
    contract("k4", "C4", "2025-09-01", 100.0, cancelled="2026-02-01"),
    contract("k4b", "C4", "2026-02-01", 300.0),
]
INVOICES = [
    invoice("i1", "P1", "2025-06-15", 800.0),
    invoice("i2", "P1", "2026-02-10", 1200.0),
    invoice("i3", "P2", "2025-03-15", 500.0),
    invoice("i4", "P3", "2025-10-01", 1000.0),
    invoice("i5", "P3", "2026-01-15", 500.0),
    # C1's monthly bill: a contract account is judged by its contracts, not its invoices.
    invoice("i6", "C1", "2026-03-01", 100.0, product="support"),
]


@pytest.fixture
def company(warehouse):
    accounts = [account(a) for a in ("C1", "C2", "C3", "C4", "P1", "P2", "P3")]
    return load(warehouse, accounts=accounts, contracts=CONTRACTS, invoices=INVOICES)


def value(warehouse, kpi_id, period):
    return Engine(warehouse, today=TODAY).value(kpi_id, period)


def test_an_account_that_only_buys_projects_is_a_customer(company):
    # Item 5. Customers on 28 February: C1–C4 by their contracts, P1 (invoiced 2026-02-10),
    # P2 (2025-03-15, within 12 months), P3 (2026-01-15) → 7. On 31 March: P2's window ended
    # on 14 March → 6, none new. Churn = 1 ÷ 7 (counting contracts alone: 0 ÷ 4).
    churn = value(company, "churn_rate", MARCH)
    assert (churn.numerator, churn.denominator) == (1, 7)
    assert churn.details["customers_at_end"] == 6
    retention = value(company, "retention_rate", MARCH)
    # (6 at the end − 0 new) ÷ 7 at the start.
    assert (retention.numerator, retention.denominator) == (6, 7)


def test_a_contract_is_active_on_its_last_day(company):
    # Item 6. C1's end_date 31 March is its last day: still a customer at the end of March,
    # gone at the end of April, though it was invoiced on 1 March (a contract account is
    # judged by its contracts). April: 6 at the start, C1 lost → churn 1 ÷ 6.
    churn = value(company, "churn_rate", APRIL)
    assert (churn.numerator, churn.denominator) == (1, 6)
    # MRR on 31 March: C1 100 + C2 150 (the replacement) + C3 100 + 50 + C4 300 = 700.
    assert value(company, "mrr", MARCH).value == pytest.approx(700.0)
    # On 30 April C1's contract is over: 600.
    assert value(company, "mrr", APRIL).value == pytest.approx(600.0)


def test_upsell_is_paying_more_than_the_first_purchase(company):
    # Item 3. Customers on 31 March: C1, C2, C3, C4, P1, P3 (6).
    #   C1 one contract → no. C2: 200 at first, 150 after the same-day replacement → a
    #   downgrade, no. C3: 100, then 150 from 1 Feb → yes. C4: 100, then 300 after the
    #   same-day replacement → yes (an upgrade). P1: 800, then 1,200 → yes. P3: 1,000,
    #   then 500 → no. → 3 of 6 ("more than one contract started" gave C2, C3, C4: 3 of 4).
    result = value(company, "upsell_rate", MARCH)
    assert (result.numerator, result.denominator) == (3, 6)
    # At the end of January C3 (from 1 Feb) and C4 (from 1 Feb) had not paid more yet,
    # P1 neither (10 Feb). Customers on 31 January: C2, C3, C4, P1, P2, P3 (C1 started
    # 1 Jan: also) → 7; upsold: none.
    january = value(company, "upsell_rate", Period.parse("2026-01"))
    assert (january.numerator, january.denominator) == (0, 7)


def test_every_customer_kpi_counts_the_same_customers(company):
    # Item 5: acquisition, cross-sell and engagement use the same set. Customers on
    # 28 February: 7 (see above); none became a customer in March.
    acquisition = value(company, "customer_acquisition", MARCH)
    assert acquisition.value == 0
    assert acquisition.details["customers_at_start"] == 7
    # Cross-sell on 31 March: of the 6, only C1 has two products ("support" by contract,
    # and its invoice is "support" too) → nobody: 0 of 6 over the same 6.
    cross_sell = value(company, "cross_sell_rate", MARCH)
    assert cross_sell.denominator == 6
    # January: first purchases in January: C1 (1 Jan). Customers on 31 December: C2, C3,
    # C4, P1, P2, P3 → 6.
    january = value(company, "customer_acquisition", Period.parse("2026-01"))
    assert january.value == 1
    assert january.details["customers_at_start"] == 6


def test_clv_counts_the_customers_its_churn_counts_and_clv_to_cac_compares_like_with_like(
    warehouse,
):
    # Items 5 and 7, for 2026-Q1; CLV looks at the twelve months 2025-04-01 – 2026-03-31.
    #   A  invoiced 2025-03-01 (1,000) and 2025-06-01 (1,000, direct cost 400)
    #   B  invoiced 2026-02-01 (2,000, direct cost 1,000): acquired in Q1
    #   C  invoiced 2024-12-01 (500): a customer until 2025-11-30, lost in the year
    invoices = [
        invoice("a0", "A", "2025-03-01", 1000.0),
        {**invoice("a1", "A", "2025-06-01", 1000.0), "direct_cost": 400.0},
        {**invoice("b1", "B", "2026-02-01", 2000.0), "direct_cost": 1000.0},
        invoice("c1", "C", "2024-12-01", 500.0),
    ]
    campaigns = [
        {"campaign_id": "X", "name": "X", "channel": "ads", "started_at": "2026-01-01",
         "ended_at": "2026-01-10", "spend": 100.0, "currency": "EUR"},
    ]  # fmt: skip
    financials = [
        {"month": f"2026-0{m}-01", "revenue": 1000.0, "cogs": 0.0, "opex": 200.0} for m in (1, 2, 3)
    ]
    load(
        warehouse,
        accounts=[account(a) for a in "ABC"],
        invoices=invoices,
        campaigns=campaigns,
        financials=financials,
    )
    quarter = Period.parse("2026-Q1")
    clv = value(warehouse, "clv", quarter)
    # Customers at the start of the year: A, C; at its end: A, B; lost: C → churn 1 ÷ 2,
    # lifetime 2 years. Customers of the year (the same rule): A, B, C → 3, not the 2
    # invoiced in it. Revenue in the year 1,000 + 2,000 = 3,000 over 2 invoices.
    assert clv.details["customers"] == 3
    assert clv.details["purchase_frequency"] == pytest.approx(2 / 3)
    # 1,500 per invoice × 2/3 invoices per customer × 2 years = 2,000 (was 3,000).
    assert clv.value == pytest.approx(2000.0)
    # Margin (1,000 − 400) + (2,000 − 1,000) = 1,600 → 1,600 ÷ 3 × 2 = 1,066.67.
    assert clv.details["margin_clv"] == pytest.approx(3200 / 3)
    ratio = value(warehouse, "clv_to_cac", quarter)
    # CAC: 100 of spend ÷ 1 new customer (B) = 100; fully loaded: opex 3 × 200 ÷ 1 = 600.
    # Gross-margin CLV ÷ fully loaded CAC = 1,066.67 ÷ 600 = 1.78 (revenue CLV ÷
    # marketing CAC, 2,000 ÷ 100 = 20, is in the details).
    assert ratio.value == pytest.approx((3200 / 3) / 600)
    assert ratio.details["fully_loaded_cac"] == pytest.approx(600.0)
    assert ratio.details["clv_to_marketing_cac"] == pytest.approx(20.0)
