"""A tiny company touching every table, so every KPI has something to compute.

Used to prove that each KPI answers value, trend, breakdown and records on both engines;
the hand-computed expectations live in the per-area test modules.
"""

from __future__ import annotations

from tests.engine.fixtures import account, day, load, rep, ts


def load_small_company(warehouse) -> None:
    load(
        warehouse,
        reps=[rep("r1"), rep("r2", team="South", role="sdr")],
        accounts=[
            account(
                "a1",
                segment="smb",
                industry="it",
                size_band="1-10",
                country="IT",
                acquisition_channel="web",
                owner_id="r1",
            ),
            account(
                "a2",
                segment="enterprise",
                industry="law",
                size_band="51-200",
                country="PT",
                acquisition_channel="ads",
                owner_id="r2",
            ),
        ],
        campaigns=[
            {
                "campaign_id": "c1",
                "name": "Spring",
                "channel": "ads",
                "started_at": day("2026-03-01"),
                "ended_at": day("2026-03-31"),
                "spend": 1000.0,
                "currency": "EUR",
            },
        ],
        leads=[
            {
                "lead_id": "l1",
                "created_at": ts("2026-03-02 09:00"),
                "channel": "ads",
                "campaign_id": "c1",
                "owner_id": "r1",
                "mql_at": ts("2026-03-03 09:00"),
                "sql_at": ts("2026-03-04 09:00"),
                "first_response_at": ts("2026-03-02 10:00"),
                "converted_at": ts("2026-03-20 09:00"),
                "account_id": "a1",
                "opportunity_id": "o1",
            },
            {
                "lead_id": "l2",
                "created_at": ts("2026-03-05 09:00"),
                "channel": "web",
                "owner_id": "r2",
                "first_response_at": ts("2026-03-05 12:00"),
                "account_id": "a2",
            },
        ],
        opportunities=[
            {
                "opportunity_id": "o1",
                "account_id": "a1",
                "lead_id": "l1",
                "owner_id": "r1",
                "pipeline": "new",
                "stage": "won",
                "amount": 1000.0,
                "currency": "EUR",
                "product": "audit",
                "created_at": ts("2026-03-06 09:00"),
                "expected_close_date": day("2026-03-25"),
                "closed_at": ts("2026-03-20 09:00"),
                "status": "won",
                "probability": 1.0,
            },
            {
                "opportunity_id": "o2",
                "account_id": "a2",
                "owner_id": "r2",
                "pipeline": "new",
                "stage": "proposal",
                "amount": 500.0,
                "currency": "USD",
                "product": "support",
                "created_at": ts("2026-03-10 09:00"),
                "expected_close_date": day("2026-04-10"),
                "status": "open",
                "probability": 0.5,
            },
        ],
        stage_history=[
            {"opportunity_id": "o1", "stage": "qualify", "entered_at": ts("2026-03-06 09:00")},
            {"opportunity_id": "o1", "stage": "proposal", "entered_at": ts("2026-03-10 09:00")},
            {"opportunity_id": "o1", "stage": "won", "entered_at": ts("2026-03-20 09:00")},
        ],
        activities=[
            {
                "activity_id": "x1",
                "type": "call",
                "occurred_at": ts("2026-03-02 10:00"),
                "rep_id": "r1",
                "lead_id": "l1",
                "account_id": "a1",
                "direction": "outbound",
                "duration_min": 30.0,
                "outcome": "completed",
            },
            {
                "activity_id": "x2",
                "type": "meeting",
                "occurred_at": ts("2026-03-04 10:00"),
                "rep_id": "r1",
                "lead_id": "l1",
                "account_id": "a1",
                "direction": "outbound",
                "duration_min": 60.0,
                "outcome": "accepted",
            },
        ],
        quotes=[
            {
                "quote_id": "q1",
                "opportunity_id": "o1",
                "account_id": "a1",
                "requested_at": ts("2026-03-12 09:00"),
                "amount": 1000.0,
                "currency": "EUR",
                "status": "accepted",
            },
        ],
        contracts=[
            {
                "contract_id": "k1",
                "account_id": "a1",
                "product": "audit",
                "start_date": day("2026-03-20"),
                "mrr": 100.0,
                "currency": "EUR",
            },
        ],
        invoices=[
            {
                "invoice_id": "i1",
                "account_id": "a1",
                "issued_at": day("2026-03-20"),
                "product": "audit",
                "amount": 1000.0,
                "direct_cost": 600.0,
                "currency": "EUR",
                "rep_id": "r1",
            },
            {
                "invoice_id": "i2",
                "account_id": "a1",
                "issued_at": day("2026-03-28"),
                "product": "audit",
                "amount": 200.0,
                "direct_cost": 50.0,
                "currency": "EUR",
                "rep_id": "r1",
            },
        ],
        forecasts=[
            {
                "rep_id": "r1",
                "period": "2026-03",
                "amount": 800.0,
                "submitted_at": ts("2026-03-01 08:00"),
            },
        ],
        mentions=[
            {"measured_on": day("2026-03-10"), "brand": "us", "is_own": True, "mentions": 3},
            {"measured_on": day("2026-03-10"), "brand": "them", "is_own": False, "mentions": 7},
        ],
        fx_rates=[{"day": day("2026-01-01"), "currency": "USD", "rate_to_base": 0.9}],
    )
