"""Customer success and service KPIs, each against numbers worked out by hand.

Company settings are the defaults: base currency EUR, time zone Europe/Rome (UTC+1 until
29 March 2026, UTC+2 after). "March" is 2026-03-01..2026-03-31 in Rome, i.e.
2026-02-28T23:00Z ≤ t < 2026-03-31T22:00Z.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cruscotto.engine import Engine, Period
from tests.engine.cx_data import account, fx, load, rep

TODAY = dt.date(2026, 4, 15)
MARCH = Period.parse("2026-03")


def engine(warehouse, today: dt.date = TODAY) -> Engine:
    return Engine(warehouse, today=today)


def value(warehouse, kpi_id, period=MARCH, filters=None, today=TODAY):
    return engine(warehouse, today).value(kpi_id, period, filters)


# -- NPS and CSAT ---------------------------------------------------------------------------


def survey(response_id, kind, score, at, account_id="A"):
    return {
        "response_id": response_id,
        "account_id": account_id,
        "kind": kind,
        "score": score,
        "responded_at": at,
    }


SURVEYS = [
    # NPS in March: the band edges 6 | 7, 8 | 9 and the extremes 0 and 10.
    survey("n1", "nps", 0, "2026-03-02T10:00:00"),
    survey("n2", "nps", 6, "2026-03-03T10:00:00"),
    survey("n3", "nps", 7, "2026-03-04T10:00:00"),
    survey("n4", "nps", 8, "2026-03-05T10:00:00"),
    survey("n5", "nps", 9, "2026-03-06T10:00:00"),
    survey("n6", "nps", 10, "2026-03-07T10:00:00"),
    survey("n7", "nps", 9, "2026-03-08T10:00:00", account_id="B"),
    # 00:30 on 1 March in Rome: March.
    survey("n8", "nps", 10, "2026-02-28T23:30:00"),
    # 00:30 on 1 April in Rome (CEST): April, not March.
    survey("n9", "nps", 0, "2026-03-31T22:30:00"),
    # CSAT in March: 5, 4, 3, 2, 1, 4.
    survey("c1", "csat", 5, "2026-03-02T09:00:00"),
    survey("c2", "csat", 4, "2026-03-09T09:00:00"),
    survey("c3", "csat", 3, "2026-03-10T09:00:00"),
    survey("c4", "csat", 2, "2026-03-11T09:00:00"),
    survey("c5", "csat", 1, "2026-03-12T09:00:00", account_id="B"),
    survey("c6", "csat", 4, "2026-03-13T09:00:00", account_id="B"),
]
SURVEY_ACCOUNTS = [account("A", segment="smb"), account("B", segment="enterprise")]


@pytest.fixture
def surveys(warehouse):
    return load(warehouse, accounts=SURVEY_ACCOUNTS, surveys=SURVEYS)


def test_nps_counts_the_band_edges_and_cuts_march_in_rome(surveys):
    result = value(surveys, "nps")
    # March answers: 0, 6, 7, 8, 9, 10, 9 and n8 (10, 00:30 on 1 March in Rome); n9 is April.
    # promoters (9–10): n5, n6, n7, n8 = 4; detractors (0–6): n1, n2 = 2; passives: n3, n4 = 2.
    # NPS = (4 − 2) ÷ 8 × 100 = 25.
    assert result.value == pytest.approx(25.0)
    assert result.sample_size == 8
    assert result.details["promoters"] == 4
    assert result.details["passives"] == 2
    assert result.details["detractors"] == 2
    # 95% interval: p = 0.5, d = 0.25, Var = (p + d − (p − d)²) ÷ n = (0.75 − 0.0625) ÷ 8
    # = 0.0859375; half-width = 1.96 × 0.293151 = 0.574566 → 25 ± 57.46.
    assert result.details["ci_low"] == pytest.approx(25 - 57.4566, abs=1e-3)
    assert result.details["ci_high"] == pytest.approx(25 + 57.4566, abs=1e-3)


def test_nps_band_edge_six_is_a_detractor_and_nine_a_promoter(warehouse):
    load(
        warehouse,
        surveys=[
            survey("a", "nps", 6, "2026-03-10T10:00:00"),
            survey("b", "nps", 9, "2026-03-10T11:00:00"),
            survey("c", "nps", 7, "2026-03-10T12:00:00"),
            survey("d", "nps", 8, "2026-03-10T13:00:00"),
        ],
    )
    # 1 promoter (9), 1 detractor (6), 2 passives (7, 8): (1 − 1) ÷ 4 = 0.
    result = value(warehouse, "nps", Period.parse("2026-03-10"))
    assert result.value == pytest.approx(0.0)
    assert (result.details["promoters"], result.details["detractors"]) == (1, 1)
    assert result.details["passives"] == 2


def test_nps_of_a_single_answer_and_of_an_empty_period(warehouse):
    load(warehouse, surveys=[survey("a", "nps", 9, "2026-03-10T10:00:00")])
    assert value(warehouse, "nps").value == pytest.approx(100.0)  # 1 promoter of 1
    empty = value(warehouse, "nps", Period.parse("2026-05"))
    assert empty.value is None
    assert empty.sample_size == 0


def test_nps_by_segment(surveys):
    rows = dict(engine(surveys).breakdown("nps", MARCH, "segment"))
    # enterprise (B): n7 = 9 → 1 promoter of 1 → 100.
    assert rows["enterprise"].value == pytest.approx(100.0)
    # smb (A): 0, 6, 7, 8, 9, 10, 10 → promoters 3, detractors 2 of 7 → 100 ÷ 7 = 14.2857.
    assert rows["smb"].value == pytest.approx(100 / 7)


def test_csat_share_of_four_and_five_with_mean_and_wilson_interval(surveys):
    result = value(surveys, "csat")
    # March CSAT: 5, 4, 3, 2, 1, 4 → satisfied (4–5): 3 of 6 = 0.5; mean 19 ÷ 6.
    assert result.value == pytest.approx(0.5)
    assert (result.numerator, result.denominator) == (3, 6)
    assert result.details["mean"] == pytest.approx(19 / 6)
    # Wilson, p = 0.5, n = 6, z² = 3.841459: centre 0.5; half = 1.959964 ×
    # √(0.25/6 + 3.841459/144) ÷ (1 + 3.841459/6) = 1.959964 × 0.261427 ÷ 1.640243 = 0.312385.
    assert result.ci_low == pytest.approx(0.5 - 0.312385, abs=1e-5)
    assert result.ci_high == pytest.approx(0.5 + 0.312385, abs=1e-5)


def test_csat_without_answers_is_undefined(surveys):
    assert value(surveys, "csat", Period.parse("2026-06")).value is None


# -- complaints -----------------------------------------------------------------------------


def test_complaints_add_complaint_tickets_and_negative_answers(warehouse):
    load(warehouse, accounts=SURVEY_ACCOUNTS, surveys=SURVEYS, tickets=TICKETS, reps=AGENTS)
    result = value(warehouse, "complaints")
    # Complaint tickets opened in March: T2, T3 = 2.
    # NPS 0–6 in March: n1 (0), n2 (6) = 2 (n9, a 0, is April). CSAT 1–2: c4, c5 = 2.
    # 2 + 2 + 2 = 6.
    assert result.value == 6
    assert result.details == {"complaint_tickets": 2, "negative_nps": 2, "negative_csat": 2}
    enterprise = value(warehouse, "complaints", filters={"segment": ["enterprise"]})
    # Account B (enterprise): ticket T3 is a complaint, CSAT c5 (1) is negative → 2.
    assert enterprise.value == 2


# -- tickets --------------------------------------------------------------------------------

AGENTS = [rep("a1", team="north"), rep("a2", team="south")]


def ticket(ticket_id, opened, response, resolved, **extra):
    return {
        "ticket_id": ticket_id,
        "account_id": "A",
        "opened_at": opened,
        "first_response_at": response,
        "resolved_at": resolved,
        **extra,
    }


TICKETS = [
    # response 1.5 h, resolution 24 h, both within SLA (2 h, 24 h).
    ticket("T1", "2026-03-02T08:00:00", "2026-03-02T09:30:00", "2026-03-03T08:00:00",
           agent_id="a1", priority="high", category="billing", followups=2,
           resolved_on_first_contact=False, sla_response_hours=2, sla_resolution_hours=24),
    # response 3 h > 2 h SLA: a miss. resolution 48 h.
    ticket("T2", "2026-03-05T10:00:00", "2026-03-05T13:00:00", "2026-03-07T10:00:00",
           agent_id="a2", priority="normal", category="complaint", followups=0,
           resolved_on_first_contact=True, sla_response_hours=2, sla_resolution_hours=72),
    # response 0.5 h, resolution 6 h, within SLA (4 h, 24 h). Account B.
    ticket("T3", "2026-03-10T09:00:00", "2026-03-10T09:30:00", "2026-03-10T15:00:00",
           account_id="B", agent_id="a1", priority="high", category="complaint",
           followups=1, resolved_on_first_contact=True,
           sla_response_hours=4, sla_resolution_hours=24),
    # response 1 h; never resolved, 48 h resolution SLA long past on 15 April: a miss.
    ticket("T4", "2026-03-20T12:00:00", "2026-03-20T13:00:00", None,
           agent_id="a2", priority="normal", category="billing", followups=3,
           sla_response_hours=2, sla_resolution_hours=48),
    # Opened 00:30 on 1 April in Rome: April. response 1 h, resolution 3 h.
    ticket("T5", "2026-03-31T22:30:00", "2026-03-31T23:30:00", "2026-04-01T01:30:00",
           agent_id="a1", priority="low", category="billing", followups=0,
           resolved_on_first_contact=True, sla_response_hours=2, sla_resolution_hours=24),
    # Opened 00:30 on 1 March in Rome: March. response 2 h, resolution 12 h, no SLA.
    ticket("T6", "2026-02-28T23:30:00", "2026-03-01T01:30:00", "2026-03-01T11:30:00",
           agent_id="a1", priority="low", category="question", followups=0,
           resolved_on_first_contact=True),
]  # fmt: skip


@pytest.fixture
def tickets(warehouse):
    return load(warehouse, reps=AGENTS, accounts=SURVEY_ACCOUNTS, tickets=TICKETS)


def test_ticket_response_time_mean_and_median(tickets):
    result = value(tickets, "ticket_response_time")
    # Opened in March (Rome): T1 1.5, T2 3, T3 0.5, T4 1, T6 2 → mean 8 ÷ 5 = 1.6 h.
    # Sorted 0.5, 1, 1.5, 2, 3 → median 1.5 h.
    assert result.value == pytest.approx(1.6)
    assert result.details["median"] == pytest.approx(1.5)
    assert result.sample_size == 5
    # Agent a1: T1 1.5, T3 0.5, T6 2 → 4 ÷ 3.
    assert value(tickets, "ticket_response_time", filters={"rep": ["a1"]}).value == (
        pytest.approx(4 / 3)
    )
    # Team south = a2: T2 3, T4 1 → 2.
    assert value(tickets, "ticket_response_time", filters={"team": ["south"]}).value == (
        pytest.approx(2.0)
    )


def test_ticket_resolution_time_counts_tickets_resolved_in_the_period(tickets):
    result = value(tickets, "ticket_resolution_time")
    # Resolved in March (Rome): T6 12 h, T1 24 h, T3 6 h, T2 48 h; T5 resolved on 1 April.
    # mean (12 + 24 + 6 + 48) ÷ 4 = 22.5 h; median of 6, 12, 24, 48 = (12 + 24) ÷ 2 = 18 h.
    assert result.value == pytest.approx(22.5)
    assert result.details["median"] == pytest.approx(18.0)
    by_priority = dict(engine(tickets).breakdown("ticket_resolution_time", MARCH, "priority"))
    # high: T1 24, T3 6 → 15; normal: T2 48; low: T6 12.
    assert by_priority["high"].value == pytest.approx(15.0)
    assert by_priority["normal"].value == pytest.approx(48.0)
    assert by_priority["low"].value == pytest.approx(12.0)


def test_followups_per_ticket_overall_and_over_resolved_tickets(tickets):
    result = value(tickets, "followups_per_ticket")
    # Opened in March: T1 2, T2 0, T3 1, T4 3, T6 0 → 6 ÷ 5 = 1.2.
    assert result.value == pytest.approx(1.2)
    # Resolved among them: T1 2, T2 0, T3 1, T6 0 → 3 ÷ 4 = 0.75.
    assert result.details["per_resolved_ticket"] == pytest.approx(0.75)


def test_first_contact_resolution(tickets):
    result = value(tickets, "first_contact_resolution")
    # Resolved in March: T1 no, T2 yes, T3 yes, T6 yes → 3 of 4.
    assert result.value == pytest.approx(0.75)
    assert (result.numerator, result.denominator) == (3, 4)
    assert result.ci_low < 0.75 < result.ci_high


def test_sla_compliance_counts_a_long_unanswered_ticket_as_a_miss(tickets):
    result = value(tickets, "sla_compliance")
    # With an SLA, opened in March: T1 kept, T2 missed (3 h > 2 h), T3 kept, T4 missed
    # (unresolved, 48 h long past on 15 April); T6 has no SLA → 2 of 4.
    assert result.value == pytest.approx(0.5)
    assert (result.numerator, result.denominator) == (2, 4)


def test_sla_compliance_leaves_out_tickets_still_within_their_promise(tickets):
    # On 21 March (Rome) T4 has been open 1 day 11 h of its 48 h: not counted yet.
    # T1 kept, T2 missed, T3 kept → 2 of 3.
    result = value(tickets, "sla_compliance", today=dt.date(2026, 3, 21))
    assert (result.numerator, result.denominator) == (2, 3)


def test_sla_compliance_compares_promises_with_the_current_instant(warehouse):
    # Issue 17, item 1: a promise whose time has not come is pending, not missed.
    pending = [
        # Opened 07:00 Rome (06:00 UTC) on 10 March, 2 h to answer, not answered yet.
        ticket("P1", "2026-03-10T06:00:00", None, None, priority="high",
               sla_response_hours=2),
        # Answered in 1 h: kept.
        ticket("P2", "2026-03-09T08:00:00", "2026-03-09T09:00:00", None, priority="high",
               sla_response_hours=2),
    ]  # fmt: skip
    load(warehouse, reps=AGENTS, accounts=SURVEY_ACCOUNTS, tickets=pending)
    at_seven = Engine(warehouse, now=dt.datetime(2026, 3, 10, 7, 0, tzinfo=dt.UTC))
    # At 07:00 UTC P1 has waited 1 h of its 2: only P2 counts → 1 of 1 (the end of the
    # day, 23:00 UTC, was 17 h past the promise: 1 of 2).
    result = at_seven.value("sla_compliance", MARCH)
    assert (result.numerator, result.denominator) == (1, 1)
    at_nine = Engine(warehouse, now=dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC))
    # At 09:00 UTC P1 has waited 3 h > 2: missed → 1 of 2.
    result = at_nine.value("sla_compliance", MARCH)
    assert (result.numerator, result.denominator) == (1, 2)


def test_ticket_kpis_of_an_empty_period(tickets):
    june = Period.parse("2026-06")
    assert value(tickets, "ticket_response_time", june).value is None
    assert value(tickets, "first_contact_resolution", june).value is None
    assert value(tickets, "sla_compliance", june).value is None
    assert value(tickets, "followups_per_ticket", june).value is None


# -- customers: retention, churn, MRR -------------------------------------------------------


def contract(contract_id, account_id, start, mrr, currency="EUR", end=None, cancelled=None):
    return {
        "contract_id": contract_id,
        "account_id": account_id,
        "product": "support" if account_id != "D" else "consulting",
        "start_date": start,
        "end_date": end,
        "mrr": mrr,
        "currency": currency,
        "cancelled_at": cancelled,
    }


CUSTOMER_ACCOUNTS = [
    account("A", segment="smb", owner_id="r1"),
    account("B", segment="smb", owner_id="r1"),
    account("C", segment="enterprise", owner_id="r2"),
    account("D", segment="smb", owner_id="r2"),
    account("E", segment="mid_market", owner_id="r2"),
    account("F", segment="smb", owner_id="r1"),
    account("G", segment="smb", owner_id="r1"),
    account("H", segment="smb", owner_id="r1"),  # a prospect: no contract
]
CONTRACTS = [
    contract("a1", "A", "2025-01-01", 100),
    contract("a2", "A", "2026-03-10", 50),  # A expands by 50
    contract("b1", "B", "2025-06-01", 200, end="2026-03-15"),  # B's term ends: lost
    contract("c1", "C", "2025-09-01", 300, cancelled="2026-03-01"),  # C cancels on 1 March
    contract("d1", "D", "2026-03-01", 400),  # D is new on 1 March
    contract("e1", "E", "2025-01-01", 500, currency="USD", end="2026-03-20"),
    contract("e2", "E", "2026-03-21", 300, currency="USD"),  # E renews smaller
    contract("f1", "F", "2026-03-05", 70, end="2026-03-25"),  # in and out within March
    contract("g1", "G", "2025-01-01", 60, end="2026-02-28"),  # last day 28 Feb
]
CUSTOMER_REPS = [rep("r1", team="north"), rep("r2", team="south")]


@pytest.fixture
def customers(warehouse):
    return load(
        warehouse,
        reps=CUSTOMER_REPS,
        accounts=CUSTOMER_ACCOUNTS,
        contracts=CONTRACTS,
        fx_rates=[fx("USD", 0.9)],
    )


# Customers on 28 February (start of March): A, B, C (cancels 1 March), E, G (ends 28 Feb)
# = 5. On 31 March: A, D, E = 3. New: D. Lost: B, C, G. F came and went inside March.


def test_retention_rate_with_contracts(customers):
    result = value(customers, "retention_rate")
    # (customers at end − new) ÷ customers at start = (3 − 1) ÷ 5 = 0.4.
    assert result.value == pytest.approx(0.4)
    assert (result.numerator, result.denominator) == (2, 5)
    assert result.details["new_customers"] == 1
    assert result.details["lost_customers"] == 3
    assert result.ci_low < 0.4 < result.ci_high


def test_churn_rate_with_contracts(customers):
    result = value(customers, "churn_rate")
    # lost ÷ customers at start = 3 ÷ 5 = 0.6 (B, C and G).
    assert result.value == pytest.approx(0.6)
    assert (result.numerator, result.denominator) == (3, 5)


def test_churn_and_retention_by_segment_and_rep(customers):
    smb = {"segment": ["smb"]}
    # smb at start: A, B, G = 3; at end: A, D; new D; lost B, G.
    assert value(customers, "retention_rate", filters=smb).value == pytest.approx((2 - 1) / 3)
    assert value(customers, "churn_rate", filters=smb).value == pytest.approx(2 / 3)
    # Owner r2 (C, D, E): at start C, E = 2; lost C → churn 1 ÷ 2.
    assert value(customers, "churn_rate", filters={"rep": ["r2"]}).value == pytest.approx(0.5)
    # Team south = r2: the same accounts.
    assert value(customers, "churn_rate", filters={"team": ["south"]}).value == pytest.approx(0.5)


def test_each_lost_customer_is_counted_in_exactly_one_month(customers):
    e = engine(customers)
    series = e.trend("churn_rate", Period.parse("2026-Q1"), "month")
    # G's term ends on 28 Feb: a customer all of February, lost in March.
    # January: start (31 Dec) A, B, C, E, G = 5, none lost. February: 5, none lost.
    # March: 3 lost of 5.
    assert [r.numerator for r in series] == [0, 0, 3]
    assert [r.denominator for r in series] == [5, 5, 5]


def test_churn_of_an_empty_customer_base_is_undefined(customers):
    result = value(customers, "churn_rate", Period.parse("2024-03"))
    assert result.value is None
    assert result.denominator == 0


def test_retention_without_contracts_uses_invoices_in_the_trailing_twelve_months(warehouse):
    def invoice(invoice_id, account_id, day):
        return {
            "invoice_id": invoice_id,
            "account_id": account_id,
            "issued_at": day,
            "amount": 100.0,
            "currency": "EUR",
        }

    load(
        warehouse,
        accounts=[account("P"), account("Q"), account("R")],
        invoices=[
            invoice("i1", "P", "2025-03-31"),  # window of 28 Feb: (28 Feb 2025, 28 Feb 2026]
            invoice("i2", "Q", "2026-01-10"),
            invoice("i3", "R", "2026-03-20"),
        ],
    )
    # On 28 Feb 2026: P (31 Mar 2025 is inside the window) and Q → 2 customers.
    # On 31 Mar 2026, window (31 Mar 2025, 31 Mar 2026]: Q and R. P is lost, R is new.
    retention = value(warehouse, "retention_rate")
    assert (retention.numerator, retention.denominator) == (1, 2)  # (2 − 1) ÷ 2
    churn = value(warehouse, "churn_rate")
    assert churn.value == pytest.approx(0.5)


def test_mrr_snapshot_and_movements_in_mixed_currencies(customers):
    result = value(customers, "mrr")
    # On 31 March: A 100 + 50, D 400, E 300 USD × 0.9 = 270 → 820 EUR.
    assert result.value == pytest.approx(820.0)
    # On 28 Feb: A 100, B 200, C 300, E 500 × 0.9 = 450, G 60 → 1,110.
    details = result.details
    assert details["mrr_at_start"] == pytest.approx(1110.0)
    assert details["new_mrr"] == pytest.approx(400.0)  # D
    assert details["expansion_mrr"] == pytest.approx(50.0)  # A: 100 → 150
    assert details["contraction_mrr"] == pytest.approx(180.0)  # E: 450 → 270
    assert details["churned_mrr"] == pytest.approx(560.0)  # B 200 + C 300 + G 60
    # 1,110 + 400 + 50 − 180 − 560 = 820.
    assert value(customers, "arr").value == pytest.approx(820.0 * 12)


def test_mrr_by_product(customers):
    consulting = value(customers, "mrr", filters={"product": ["consulting"]})
    assert consulting.value == pytest.approx(400.0)  # only D's contract


def test_revenue_churn_and_net_revenue_retention(customers):
    result = value(customers, "revenue_churn")
    # churned ÷ MRR at start = 560 ÷ 1,110.
    assert result.value == pytest.approx(560 / 1110)
    # gross (with contraction) = (560 + 180) ÷ 1,110; NRR = (1,110 + 50 − 180 − 560) ÷ 1,110
    # = 420 ÷ 1,110 (the end MRR of A and E, the accounts paying at the start).
    assert result.details["gross_revenue_churn"] == pytest.approx(740 / 1110)
    assert result.details["net_revenue_retention"] == pytest.approx(420 / 1110)


def test_mrr_needs_a_rate_for_every_currency(warehouse):
    load(
        warehouse, accounts=[account("A")], contracts=[contract("x", "A", "2026-01-01", 10, "CHF")]
    )
    with pytest.raises(Exception, match="CHF"):
        value(warehouse, "mrr")


# -- engagement -----------------------------------------------------------------------------


def activity(activity_id, account_id, at, kind="meeting"):
    return {"activity_id": activity_id, "type": kind, "occurred_at": at, "account_id": account_id}


def test_engagement_rate_over_customers_active_in_the_period(customers):
    load(
        customers,
        activities=[
            activity("x1", "A", "2026-03-02T10:00:00"),
            activity("x2", "A", "2026-03-09T10:00:00", "call"),
            activity("x3", "A", "2026-03-16T10:00:00", "email"),
            activity("x4", "B", "2026-03-03T10:00:00"),
            activity("x5", "E", "2026-03-04T10:00:00"),
            activity("x6", "E", "2026-03-05T10:00:00", "chat"),
            activity("x7", "H", "2026-03-05T10:00:00"),  # a prospect, not a customer
            activity("x8", "A", "2026-03-31T22:30:00"),  # 1 April in Rome
        ],
    )
    result = value(customers, "engagement_rate")
    # Customers on some day of March: A, B (to 15 Mar), D, E, F (5–25 Mar) = 5; C cancelled
    # on 1 March and G ended on 28 February. Interactions: A 3, B 1, E 2 = 6.
    # 6 ÷ 5 customers ÷ 1 month = 1.2; engaged A, B, E = 3 of 5.
    assert result.value == pytest.approx(1.2)
    assert result.details["share_engaged"] == pytest.approx(0.6)
    # Over Q1 (3 months): customers A, B, C, D, E, F, G = 7 → 6 ÷ 7 ÷ 3.
    quarter = value(customers, "engagement_rate", Period.parse("2026-Q1"))
    assert quarter.value == pytest.approx(6 / 7 / 3)


# -- lifetime value -------------------------------------------------------------------------


def test_clv_and_clv_to_cac(warehouse):
    def invoice(invoice_id, account_id, day, amount, cost):
        return {
            "invoice_id": invoice_id,
            "account_id": account_id,
            "issued_at": day,
            "amount": amount,
            "direct_cost": cost,
            "currency": "EUR",
        }

    load(
        warehouse,
        accounts=[account(a) for a in "WXYZ"],
        invoices=[
            # Before the twelve months (1 Apr 2025 – 31 Mar 2026):
            invoice("w0", "W", "2024-06-01", 900, 0),
            invoice("x0", "X", "2025-01-15", 900, 0),
            invoice("z0", "Z", "2025-02-10", 900, 0),
            # Inside them:
            invoice("x1", "X", "2025-06-01", 1000, 400),
            invoice("x2", "X", "2025-11-01", 1000, 400),
            invoice("y1", "Y", "2026-03-12", 2000, 1000),
            invoice("z1", "Z", "2025-04-10", 1000, 500),
        ],
        campaigns=[
            {
                "campaign_id": "k",
                "name": "Spring",
                "channel": "email",
                "started_at": "2026-03-01",
                "ended_at": "2026-03-31",
                "spend": 1250.0,
                "currency": "EUR",
            }
        ],
    )
    result = value(warehouse, "clv")
    # Twelve months to 31 March 2026: revenue 1000 + 1000 + 2000 + 1000 = 5,000 over
    # 4 purchases: mean purchase 1,250. The customers of those months (issue 17, item 5:
    # the same rule as churn) are W (invoiced 2024-06-01: a customer to 2025-05-31), X, Y,
    # Z = 4 → 1 purchase a year each, 1,250 a year.
    # Customers on 31 Mar 2025 (invoiced in the 12 months before): W, X, Z = 3; on
    # 31 Mar 2026: X, Y, Z. Lost: W → yearly churn 1/3 → lifetime 3 years.
    # CLV = 5,000 ÷ 4 × 3 = 3,750.
    assert result.value == pytest.approx(3750.0)
    assert result.details["mean_purchase_value"] == pytest.approx(1250.0)
    assert result.details["purchase_frequency"] == pytest.approx(1.0)
    assert result.details["lifetime_years"] == pytest.approx(3.0)
    # Margin: 5,000 − (400 + 400 + 1,000 + 500) = 2,700 ÷ 4 × 3 = 2,025.
    assert result.details["margin_clv"] == pytest.approx(2025.0)
    # CAC for March: spend 1,250 ÷ 1 new customer (Y) = 1,250. Without a P&L the fully
    # loaded CAC is unknown, and so is the ratio (item 7: margin CLV over fully loaded CAC);
    # revenue CLV ÷ marketing CAC = 3,750 ÷ 1,250 = 3 is in the details.
    ratio = value(warehouse, "clv_to_cac")
    assert ratio.value is None
    assert ratio.status is None
    assert ratio.details["clv_to_marketing_cac"] == pytest.approx(3.0)


def test_clv_is_undefined_without_churn(warehouse):
    load(
        warehouse,
        accounts=[account("X")],
        invoices=[
            {"invoice_id": "1", "account_id": "X", "issued_at": "2025-01-10", "amount": 10.0,
             "currency": "EUR"},
            {"invoice_id": "2", "account_id": "X", "issued_at": "2025-12-10", "amount": 10.0,
             "currency": "EUR"},
        ],
    )  # fmt: skip
    # Nobody lost in the twelve months: the lifetime (1 ÷ churn) cannot be estimated.
    result = value(warehouse, "clv")
    assert result.value is None
    assert result.details["annual_churn"] == 0


def test_clv_trend_takes_the_twelve_months_ending_with_each_month(warehouse):
    def invoice(invoice_id, account_id, day, amount):
        return {"invoice_id": invoice_id, "account_id": account_id, "issued_at": day,
                "amount": amount, "currency": "EUR"}  # fmt: skip

    load(
        warehouse,
        accounts=[account(a) for a in "PQR"],
        invoices=[
            invoice("p1", "P", "2024-06-10", 100),
            invoice("p2", "P", "2025-02-15", 100),
            invoice("q1", "Q", "2024-09-01", 200),
            invoice("q2", "Q", "2026-01-20", 300),
            invoice("r1", "R", "2025-12-05", 400),
        ],
    )
    e = engine(warehouse)
    series = e.trend("clv", Period.parse("2026-Q1"), "month")
    # A customer is an account invoiced in the trailing twelve months.
    # January (Feb 2025 – Jan 2026): P, Q on 31 Jan 2025; P, Q, R on 31 Jan 2026; nobody
    # lost → lifetime undefined.
    # February (Mar 2025 – Feb 2026): P, Q on 28 Feb 2025; Q, R on 28 Feb 2026: P lost →
    # churn 1/2, lifetime 2 years; revenue 300 + 400 over the 3 customers of the year (P
    # was one until 14 Feb 2026) = 233.33 a year → 466.67.
    # March (Apr 2025 – Mar 2026): the same invoices; P, Q on 31 Mar 2025, Q, R a year
    # later → churn 1/2 again; P, Q, R customers of the year → 466.67.
    assert [r.value for r in series] == [None, pytest.approx(1400 / 3), pytest.approx(1400 / 3)]
    assert series[0].details["annual_churn"] == 0
    for result in series:
        alone = e.value("clv", result.period)
        assert (result.value, result.sample_size) == (alone.value, alone.sample_size)
        assert result.details == pytest.approx(alone.details)


# -- account health -------------------------------------------------------------------------


def test_account_health_scores_and_accounts_at_risk(customers):
    load(
        customers,
        # E has given notice on a running contract (cancellation dated after March).
        contracts=[contract("e3", "E", "2026-03-25", 10, currency="USD", cancelled="2026-05-01")],
        activities=[
            activity("h1", "A", "2026-03-03T10:00:00"),
            activity("h2", "A", "2026-03-20T10:00:00"),
            activity("h3", "A", "2026-02-02T10:00:00"),
            activity("h4", "A", "2026-02-05T10:00:00"),
            activity("h5", "A", "2026-02-10T10:00:00"),
            activity("h6", "A", "2026-02-20T10:00:00"),
            activity("h7", "E", "2026-03-12T10:00:00"),
        ],
        surveys=[
            survey("s1", "nps", 9, "2026-01-20T10:00:00", account_id="A"),
            survey("s2", "csat", 5, "2026-03-02T10:00:00", account_id="A"),
            survey("s3", "nps", 0, "2025-06-01T10:00:00", account_id="A"),  # over 180 days old
            survey("s4", "nps", 0, "2026-03-15T10:00:00", account_id="E"),
        ],
        tickets=[
            ticket("k1", "2026-02-10T09:00:00", "2026-02-10T10:00:00", "2026-02-11T09:00:00",
                   account_id="A", category="complaint"),
            ticket("k2", "2026-03-05T09:00:00", "2026-03-05T10:00:00", None,
                   account_id="A", category="question"),
            # Never answered, 2 h response SLA long past: a miss.
            ticket("k3", "2026-03-10T09:00:00", None, None, account_id="E",
                   category="question", sla_response_hours=2),
        ],
    )  # fmt: skip
    result = value(customers, "account_health")
    # Customers on 31 March: A, D, E.
    # A: engagement 2 in March ÷ 4 in February = 0.5; satisfaction (NPS 9 → 0.9, CSAT 5 →
    #    1.0) mean 0.95 (s3 is too old); service: 1 complaint of 2 tickets → 0.5; contract 1.
    #    100 × (0.3 × 0.5 + 0.3 × 0.95 + 0.2 × 0.5 + 0.2 × 1) = 73.5.
    # D: no interactions 0; no answers 0.5; no tickets 1; contract 1.
    #    100 × (0 + 0.15 + 0.2 + 0.2) = 55.
    # E: 1 interaction now, none before → 1; NPS 0 → 0; 1 ticket, SLA missed → 0; notice → 0.
    #    100 × (0.3 + 0 + 0 + 0) = 30 → at risk.
    assert result.value == pytest.approx((73.5 + 55 + 30) / 3)
    assert result.sample_size == 3
    assert result.details["accounts_at_risk"] == 1
    assert result.details["share_at_risk"] == pytest.approx(1 / 3)
    # Segment mid_market is E alone.
    assert value(customers, "account_health", filters={"segment": ["mid_market"]}).value == (
        pytest.approx(30.0)
    )


def test_account_health_without_customers_is_undefined(customers):
    assert value(customers, "account_health", Period.parse("2024-01")).value is None


def test_churn_records_list_each_account_at_start_and_end(customers):
    page, total = engine(customers).records("churn_rate", MARCH, sort="account_id")
    # A, B, C, E, G were customers on 28 Feb; A, D, E on 31 March.
    assert total == 6
    flags = {row.account_id: (row.was == 1, row.now == 1) for row in page.itertuples()}
    assert flags == {
        "A": (True, True),
        "B": (True, False),
        "C": (True, False),
        "D": (False, True),
        "E": (True, True),
        "G": (True, False),
    }


def test_mrr_records_give_each_account_before_and_after(customers):
    page, total = engine(customers).records("mrr", MARCH, sort="account_id")
    mrr = {row.account_id: (row.was, row.now) for row in page.itertuples()}
    assert mrr["A"] == (pytest.approx(100.0), pytest.approx(150.0))
    assert mrr["E"] == (pytest.approx(450.0), pytest.approx(270.0))
    assert mrr["D"] == (pytest.approx(0.0), pytest.approx(400.0))


def test_account_health_by_product_and_rep(customers):
    # Customers on 31 March with a consulting contract: D alone, with no interactions (0),
    # no answers (0.5), no tickets (1) and a running contract (1) → 55.
    consulting = value(customers, "account_health", filters={"product": ["consulting"]})
    assert consulting.value == pytest.approx(55.0)
    rows = dict(engine(customers).breakdown("account_health", MARCH, "rep"))
    # r1 owns A; r2 owns D and E. With no activities, answers or tickets loaded, each
    # scores engagement 0, satisfaction 0.5, service 1, contract 1 → 100 × 0.55 = 55.
    assert rows["r1"].value == pytest.approx(55.0)
    assert rows["r2"].value == pytest.approx(55.0)
    assert rows["r2"].sample_size == 2


def test_retention_trend_in_one_query_matches_each_month_alone(customers):
    e = engine(customers)
    series = e.trend("retention_rate", Period.parse("2026-Q1"), "week")
    for result in series:
        alone = e.value("retention_rate", result.period)
        assert (result.numerator, result.denominator) == (alone.numerator, alone.denominator)
    # Week by week each loss is counted once: C (cancelled 1 March) and G (term ended
    # 28 February) in the week ending 1 March, B (ended 15 March), and F, which joined on
    # 5 March and left after 25 March in a later week than it joined → 4.
    assert sum(r.denominator - r.numerator for r in series) == 4


def test_churn_trend_without_contracts(warehouse):
    load(
        warehouse,
        accounts=[account("P"), account("Q")],
        invoices=[
            {"invoice_id": "1", "account_id": "P", "issued_at": "2025-02-15", "amount": 1.0,
             "currency": "EUR"},
            {"invoice_id": "2", "account_id": "Q", "issued_at": "2025-03-10", "amount": 1.0,
             "currency": "EUR"},
        ],
    )  # fmt: skip
    series = engine(warehouse).trend("churn_rate", Period.parse("2026-Q1"), "month")
    # 12-month windows: P (invoiced 15 Feb 2025) is lost in February 2026, Q in March.
    assert [r.numerator for r in series] == [0, 1, 1]
    assert [r.denominator for r in series] == [2, 2, 1]


def test_nps_trend_in_one_query_cuts_days_in_rome(surveys):
    series = engine(surveys).trend("nps", Period.parse("2026-Q1"), "month")
    # January and February: no answers; March as computed above (n8 at 00:30 on 1 March).
    assert [r.value for r in series] == [None, None, pytest.approx(25.0)]
    assert series[2].sample_size == 8
    days = engine(surveys).trend("nps", Period.parse("2026-03-01..2026-03-02"), "day")
    # 1 March: n8 (10) → 100; 2 March: n1 (0) → −100.
    assert [r.value for r in days] == [pytest.approx(100.0), pytest.approx(-100.0)]


def test_mrr_trend_in_one_query_matches_each_month_alone(customers):
    e = engine(customers)
    series = e.trend("mrr", Period.parse("2026-Q1"), "month")
    # End of January and February: A 100, B 200, C 300, E 450, G 60 = 1,110; March 820.
    assert [r.value for r in series] == [
        pytest.approx(1110.0),
        pytest.approx(1110.0),
        pytest.approx(820.0),
    ]
    assert series[2].details == pytest.approx(e.value("mrr", MARCH).details)
    churn = e.trend("revenue_churn", Period.parse("2026-Q1"), "month")
    assert churn[2].value == pytest.approx(560 / 1110)
    assert churn[0].value == pytest.approx(0.0)
