"""Acquisition KPIs (SPEC §3.1) on a hand-made March 2026, company in Europe/Rome.

Rome is UTC+1 until 29 March 2026 and UTC+2 after, so:
  L5 created 2026-02-28 23:30Z is 1 March 00:30 in Rome → a March lead;
  L4 created 2026-03-31 22:30Z is 1 April 00:30 in Rome → an April lead.
USD rates: 0.9 from 2026-03-01, 0.8 from 2026-03-10 (none on later days: the latest
earlier rate applies).
"""

import pytest

from cruscotto.engine import Period
from tests.engine.conftest import loaded_engine
from tests.engine.fixtures import account, day, engine_for, load, rep, ts

MARCH = "2026-03"


def load_acquisition(warehouse):
    load(
        warehouse,
        reps=[rep("r1", team="North"), rep("r2", team="South")],
        accounts=[account("a1", segment="smb"), account("a2", segment="enterprise")],
        campaigns=[
            {
                "campaign_id": "c1",
                "name": "Ads",
                "channel": "ads",
                "started_at": day("2026-03-01"),
                "spend": 1000.0,
                "currency": "EUR",
            },
            {
                "campaign_id": "c2",
                "name": "Web",
                "channel": "web",
                "started_at": day("2026-03-15"),
                "spend": 500.0,
                "currency": "USD",
            },
        ],
        leads=[
            {
                "lead_id": "L1",
                "created_at": ts("2026-03-02 09:00"),
                "channel": "ads",
                "campaign_id": "c1",
                "owner_id": "r1",
                "account_id": "a1",
                "mql_at": ts("2026-03-03 09:00"),
                "sql_at": ts("2026-03-05 09:00"),
                "first_response_at": ts("2026-03-02 10:00"),
                "converted_at": ts("2026-03-25 10:00"),
                "opportunity_id": "o1",
            },
            {
                "lead_id": "L2",
                "created_at": ts("2026-03-10 08:00"),
                "channel": "web",
                "campaign_id": "c2",
                "owner_id": "r2",
                "account_id": "a2",
                "mql_at": ts("2026-03-11 08:00"),
                "first_response_at": ts("2026-03-10 11:00"),
            },
            {
                "lead_id": "L3",
                "created_at": ts("2026-03-20 12:00"),
                "channel": "ads",
                "campaign_id": "c1",
                "owner_id": "r1",
                "first_response_at": ts("2026-03-20 14:00"),
                "disqualified_at": ts("2026-03-21 12:00"),
            },
            {
                "lead_id": "L4",
                "created_at": ts("2026-03-31 22:30"),
                "channel": "web",
                "owner_id": "r2",
                "mql_at": ts("2026-04-01 08:00"),
            },
            {
                "lead_id": "L5",
                "created_at": ts("2026-02-28 23:30"),
                "channel": "event",
                "owner_id": "r1",
                "account_id": "a1",
                "mql_at": ts("2026-03-01 10:00"),
                "sql_at": ts("2026-03-02 10:00"),
                "converted_at": ts("2026-03-28 10:00"),
                "opportunity_id": "o3",
            },
        ],
        opportunities=[
            {
                "opportunity_id": "o1",
                "account_id": "a1",
                "lead_id": "L1",
                "owner_id": "r1",
                "pipeline": "new",
                "stage": "won",
                "amount": 1000.0,
                "currency": "EUR",
                "created_at": ts("2026-03-06 09:00"),
                "closed_at": ts("2026-03-25 10:00"),
                "status": "won",
            },
            {
                "opportunity_id": "o2",
                "account_id": "a2",
                "owner_id": "r2",
                "pipeline": "new",
                "stage": "lost",
                "amount": 2000.0,
                "currency": "USD",
                "created_at": ts("2026-03-10 09:00"),
                "closed_at": ts("2026-03-30 10:00"),
                "status": "lost",
            },
            {
                "opportunity_id": "o3",
                "account_id": "a1",
                "lead_id": "L5",
                "owner_id": "r1",
                "pipeline": "new",
                "stage": "proposal",
                "amount": 3000.0,
                "currency": "EUR",
                "created_at": ts("2026-03-08 10:00"),
                "status": "open",
            },
        ],
        activities=[
            # L1's touches: two outbound before o1 opened (06 March), one after, one inbound.
            {
                "activity_id": "x1",
                "type": "call",
                "occurred_at": ts("2026-03-02 10:00"),
                "rep_id": "r1",
                "lead_id": "L1",
                "direction": "outbound",
            },
            {
                "activity_id": "x2",
                "type": "email",
                "occurred_at": ts("2026-03-04 10:00"),
                "rep_id": "r1",
                "lead_id": "L1",
                "direction": "outbound",
            },
            {
                "activity_id": "x3",
                "type": "meeting",
                "occurred_at": ts("2026-03-07 10:00"),
                "rep_id": "r1",
                "lead_id": "L1",
                "direction": "outbound",
                "outcome": "accepted",
            },
            {
                "activity_id": "x4",
                "type": "email",
                "occurred_at": ts("2026-03-03 10:00"),
                "rep_id": "r1",
                "lead_id": "L1",
                "direction": "inbound",
            },
            # L5's touch before o3 opened (08 March).
            {
                "activity_id": "x5",
                "type": "call",
                "occurred_at": ts("2026-03-05 10:00"),
                "rep_id": "r1",
                "lead_id": "L5",
                "direction": "outbound",
            },
            {
                "activity_id": "x6",
                "type": "meeting",
                "occurred_at": ts("2026-03-15 10:00"),
                "rep_id": "r2",
                "direction": "outbound",
                "outcome": "declined",
            },
            {
                "activity_id": "x7",
                "type": "meeting",
                "occurred_at": ts("2026-03-16 10:00"),
                "rep_id": "r2",
                "direction": "outbound",
                "outcome": "proposed",
            },
            {
                "activity_id": "x8",
                "type": "call",
                "occurred_at": ts("2026-03-16 11:00"),
                "rep_id": "r2",
                "direction": "outbound",
                "outcome": "accepted",
            },
        ],
        quotes=[
            {
                "quote_id": "q1",
                "opportunity_id": "o1",
                "requested_at": ts("2026-03-12 09:00"),
                "status": "accepted",
            },
            {
                "quote_id": "q2",
                "opportunity_id": "o2",
                "requested_at": ts("2026-03-20 09:00"),
                "status": "rejected",
            },
            {
                "quote_id": "q3",
                "opportunity_id": "o3",
                "requested_at": ts("2026-04-02 09:00"),
                "status": "requested",
            },
        ],
        contracts=[
            {
                "contract_id": "k1",
                "account_id": "a1",
                "start_date": day("2026-03-25"),
                "mrr": 100.0,
                "currency": "EUR",
            },
            {
                "contract_id": "k2",
                "account_id": "a2",
                "start_date": day("2025-06-01"),
                "mrr": 200.0,
                "currency": "EUR",
            },
        ],
        mentions=[
            {"measured_on": day("2026-03-10"), "brand": "us", "is_own": True, "mentions": 30},
            {"measured_on": day("2026-03-10"), "brand": "rival", "is_own": False, "mentions": 50},
            {"measured_on": day("2026-03-20"), "brand": "other", "is_own": False, "mentions": 20},
            {"measured_on": day("2026-04-10"), "brand": "us", "is_own": True, "mentions": 10},
        ],
        fx_rates=[
            {"day": day("2026-03-01"), "currency": "USD", "rate_to_base": 0.9},
            {"day": day("2026-03-10"), "currency": "USD", "rate_to_base": 0.8},
        ],
    )


