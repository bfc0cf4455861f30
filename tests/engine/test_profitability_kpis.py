"""Marketing and profitability KPIs (SPEC §3.5) against numbers worked out by hand.

Base currency EUR; USD at 0.9 and GBP at 1.2 EUR throughout. Time zone Europe/Rome.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cruscotto.engine import Engine, Period
from tests.engine.cx_data import account, fx, load

TODAY = dt.date(2026, 4, 15)
MARCH = Period.parse("2026-03")
Q1 = Period.parse("2026-Q1")


def value(warehouse, kpi_id, period=MARCH, filters=None):
    return Engine(warehouse, today=TODAY).value(kpi_id, period, filters)


def campaign(campaign_id, channel, start, end, spend, currency="EUR"):
    return {
        "campaign_id": campaign_id,
        "name": f"Campaign {campaign_id}",
        "channel": channel,
        "started_at": start,
        "ended_at": end,
        "spend": spend,
        "currency": currency,
    }


CAMPAIGNS = [
    campaign("M1", "email", "2026-03-01", "2026-03-31", 3100.0),
    # 15 Feb – 16 Mar = 30 days (14 in February, 16 in March); 3,000 USD = 2,700 EUR.
    campaign("M2", "linkedin", "2026-02-15", "2026-03-16", 3000.0, "USD"),
    campaign("M3", "events", "2026-04-01", None, 500.0),  # no end day: all on 1 April
]


@pytest.fixture
def marketing(warehouse):
    return load(warehouse, campaigns=CAMPAIGNS, fx_rates=[fx("USD", 0.9), fx("GBP", 1.2)])


def test_marketing_spend_is_spread_over_the_campaign_days(marketing):
    result = value(marketing, "marketing_spend")
    # M1 3,100 (all of it in March) + M2 2,700 × 16 ÷ 30 = 1,440 → 4,540.
    assert result.value == pytest.approx(4540.0)
    # February: M2 2,700 × 14 ÷ 30 = 1,260. April: M3 500.
    assert value(marketing, "marketing_spend", Period.parse("2026-02")).value == (
        pytest.approx(1260.0)
    )
    assert value(marketing, "marketing_spend", Period.parse("2026-04")).value == (
        pytest.approx(500.0)
    )
    # The quarter has all of M1 and M2: 3,100 + 2,700.
    assert value(marketing, "marketing_spend", Q1).value == pytest.approx(5800.0)
    rows = dict(Engine(marketing, today=TODAY).breakdown("marketing_spend", MARCH, "channel"))
    assert rows["email"].value == pytest.approx(3100.0)
    assert rows["linkedin"].value == pytest.approx(1440.0)
    assert "events" not in rows  # nothing spent in March
    assert value(marketing, "marketing_spend", filters={"campaign": ["M2"]}).value == (
        pytest.approx(1440.0)
    )


def test_marketing_spend_of_an_empty_period_is_zero(marketing):
    assert value(marketing, "marketing_spend", Period.parse("2025-06")).value == 0.0


def test_marketing_spend_needs_a_rate_for_each_currency(warehouse):
    load(warehouse, campaigns=[campaign("X", "email", "2026-03-01", None, 10.0, "JPY")])
    with pytest.raises(Exception, match="JPY"):
        value(warehouse, "marketing_spend")


def test_cac_marketing_only_and_fully_loaded(marketing):
    load(
        marketing,
        accounts=[
            account("N1", acquisition_channel="email"),
            account("N2", acquisition_channel="linkedin"),
            account("O1", acquisition_channel="email"),
        ],
        contracts=[
            {"contract_id": "n1", "account_id": "N1", "start_date": "2026-03-05", "mrr": 100.0,
             "currency": "EUR"},
            {"contract_id": "n2", "account_id": "N2", "start_date": "2026-03-31", "mrr": 100.0,
             "currency": "EUR"},
            # O1 has been a customer since 2025: a second contract is not an acquisition.
            {"contract_id": "o1", "account_id": "O1", "start_date": "2025-05-01", "mrr": 100.0,
             "currency": "EUR"},
            {"contract_id": "o2", "account_id": "O1", "start_date": "2026-03-10", "mrr": 50.0,
             "currency": "EUR"},
        ],
        financials=[
            {"month": "2026-03-01", "revenue": 20000.0, "cogs": 5000.0, "opex": 9000.0},
        ],
    )  # fmt: skip
    result = value(marketing, "cac")
    # Spend 4,540 ÷ 2 new customers (N1, N2) = 2,270; fully loaded: opex 9,000 ÷ 2 = 4,500.
    assert result.value == pytest.approx(2270.0)
    assert result.details["new_customers"] == 2
    assert result.details["fully_loaded"] == pytest.approx(4500.0)
    # By channel: email spend 3,100 ÷ 1 email-acquired customer (N1).
    email = value(marketing, "cac", filters={"channel": ["email"]})
    assert email.value == pytest.approx(3100.0)
    assert email.details["fully_loaded"] is None  # the P&L is not split by channel
    # No new customer in April: CAC undefined.
    assert value(marketing, "cac", Period.parse("2026-04")).value is None


def lead(lead_id, campaign_id, channel="email"):
    return {
        "lead_id": lead_id,
        "created_at": "2026-01-05T09:00:00",
        "channel": channel,
        "campaign_id": campaign_id,
    }


def deal(opportunity_id, lead_id, status, closed_at, amount, currency="EUR"):
    return {
        "opportunity_id": opportunity_id,
        "lead_id": lead_id,
        "pipeline": "new business",
        "stage": "closed",
        "amount": amount,
        "currency": currency,
        "created_at": "2026-01-10T09:00:00",
        "closed_at": closed_at,
        "status": status,
    }


@pytest.fixture
def seed_campaign(warehouse):
    # Seed 000: 10,000 spent on marketing brings 15,000 of revenue → ROI 50%.
    return load(
        warehouse,
        campaigns=[campaign("C1", "email", "2026-01-01", "2026-03-31", 10000.0)],
        leads=[lead("L1", "C1"), lead("L2", "C1"), lead("L3", None, "referral")],
        opportunities=[
            deal("O1", "L1", "won", "2026-02-10T10:00:00", 9000.0),
            deal("O2", "L2", "won", "2026-03-20T10:00:00", 5000.0, "GBP"),  # 6,000 EUR
            deal("O3", "L2", "lost", "2026-03-01T10:00:00", 4000.0),
            deal("O4", "L3", "won", "2026-03-05T10:00:00", 7000.0),  # not from a campaign
        ],
        fx_rates=[fx("GBP", 1.2)],
    )


def test_roi_of_the_seed_example(seed_campaign):
    result = value(seed_campaign, "roi", Q1)
    # Q1: won from C1's leads 9,000 + 5,000 GBP × 1.2 = 15,000; spend 10,000.
    # (15,000 − 10,000) ÷ 10,000 = 0.5.
    assert result.value == pytest.approx(0.5)
    assert result.details["campaign_revenue"] == pytest.approx(15000.0)
    assert result.details["marketing_spend"] == pytest.approx(10000.0)


def test_roi_of_a_month_counts_only_the_campaigns_started_in_it(seed_campaign):
    # ROI is by campaign cohort (issue 17, item 9): C1 started on 1 January, so March has
    # no campaign of its own and no ROI, although C1 still ran and brought deals in March
    # (the old rule gave March a 31/90 share of C1's spend: 6,000 × 90 ÷ 310,000 − 1).
    assert value(seed_campaign, "roi").value is None


def test_campaign_revenue(seed_campaign):
    assert value(seed_campaign, "campaign_revenue", Q1).value == pytest.approx(15000.0)
    march = value(seed_campaign, "campaign_revenue")
    assert march.value == pytest.approx(6000.0)  # O2 only; O4 has no campaign
    assert march.sample_size == 1
    rows = dict(Engine(seed_campaign, today=TODAY).breakdown("campaign_revenue", Q1, "campaign"))
    assert rows["C1"].value == pytest.approx(15000.0)
    assert value(seed_campaign, "campaign_revenue", Period.parse("2025-01")).value == 0.0


def test_roi_without_spend_is_undefined(seed_campaign):
    assert value(seed_campaign, "roi", Period.parse("2026-05")).value is None


def test_list_growth_rate_of_the_seed_example(warehouse):
    def event(day, kind, count):
        return {"occurred_at": day, "event": kind, "list_id": "newsletter", "count": count}

    load(
        warehouse,
        list_events=[
            event("2025-12-01", "subscribe", 5200),
            event("2026-01-15", "unsubscribe", 200),  # 5,000 on the list on 1 March
            event("2026-03-05", "subscribe", 300),
            event("2026-03-20", "subscribe", 200),
            event("2026-03-25", "unsubscribe", 50),
            event("2026-04-02", "subscribe", 999),
        ],
    )
    result = value(warehouse, "list_growth_rate")
    # Seed 002: (500 − 50) ÷ 5,000 = 0.09.
    assert result.value == pytest.approx(0.09)
    assert result.details["list_size_at_start"] == 5000
    # Before the first subscriber the list is empty: the rate is undefined.
    assert value(warehouse, "list_growth_rate", Period.parse("2025-11")).value is None


INVOICES = [
    {"invoice_id": "i1", "account_id": "A", "issued_at": "2026-03-03", "amount": 1000.0,
     "direct_cost": 600.0, "currency": "EUR", "rep_id": None},
    {"invoice_id": "i2", "account_id": "B", "issued_at": "2026-03-31", "amount": 500.0,
     "direct_cost": 200.0, "currency": "USD"},  # 450 EUR, cost 180 EUR
    {"invoice_id": "i3", "account_id": "A", "issued_at": "2026-02-10", "amount": 800.0,
     "direct_cost": 200.0, "currency": "EUR"},
    {"invoice_id": "i4", "account_id": "A", "issued_at": "2025-03-15", "amount": 600.0,
     "direct_cost": 100.0, "currency": "EUR"},
    {"invoice_id": "i5", "account_id": "B", "issued_at": "2026-04-01", "amount": 999.0,
     "direct_cost": 0.0, "currency": "EUR"},
]  # fmt: skip


@pytest.fixture
def invoices(warehouse):
    return load(
        warehouse,
        accounts=[account("A", segment="smb"), account("B", segment="enterprise")],
        invoices=INVOICES,
        fx_rates=[fx("USD", 0.9)],
    )


def test_revenue_with_growth(invoices):
    result = value(invoices, "revenue")
    # March: 1,000 + 500 USD × 0.9 = 1,450. February 800; March 2025 600.
    assert result.value == pytest.approx(1450.0)
    assert result.details["growth_vs_previous"] == pytest.approx(1450 / 800 - 1)
    assert result.details["growth_vs_last_year"] == pytest.approx(1450 / 600 - 1)
    assert value(invoices, "revenue", filters={"segment": ["enterprise"]}).value == (
        pytest.approx(450.0)
    )
    empty = value(invoices, "revenue", Period.parse("2024-01"))
    assert empty.value == 0.0
    assert empty.details["growth_vs_previous"] is None


def test_gross_margin(invoices):
    result = value(invoices, "gross_margin")
    # March: revenue 1,450, direct cost 600 + 200 USD × 0.9 = 780 → 670 ÷ 1,450.
    assert result.value == pytest.approx(670 / 1450)
    # Enterprise (B): (450 − 180) ÷ 450 = 0.6.
    b = value(invoices, "gross_margin", filters={"segment": ["enterprise"]})
    assert b.value == pytest.approx(0.6)
    assert value(invoices, "gross_margin", Period.parse("2024-01")).value is None


def pnl(month, revenue, cogs, opex):
    return {"month": month, "revenue": revenue, "cogs": cogs, "opex": opex}


@pytest.fixture
def financials(warehouse):
    months = [pnl("2025-03-01", 10000.0, 0.0, 0.0)]
    # April–December 2025: EBITDA 10,000 − 4,000 − 2,000 = 4,000 a month.
    months += [pnl(f"2025-{m:02d}-01", 10000.0, 4000.0, 2000.0) for m in range(4, 13)]
    months += [
        pnl("2026-01-01", 10000.0, 4000.0, 3000.0),  # EBITDA 3,000
        pnl("2026-02-01", 12000.0, 5000.0, 4000.0),  # EBITDA 3,000
        pnl("2026-03-01", 8000.0, 3000.0, 4000.0),  # EBITDA 1,000
    ]
    return load(warehouse, financials=months)


def test_ebitda_margin(financials):
    march = value(financials, "ebitda_margin")
    assert march.value == pytest.approx(1000 / 8000)  # 0.125
    assert march.status == "off_target"  # target 25%
    quarter = value(financials, "ebitda_margin", Q1)
    # (3,000 + 3,000 + 1,000) ÷ (10,000 + 12,000 + 8,000) = 7,000 ÷ 30,000 = 0.2333.
    assert quarter.value == pytest.approx(7000 / 30000)
    assert quarter.status == "at_risk"  # within 10% of 0.25 (≥ 0.225)
    # A week inside March takes March's P&L.
    assert value(financials, "ebitda_margin", Period.parse("2026-W12")).value == (
        pytest.approx(0.125)
    )
    assert value(financials, "ebitda_margin", Period.parse("2024-01")).value is None


def test_enterprise_value_from_trailing_twelve_month_ebitda(financials):
    result = value(financials, "enterprise_value")
    # April 2025 – March 2026: 9 × 4,000 + 3,000 + 3,000 + 1,000 = 43,000 (March 2025 is out).
    assert result.details["ttm_ebitda"] == pytest.approx(43000.0)
    assert result.details["low"] == pytest.approx(43000 * 6)
    assert result.details["high"] == pytest.approx(43000 * 10)
    assert result.value == pytest.approx(43000 * 8)  # midpoint of 6× and 10×
    # In May 2025 only March–May 2025 exist: (10,000 + 4,000 + 4,000) × 12 ÷ 3 = 72,000.
    early = value(financials, "enterprise_value", Period.parse("2025-05"))
    assert early.details["months"] == 3
    assert early.details["ttm_ebitda"] == pytest.approx(72000.0)
    assert value(financials, "enterprise_value", Period.parse("2024-01")).value is None


def test_revenue_trend_in_one_query(invoices):
    series = Engine(invoices, today=TODAY).trend("revenue", Period.parse("2026-Q1"), "month")
    # January nothing, February 800, March 1,000 + 450.
    assert [r.value for r in series] == [0.0, pytest.approx(800.0), pytest.approx(1450.0)]


def test_marketing_spend_trend_in_one_query(marketing):
    series = Engine(marketing, today=TODAY).trend(
        "marketing_spend", Period.parse("2026-02-01..2026-04-30"), "month"
    )
    # February: M2 1,260; March: 3,100 + 1,440 = 4,540; April: M3 500.
    assert [r.value for r in series] == [
        pytest.approx(1260.0),
        pytest.approx(4540.0),
        pytest.approx(500.0),
    ]
    weeks = Engine(marketing, today=TODAY).trend("marketing_spend", MARCH, "week")
    assert sum(r.value for r in weeks) == pytest.approx(4540.0)  # the parts add up
