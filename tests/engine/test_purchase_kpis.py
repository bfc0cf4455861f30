"""Customers acquired, upsell, cross-sell, net new revenue and repeat purchase value
(engine/functions/purchase_kpis.py), computed by hand on a small company, for a period, a trend and
a breakdown, on DuckDB and PostgreSQL.

The company (base currency EUR, Europe/Rome; every invoice at 12:00 UTC; USD is worth
0.5 EUR from 2026-01-01; the customer and net-new windows are the default 12 months):
  A  smb, owner r1: contract kA1 "support" from 2025-11-01 (MRR 100) and kA2 "audit"
     from 2026-02-10 (MRR 50); invoices iA1 2025-11-01 300 "support" and iA2 2026-02-12
     400 "audit", both by r1
  B  smb, owner r2, invoices only: iB1 2024-12-15 500 "support" by r2 (a customer until
     2025-12-14), iB2 2026-02-20 800 "support" by r1 (back as a customer, not new)
  C  enterprise, owner r1: contract kC1 "support" from 2026-02-01 (MRR 200); invoice
     iC1 2026-02-01 1,000 "support" by r1
  D  enterprise, owner r2, invoices only, by r2: iD1 2026-02-05 200 USD "consulting",
     iD2 2026-02-25 60 USD "consulting", iD3 2026-03-03 100 USD "training"

Who became a customer when (the first day of its first contract, else first invoice):
A 2025-11-01, B 2024-12-15, C 2026-02-01, D 2026-02-05.
Customers on 31 January: A (B's invoice window ended 14 December). On 28 February and
31 March: A, B, C, D.
"""

from __future__ import annotations

import pytest

from cruscotto.engine import CurrencyError
from tests.engine.conftest import loaded_engine
from tests.engine.fixtures import account, day, engine_for, load, rep, ts

FEBRUARY, MARCH = "2026-02", "2026-03"


def contract(contract_id, account_id, product, start, mrr):
    return {
        "contract_id": contract_id,
        "account_id": account_id,
        "product": product,
        "start_date": day(start),
        "mrr": mrr,
        "currency": "EUR",
    }


def invoice(invoice_id, account_id, issued, amount, product, rep_id, currency="EUR"):
    return {
        "invoice_id": invoice_id,
        "account_id": account_id,
        "issued_at": ts(f"{issued} 12:00"),
        "product": product,
        "amount": amount,
        "currency": currency,
        "rep_id": rep_id,
    }


def load_company(warehouse):
    load(
        warehouse,
        reps=[rep("r1", team="North"), rep("r2", team="South")],
        accounts=[
            account("A", segment="smb", owner_id="r1"),
            account("B", segment="smb", owner_id="r2"),
            account("C", segment="enterprise", owner_id="r1"),
            account("D", segment="enterprise", owner_id="r2"),
        ],
        contracts=[
            contract("kA1", "A", "support", "2025-11-01", 100.0),
            contract("kA2", "A", "audit", "2026-02-10", 50.0),
            contract("kC1", "C", "support", "2026-02-01", 200.0),
        ],
        invoices=[
            invoice("iA1", "A", "2025-11-01", 300.0, "support", "r1"),
            invoice("iA2", "A", "2026-02-12", 400.0, "audit", "r1"),
            invoice("iB1", "B", "2024-12-15", 500.0, "support", "r2"),
            invoice("iB2", "B", "2026-02-20", 800.0, "support", "r1"),
            invoice("iC1", "C", "2026-02-01", 1000.0, "support", "r1"),
            invoice("iD1", "D", "2026-02-05", 200.0, "consulting", "r2", "USD"),
            invoice("iD2", "D", "2026-02-25", 60.0, "consulting", "r2", "USD"),
            invoice("iD3", "D", "2026-03-03", 100.0, "training", "r2", "USD"),
        ],
        fx_rates=[{"day": day("2026-01-01"), "currency": "USD", "rate_to_base": 0.5}],
    )


engine = loaded_engine(load_company)


def test_customer_acquisition(engine):
    # February: C (1 Feb) and D (5 Feb) became customers; B came back but was won in 2024.
    # Customers on 31 January: A alone → rate 2 ÷ 1.
    result = engine.value("customer_acquisition", FEBRUARY)
    assert result.value == 2
    assert result.details == {"customers_at_start": 1, "acquisition_rate": 2.0}
    page, total = engine.records("customer_acquisition", FEBRUARY)
    assert total == 2 and sorted(page["account_id"]) == ["C", "D"]
    # January: nobody new, A on 31 December; March: nobody new, A B C D on 28 February.
    trend = engine.trend("customer_acquisition", "2026-Q1", "month")
    assert [(r.value, r.details["customers_at_start"]) for r in trend] == [(0, 1), (2, 1), (0, 4)]
    # By segment: enterprise C and D (no enterprise customer on 31 January: no rate); smb
    # won nobody in February, so it has no group.
    by_segment = dict(engine.breakdown("customer_acquisition", FEBRUARY, "segment"))
    assert set(by_segment) == {"enterprise"}
    assert by_segment["enterprise"].value == 2
    assert by_segment["enterprise"].details == {"customers_at_start": 0, "acquisition_rate": None}


