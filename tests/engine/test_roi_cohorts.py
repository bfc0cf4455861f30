"""Marketing ROI by campaign cohorts (issue 17, item 9), worked out by hand.

  K1  ads, 10 Jan – 20 Mar 2026, spend 1,000: a 2026-Q1 campaign
  K2  email, 1 Dec 2025 – 31 Jan 2026, spend 500: a 2025-Q4 campaign (31 of its 62 days
      fall in January)
Won deals (EUR) from campaign leads: o1 (K1) 2,000 on 15 Feb; o2 (K2) 3,000 on 1 Feb;
o3 (K1) 1,500 on 10 May, after the quarter. o4 (no campaign) 9,000 on 1 Mar.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.engine.fixtures import engine_for, load, ts, won_deal


def won(opportunity_id, lead_id, closed, amount):
    return won_deal(opportunity_id, closed, amount, lead_id=lead_id)


@pytest.fixture
def company(warehouse):
    def lead(lead_id, campaign_id, channel):
        return {"lead_id": lead_id, "created_at": ts("2025-12-10 09:00"), "channel": channel,
                "campaign_id": campaign_id}  # fmt: skip

    load(
        warehouse,
        campaigns=[
            {"campaign_id": "K1", "name": "K1", "channel": "ads", "started_at": "2026-01-10",
             "ended_at": "2026-03-20", "spend": 1000.0, "currency": "EUR"},
            {"campaign_id": "K2", "name": "K2", "channel": "email", "started_at": "2025-12-01",
             "ended_at": "2026-01-31", "spend": 500.0, "currency": "EUR"},
        ],
        leads=[lead("L1", "K1", "ads"), lead("L2", "K2", "email"), lead("L3", "K1", "ads"),
               lead("L4", None, "web")],
        opportunities=[
            won("o1", "L1", "2026-02-15 10:00", 2000.0),
            won("o2", "L2", "2026-02-01 10:00", 3000.0),
            won("o3", "L3", "2026-05-10 10:00", 1500.0),
            won("o4", "L4", "2026-03-01 10:00", 9000.0),
        ],
    )  # fmt: skip
    return warehouse


def test_roi_compares_a_cohort_of_campaigns_with_what_it_brought(company):
    engine = engine_for(company, today=dt.date(2026, 6, 1))
    q1 = engine.value("roi", "2026-Q1")
    # The Q1 cohort is K1: its 1,000 against o1 and o3, whenever closed: 3,500.
    # (3,500 − 1,000) ÷ 1,000 = 2.5. (Q1's wins from any campaign over Q1's spread spend
    # gave (5,000 − (1,000 + 250)) ÷ 1,250 = 3.)
    assert q1.value == pytest.approx(2.5)
    assert q1.details == pytest.approx(
        {"campaign_revenue": 3500.0, "marketing_spend": 1000.0, "deals": 2}
    )
    # K1 ended 20 March: its deals may still come until 18 June → maturing on 1 June.
    assert q1.maturing is True
    # The 2025-Q4 cohort, K2: (3,000 − 500) ÷ 500 = 5; ended 31 Jan + 90 days = 1 May.
    q4 = engine.value("roi", "2025-Q4")
    assert q4.value == pytest.approx(5.0)
    assert q4.maturing is False
    by_channel = dict(engine.breakdown("roi", "2026-Q1", "channel"))
    assert set(by_channel) == {"ads"}
    assert by_channel["ads"].value == pytest.approx(2.5)


def test_a_cohort_is_mature_90_days_after_its_last_campaign(company):
    engine = engine_for(company, today=dt.date(2026, 7, 1))
    assert engine.value("roi", "2026-Q1").maturing is False


def test_a_period_without_campaigns_has_no_roi(company):
    result = engine_for(company, today=dt.date(2026, 7, 1)).value("roi", "2026-Q2")
    assert result.value is None
    assert result.status is None
