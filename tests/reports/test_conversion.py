"""Sales conversion by lead source for the March 2026 cohort (Europe/Rome).

  lead created (UTC)         channel   got to
  L1   2026-03-02            web       MQL, SQL, opportunity, won
  L2   2026-03-05            web       MQL, SQL, opportunity
  L3   2026-03-06            web       MQL
  L4   2026-03-08            web       –
  L5   2026-02-28 23:30      web       MQL          (00:30 on 1 March in Rome: March)
  L6   2026-03-10            events    MQL, SQL, opportunity, won   (owner r2)
  L7   2026-03-11            events    –
  L8   2026-03-31 22:30      events    –            (1 April in Rome: not March)
  L9   2026-03-15            referral  MQL, SQL
Campaigns started in March: web 1,000 EUR + 500 USD at 0.90 = 1,450 EUR; events 600 EUR
(an events campaign of 15 February does not count).
"""

import datetime as dt

import pandas as pd
import pytest

from cruscotto.engine import Period
from cruscotto.reports.conversion import conversion_by_source, last_matured_month
from tests.reports.company import context, day, reps, rows, ts

MARCH = Period.parse("2026-03")


def _lead(lead_id, created, channel, reached=(), owner="r1"):
    at = ts(created)
    return {
        "lead_id": lead_id,
        "created_at": at,
        "channel": channel,
        "owner_id": owner,
        "mql_at": at if "mql" in reached else None,
        "sql_at": at if "sql" in reached else None,
        "opportunity_id": f"o-{lead_id}" if "opp" in reached else None,
        "converted_at": at if "won" in reached else None,
    }


def _campaign(campaign_id, channel, started, spend, currency="EUR"):
    return {
        "campaign_id": campaign_id,
        "name": campaign_id,
        "channel": channel,
        "started_at": day(started),
        "spend": spend,
        "currency": currency,
    }


ALL = ("mql", "sql", "opp", "won")


def _load(warehouse):
    warehouse.load(
        {
            "reps": reps(("r1", "Anna", "North"), ("r2", "Bruno", "South")),
            "leads": rows(
                "leads",
                [
                    _lead("L1", "2026-03-02T10:00:00", "web", ALL),
                    _lead("L2", "2026-03-05T10:00:00", "web", ("mql", "sql", "opp")),
                    _lead("L3", "2026-03-06T10:00:00", "web", ("mql",)),
                    _lead("L4", "2026-03-08T10:00:00", "web"),
                    _lead("L5", "2026-02-28T23:30:00", "web", ("mql",)),
                    _lead("L6", "2026-03-10T10:00:00", "events", ALL, owner="r2"),
                    _lead("L7", "2026-03-11T10:00:00", "events"),
                    _lead("L8", "2026-03-31T22:30:00", "events"),
                    _lead("L9", "2026-03-15T10:00:00", "referral", ("mql", "sql")),
                ],
            ),
            "campaigns": rows(
                "campaigns",
                [
                    _campaign("C1", "web", "2026-03-01", 1000.0),
                    _campaign("C2", "web", "2026-03-20", 500.0, "USD"),
                    _campaign("C3", "events", "2026-02-15", 2000.0),
                    _campaign("C4", "events", "2026-03-03", 600.0),
                ],
            ),
            "fx_rates": rows(
                "fx_rates", [{"day": day("2026-03-01"), "currency": "USD", "rate_to_base": 0.9}]
            ),
        }
    )


@pytest.fixture(scope="module")
def company(module_warehouse):
    warehouse = module_warehouse
    _load(warehouse)
    return context(warehouse, "2026-04-10")


def test_funnel_per_channel(company):
    report = conversion_by_source(company, MARCH)
    channels = report.table("channels").frame.set_index("channel")
    assert list(channels.index) == ["web", "events", "referral", "All channels"]
    web = channels.loc["web"]
    assert (web.leads, web.mql, web.sql, web.opportunities, web.won) == (5, 4, 2, 2, 1)
    assert web.mql_rate == pytest.approx(4 / 5)
    assert web.conversion_rate == pytest.approx(1 / 5)
    assert web.opportunity_win_rate == pytest.approx(1 / 2)
    events = channels.loc["events"]
    assert (events.leads, events.won) == (2, 1)  # L8 is April's
    total = channels.loc["All channels"]
    assert (total.leads, total.mql, total.sql, total.opportunities, total.won) == (8, 6, 4, 3, 2)
    # 2 of 8 = 25%; Wilson 95%: centre (0.25 + 1.9208/8)/(1 + 3.8415/8) = 0.3311,
    # half-width 1.96·sqrt(0.25·0.75/8 + 3.8415/256)/1.4802 = 0.2596 → 0.0715 … 0.5907.
    assert total.conversion_rate == pytest.approx(0.25)
    assert total.conversion_ci_low == pytest.approx(0.0715, abs=1e-3)
    assert total.conversion_ci_high == pytest.approx(0.5907, abs=1e-3)
    assert report.facts["conversion_rate"] == pytest.approx(0.25)