engine = loaded_engine(load_acquisition)


def test_new_leads_cut_in_the_company_time_zone(engine):
    # March in Rome: L1, L2, L3 and L5 (00:30 on 1 March local); L4 is 1 April local.
    assert engine.value("new_leads", MARCH).value == 4
    assert engine.value("new_leads", "2026-04").value == 1
    assert engine.value("new_leads", "2026-02").value == 0


def test_the_same_leads_cut_in_utc(engine):
    utc = engine_for(engine.warehouse, timezone="UTC")
    # In UTC, L5 is a February lead and L4 a March one.
    assert utc.value("new_leads", "2026-02").value == 1
    assert utc.value("new_leads", MARCH).value == 4  # L1, L2, L3, L4
    assert utc.value("new_leads", "2026-04").value == 0


def test_new_leads_trend_filters_and_breakdowns(engine):
    trend = engine.trend("new_leads", "2026-Q1", "month")
    assert [(r.period.label, r.value) for r in trend] == [
        ("2026-01", 0),
        ("2026-02", 0),
        ("2026-03", 4),
    ]
    assert engine.value("new_leads", MARCH, {"rep": ["r1"]}).value == 3  # L1, L3, L5
    assert engine.value("new_leads", MARCH, {"team": ["South"]}).value == 1  # L2
    assert engine.value("new_leads", MARCH, {"channel": ["ads"]}).value == 2  # L1, L3
    by_channel = {key: r.value for key, r in engine.breakdown("new_leads", MARCH, "channel")}
    assert by_channel == {"ads": 2, "web": 1, "event": 1}
    # Segment comes from the lead's account; L3 has none.
    by_segment = {key: r.value for key, r in engine.breakdown("new_leads", MARCH, "segment")}
    assert by_segment == {"smb": 2, "enterprise": 1, None: 1}