def test_upsell_rate(engine):
    # 28 February: A paid 100, then 150 from kA2 (10 Feb): upsold. B paid 500 on its first
    # day, 800 on 20 Feb: upsold. C one contract: no. D 200 USD, then 60 and 100 USD: no
    # (amounts compared in the invoice's currency). → 2 of 4.
    february = engine.value("upsell_rate", FEBRUARY)
    assert (february.numerator, february.denominator, february.value) == (2, 4, 0.5)
    # 31 January: A alone, not upsold yet → 0 of 1.
    trend = engine.trend("upsell_rate", "2026-01-01..2026-02-28", "month")
    assert [(r.numerator, r.denominator) for r in trend] == [(0, 1), (2, 4)]
    by_segment = dict(engine.breakdown("upsell_rate", FEBRUARY, "segment"))
    # smb: A and B both upsold; enterprise: C and D neither.
    assert {k: (r.numerator, r.denominator) for k, r in by_segment.items()} == {
        "smb": (2, 2),
        "enterprise": (0, 2),
    }
    page, total = engine.records("upsell_rate", FEBRUARY)
    flags = dict(zip(page["account_id"], page["counted_in_numerator"], strict=True))
    assert total == 4 and flags == {"A": True, "B": True, "C": False, "D": False}


def test_cross_sell_rate(engine):
    # 28 February: A has "support" and "audit" (kA2 from 10 Feb); B, C only "support", D
    # only "consulting" → 1 of 4. 31 March: D has bought "training" on 3 March → 2 of 4.
    february = engine.value("cross_sell_rate", FEBRUARY)
    assert (february.numerator, february.denominator) == (1, 4)
    trend = engine.trend("cross_sell_rate", "2026-02-01..2026-03-31", "month")
    assert [(r.numerator, r.denominator) for r in trend] == [(1, 4), (2, 4)]
    by_segment = dict(engine.breakdown("cross_sell_rate", MARCH, "segment"))
    assert {k: (r.numerator, r.denominator) for k, r in by_segment.items()} == {
        "smb": (1, 2),
        "enterprise": (1, 2),
    }


def test_net_new_revenue(engine):
    # February's invoices to customers within 12 months of becoming one: iA2 400 (A since
    # November), iC1 1,000, iD1 200 USD × 0.5 = 100 and iD2 60 USD = 30; iB2 is not (B
    # was won in December 2024). 400 + 1,000 + 100 + 30 = 1,530 over 4 invoices.
    february = engine.value("net_new_revenue", FEBRUARY)
    assert (february.value, february.sample_size) == (1530.0, 4)
    # January: no invoice, 0. March: iD3 100 USD = 50.
    trend = engine.trend("net_new_revenue", "2026-Q1", "month")
    assert [r.value for r in trend] == [0.0, 1530.0, 50.0]
    # By the invoice's rep: r1 iA2 + iC1 = 1,400; r2 iD1 + iD2 = 130.
    by_rep = {k: r.value for k, r in engine.breakdown("net_new_revenue", FEBRUARY, "rep")}
    assert by_rep == {"r1": 1400.0, "r2": 130.0}
    # Filtered to r1, iB2 (r1's, on B, an r2 account) is still not net new: the day B was
    # won is the company's first purchase, not the first of r1's invoices.
    assert engine.value("net_new_revenue", FEBRUARY, {"rep": ["r1"]}).value == 1400.0
    page, total = engine.records("net_new_revenue", FEBRUARY)
    assert total == 4 and sorted(page["invoice_id"]) == ["iA2", "iC1", "iD1", "iD2"]


def test_repeat_purchase_value(engine):
    # Each account's first invoice: iA1, iB1, iC1, iD1. February's others: iA2 400, iB2
    # 800 and iD2 60 USD = 30 → (400 + 800 + 30) ÷ 3 = 410.
    february = engine.value("repeat_purchase_value", FEBRUARY)
    assert (february.value, february.sample_size) == (410.0, 3)
    # January: none, no mean. March: iD3 100 USD = 50.
    trend = engine.trend("repeat_purchase_value", "2026-Q1", "month")
    assert [(r.value, r.sample_size) for r in trend] == [(None, 0), (410.0, 3), (50.0, 1)]
    # Filtered to r1: iA2 and iB2, B's first invoice being iB1 (r2's) whatever the filter.
    r1 = engine.value("repeat_purchase_value", FEBRUARY, {"rep": ["r1"]})
    assert (r1.value, r1.sample_size) == (600.0, 2)
    by_product = dict(engine.breakdown("repeat_purchase_value", FEBRUARY, "product"))
    # audit: iA2 400; support: iB2 800 (iC1 is C's first); consulting: iD2 30.
    assert {k: r.value for k, r in by_product.items()} == {
        "audit": 400.0,
        "support": 800.0,
        "consulting": 30.0,
    }


def test_a_rate_missing_before_the_period_stops_every_invoice_kpi_alike(warehouse):
    """Moving onto KpiScope, net new revenue and repeat purchase value check every
    currency of the invoices once, against the earliest invoice (KpiScope.to_base), as
    revenue always has: an old USD invoice from before the first USD rate is an error
    naming it, even for a later period (before: they checked the period's invoices only
    and gave a number that revenue refused to give)."""
    load(
        warehouse,
        accounts=[account("E")],
        invoices=[
            invoice("iE0", "E", "2025-12-20", 100.0, "support", "r1", "USD"),
            invoice("iE1", "E", "2026-02-10", 100.0, "support", "r1"),
        ],
        fx_rates=[{"day": day("2026-01-01"), "currency": "USD", "rate_to_base": 0.5}],
    )
    engine = engine_for(warehouse)
    for kpi_id in ("revenue", "net_new_revenue", "repeat_purchase_value"):
        with pytest.raises(CurrencyError, match="no exchange rate for USD on or before 2025-12-20"):
            engine.value(kpi_id, FEBRUARY)