def test_costs_per_lead_and_per_won_deal(company):
    channels = conversion_by_source(company, MARCH).table("channels").frame.set_index("channel")
    # web: 1,000 + 500 × 0.90 = 1,450 over 5 leads = 290, over 1 won = 1,450.
    assert channels.loc["web", "spend"] == pytest.approx(1450.0)
    assert channels.loc["web", "cost_per_lead"] == pytest.approx(290.0)
    assert channels.loc["web", "cost_per_won"] == pytest.approx(1450.0)
    # events: 600 (the February campaign is outside March) over 2 leads, 1 won.
    assert channels.loc["events", "cost_per_lead"] == pytest.approx(300.0)
    # referral has no campaign: no cost, rather than a cost of zero.
    assert pd.isna(channels.loc["referral", "cost_per_lead"])
    # All channels: 2,050 over 8 leads = 256.25, over 2 won = 1,025.
    assert channels.loc["All channels", "cost_per_lead"] == pytest.approx(256.25)
    assert channels.loc["All channels", "cost_per_won"] == pytest.approx(1025.0)


def test_a_young_cohort_is_flagged_as_maturing(company):
    report = conversion_by_source(company, MARCH)
    assert report.facts["maturing"] is True  # 10 April is within 90 days of March's end
    assert any("still maturing" in note.text for note in report.notes)
    later = context(company.warehouse, "2026-08-01")  # 1 April + 90 days = 30 June < 1 August
    assert conversion_by_source(later, MARCH).facts["maturing"] is False


def test_the_default_period_is_the_last_matured_month(company):
    # Today 10 April 2026, lag 90 days: March ends 1 April (+90 = 30 June), February 1 March
    # (+90 = 30 May), January 1 February (+90 = 2 May): all later than today. December 2025
    # ends 1 January (+90 = 1 April ≤ 10 April): the last cohort that has matured.
    assert last_matured_month(dt.date(2026, 4, 10), 90) == Period.parse("2025-12")
    assert last_matured_month(dt.date(2026, 4, 1), 90) == Period.parse("2025-12")  # exactly
    assert last_matured_month(dt.date(2026, 3, 31), 90) == Period.parse("2025-11")
    assert last_matured_month(dt.date(2026, 4, 10), 0) == Period.parse("2026-03")
    report = conversion_by_source(company)
    assert report.period == Period.parse("2025-12") and report.facts["maturing"] is False
    (note,) = [n for n in report.notes if n.key == "matured_default"]
    assert note.params == {"period": "2025-12", "days": 90}
    # A period asked for is kept, and says nothing about the default.
    asked = conversion_by_source(company, MARCH)
    assert asked.period == MARCH and all(n.key != "matured_default" for n in asked.notes)


def test_a_rep_sees_own_leads_and_no_company_spend(company):
    report = conversion_by_source(company, MARCH, {"rep": ["r1"]})
    channels = report.table("channels").frame.set_index("channel")
    assert channels.loc["events", "leads"] == 1 and channels.loc["events", "won"] == 0
    assert channels["spend"].isna().all() and channels["cost_per_lead"].isna().all()
    assert any("Costs are shown only" in note.text for note in report.notes)


def test_a_channel_filter_keeps_its_costs(company):
    channels = conversion_by_source(company, MARCH, {"channel": ["web"]}).table("channels").frame
    assert list(channels.channel) == ["web", "All channels"]
    assert channels.spend.tolist() == pytest.approx([1450.0, 1450.0])


def test_an_empty_period_has_no_rates(company):
    report = conversion_by_source(company, Period.parse("2025-01"))
    total = report.table("channels").frame.iloc[-1]
    assert total.leads == 0
    assert pd.isna(total.conversion_rate)
    assert report.facts["conversion_rate"] is None


def test_the_report_agrees_with_the_engines_lead_conversion_rate(company):
    kpi = company.value("lead_conversion_rate", MARCH)
    report = conversion_by_source(company, MARCH)
    assert report.facts["conversion_rate"] == pytest.approx(kpi.value)  # 2 of 8
    assert report.facts["maturing"] == kpi.maturing
    web = company.value("lead_conversion_rate", MARCH, {"channel": ["web"]})
    channels = report.table("channels").frame.set_index("channel")
    assert channels.loc["web", "conversion_rate"] == pytest.approx(web.value)  # 1 of 5