def test_fiscal_year_quarters():
    # With a fiscal year starting in April, FY2025 runs April 2025 – March 2026: its fourth
    # quarter is January–March 2026.
    quarters = Period.parse("FY2025", 4).split("quarter", 4)
    assert [q.label for q in quarters] == ["FY2025-Q1", "FY2025-Q2", "FY2025-Q3", "FY2025-Q4"]
    assert quarters[3] == Period(day("2026-01-01"), day("2026-04-01"))


def test_fiscal_trend(engine):
    fiscal = engine_for(engine.warehouse, fiscal_year_start_month=4)
    trend = fiscal.trend("new_leads", "FY2025", "quarter")
    assert [r.value for r in trend] == [0, 0, 0, 4]


def test_qualified_leads_and_sql_leads(engine):
    result = engine.value("qualified_leads", MARCH)
    assert result.value == 3  # MQL in March: L5 (1 Mar), L1 (3 Mar), L2 (11 Mar); L4 is April
    assert result.details["sql_leads"] == 2  # SQL in March: L5, L1


def test_cost_per_qualified_lead_converts_at_the_latest_earlier_rate(engine):
    # c1 1,000 EUR + c2 500 USD started 15 March at the 10 March rate 0.8 = 400 EUR (each
    # without an end day spends it all on its first day). The one marketing spend: the
    # KPI is marketing spend ÷ qualified leads.
    assert engine.value("marketing_spend", MARCH).value == pytest.approx(1400.0)
    assert engine.value("qualified_leads", MARCH).value == 3
    result = engine.value("cost_per_qualified_lead", MARCH)
    assert result.value == pytest.approx(1400 / 3)


def test_lead_response_time(engine):
    # Answered March leads: L1 1 h, L2 3 h, L3 2 h → mean 2 h, median 2 h.
    result = engine.value("lead_response_time", MARCH)
    assert result.value == pytest.approx(2.0)
    assert result.details["median"] == pytest.approx(2.0)
    assert result.sample_size == 3
    # 2 h against the 1–2 h band (lower is better) would be on target, but a mean of
    # 3 leads is too few records to judge.
    assert result.status == "too_few"


def test_new_opportunities_and_average_value(engine):
    assert engine.value("new_opportunities", MARCH).value == 3
    # o1 1,000 EUR; o2 2,000 USD × 0.8 (10 March rate) = 1,600; o3 3,000 EUR.
    result = engine.value("avg_opportunity_value", MARCH)
    assert result.value == pytest.approx((1000 + 1600 + 3000) / 3)
    assert result.details["median"] == pytest.approx(1600)


def test_lead_to_opportunity_rate_and_time(engine):
    rate = engine.value("lead_to_opportunity_rate", MARCH)
    # Cohort: MQL in March = L1, L2, L5; with an opportunity: L1, L5 → 2 / 3.
    assert (rate.numerator, rate.denominator) == (2, 3)
    assert rate.value == pytest.approx(2 / 3)
    assert rate.maturing is False  # 30 days after 1 April is long before 1 December
    time = engine.value("lead_to_opportunity_time", MARCH)
    # o1: MQL 3 Mar 09:00 → opened 6 Mar 09:00 = 3 days; o3: 1 Mar 10:00 → 8 Mar 10:00 = 7.
    assert time.value == pytest.approx(5.0)


def test_lead_conversion_rate_with_wilson_interval(engine):
    result = engine.value("lead_conversion_rate", MARCH)
    # Cohort: leads created in March = L1, L2, L3, L5; customers: L1, L5 → 2 / 4 = 50%.
    assert (result.numerator, result.denominator, result.value) == (2, 4, 0.5)
    # Wilson 95% for 2 of 4: centre 0.5, half-width 1.96·√(0.25/4 + 1.96²/64)/(1 + 1.96²/4)
    # = 1.96 × 0.35003 / 1.96037 = 0.34997 → [0.150, 0.850].
    assert result.ci_low == pytest.approx(0.1500, abs=1e-4)
    assert result.ci_high == pytest.approx(0.8500, abs=1e-4)
    # 50% ≥ the 15% bottom of the 15–20% band, but 2 of 4 is too few to judge.
    assert result.status == "too_few"


def test_a_young_cohort_is_maturing(engine):
    young = engine_for(engine.warehouse, today=day("2026-04-15"))
    # March cohort, 90-day lag: 1 April + 90 days = 30 June > 15 April.
    assert young.value("lead_conversion_rate", MARCH).maturing is True


def test_sql_to_customer_rate(engine):
    result = engine.value("sql_to_customer_rate", MARCH)
    assert (result.numerator, result.denominator) == (2, 2)  # L1 and L5 both became customers


def test_quotes(engine):
    assert engine.value("quotes_requested", MARCH).value == 2  # q1, q2; q3 is April
    result = engine.value("quote_to_customer_rate", MARCH)
    assert (result.numerator, result.denominator) == (1, 2)  # q1's deal o1 won; q2's o2 lost


def test_system_touches(engine):
    # o1 (from L1): x1, x2 outbound before 6 March (x3 after, x4 inbound) = 2 touches;
    # o3 (from L5): x5 = 1 touch. (2 + 1) / 2 opportunities = 1.5.
    result = engine.value("system_touches", MARCH)
    assert (result.numerator, result.denominator) == (3, 2)
    assert result.value == pytest.approx(1.5)


def test_meeting_acceptance_rate(engine):
    # Meetings proposed in March: x3 accepted, x6 declined, x7 proposed (x8 is a call) → 1/3.
    result = engine.value("meeting_acceptance_rate", MARCH)
    assert (result.numerator, result.denominator) == (1, 3)


def test_customer_acquisition(engine):
    result = engine.value("customer_acquisition", MARCH)
    # a1's first contract starts 25 March: one new customer; on 28 February only a2 (k2).
    assert result.value == 1
    assert result.details["customers_at_start"] == 1
    assert result.details["acquisition_rate"] == pytest.approx(1.0)
    page, total = engine.records("customer_acquisition", MARCH)
    assert total == 1 and list(page["account_id"]) == ["a1"]


def test_share_of_voice(engine):
    # March: own 30 of 30 + 50 + 20 = 100 mentions → 30%.
    result = engine.value("share_of_voice", MARCH)
    assert (result.numerator, result.denominator, result.value) == (30, 100, 0.3)


def test_records_behind_a_rate(engine):
    page, total = engine.records("lead_conversion_rate", MARCH, sort="created_at")
    assert total == 4
    assert list(page["lead_id"]) == ["L5", "L1", "L2", "L3"]
    assert list(page["counted_in_numerator"]) == [True, True, False, False]
    page, total = engine.records(
        "new_leads", MARCH, {"rep": ["r1"]}, limit=2, offset=2, sort="created_at"
    )
    assert total == 3 and list(page["lead_id"]) == ["L3"]


def test_dimension_values_for_filter_pickers(engine):
    assert engine.dimension_values("rep") == [("r1", "Rep r1"), ("r2", "Rep r2")]
    # Channels of leads and campaigns together, each once.
    assert [value for value, _ in engine.dimension_values("channel")] == ["ads", "event", "web"]
    assert engine.dimension_values("segment") == [("enterprise", "enterprise"), ("smb", "smb")]


def test_many_kpis_at_once_match_one_at_a_time(engine):
    ids = ["new_leads", "lead_conversion_rate", "avg_opportunity_value", "system_touches"]
    together = engine.values(ids, MARCH)
    for kpi_id in ids:
        assert together[kpi_id].to_dict() == engine.value(kpi_id, MARCH).to_dict()
    trends = engine.trends(ids, "2026-Q1", "month")
    assert [r.value for r in trends["new_leads"]] == [0, 0, 4]
