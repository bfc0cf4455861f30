"""A small company whose alerts can be worked out by hand (today 2026-12-01, Europe/Rome).

"Now" for record alerts is the start of 2026-12-01 in Rome = 2026-11-30 23:00 UTC.

Reps: R1 (team North), R2 (team South).
Deals (pipeline "New business"):
- D1, R1, open in proposal since 2026-10-05, last activity 2026-10-20 10:00 → idle 41.5 d,
  in stage 57.0 d: stalled twice over;
- D2, R2, open in proposal since 2026-11-20, activity 2026-11-25 → idle 5.5 d, 11.0 d: fine;
- D3, R2, open in discovery since 2026-10-15, activity 2026-11-01 12:00 → idle 29.5 d
  (discovery has no finished stays, so no usual length): stalled by inactivity;
- D4, R1, open in proposal since 2026-11-05, activity 2026-11-28 → idle 2.5 d, in stage
  26.0 d > the usual 90th percentile: stalled by its stage;
- W0…W9, won: proposal stays of 10, 11, … 19 days, so proposal's 90th percentile
  (linear interpolation) is 10 + 0.9 × 9 = 18.1 days.
Tickets (agent R2): K1 open since 2026-11-28 21:00 with a 48 h SLA → 2 h past it; K2 open
since 2026-11-29 00:00 → within; K3 resolved.
Customers: A1 (owner R1): contract ends 2026-12-31 (30 days) with no later one, NPS 3 on
2026-10-01, a complaint open since 2026-11-10, 6 activities in June and none since →
4 signals. A2 (owner R2): contract ends 2027-01-15 (45 days), NPS 5 → 2 signals.
Leads, channel referral: May–Nov 2026 = 10, 12, 11, 11, 12, 10, 16; partner: Oct 8, Nov 6.
"""

from __future__ import annotations

import datetime as dt

from cruscotto.warehouse import Warehouse
from tests.engine.fixtures import account, day, load, rep, ts

TODAY = dt.date(2026, 12, 1)
NOW = dt.datetime(2026, 11, 30, 23, 0)  # start of TODAY in Rome, in UTC


def deal(opp_id, owner, stage, created, status="open", closed=None):
    return {
        "opportunity_id": opp_id,
        "account_id": "A9",
        "owner_id": owner,
        "pipeline": "New business",
        "stage": stage,
        "amount": 1000.0,
        "currency": "EUR",
        "created_at": ts(created),
        "closed_at": ts(closed) if closed else None,
        "status": status,
    }


def load_company(warehouse: Warehouse) -> None:
    opportunities = [
        deal("D1", "R1", "proposal", "2026-10-01 09:00"),
        deal("D2", "R2", "proposal", "2026-11-15 09:00"),
        deal("D3", "R2", "discovery", "2026-10-15 09:00"),
        deal("D4", "R1", "proposal", "2026-11-01 09:00"),
    ]
    history = [
        ("D1", "qualification", "2026-10-01 09:00"),
        ("D1", "proposal", "2026-10-05 00:00"),
        ("D2", "qualification", "2026-11-15 09:00"),
        ("D2", "proposal", "2026-11-20 00:00"),
        ("D3", "discovery", "2026-10-15 09:00"),
        ("D4", "qualification", "2026-11-01 09:00"),
        ("D4", "proposal", "2026-11-05 00:00"),
    ]
    for k in range(10):
        won = f"W{k}"
        start = dt.datetime(2026, 6, 1)
        negotiation = start + dt.timedelta(days=10 + k)
        closed = negotiation + dt.timedelta(days=5)
        opportunities.append(deal(won, "R1", "won", "2026-05-20 00:00", "won", str(closed)))
        history += [
            (won, "qualification", "2026-05-20 00:00"),
            (won, "proposal", str(start)),
            (won, "negotiation", str(negotiation)),
            (won, "won", str(closed)),
        ]
    activities = [
        ("X1", "2026-10-20 10:00", "R1", "D1", None),
        ("X2", "2026-11-25 12:00", "R2", "D2", None),
        ("X3", "2026-11-01 12:00", "R2", "D3", None),
        ("X4", "2026-11-28 23:00", "R1", "D4", None),
    ] + [(f"Y{i}", f"2026-06-{10 + i:02d} 10:00", "R1", None, "A1") for i in range(6)]
    leads = [
        {"lead_id": f"L{m}-{i}", "created_at": ts(f"2026-{m:02d}-15 10:00"), "channel": "referral"}
        for m, count in {5: 10, 6: 12, 7: 11, 8: 11, 9: 12, 10: 10, 11: 16}.items()
        for i in range(count)
    ] + [
        {"lead_id": f"P{m}-{i}", "created_at": ts(f"2026-{m:02d}-15 10:00"), "channel": "partner"}
        for m, count in {10: 8, 11: 6}.items()
        for i in range(count)
    ]
    load(
        warehouse,
        reps=[rep("R1", "North"), rep("R2", "South")],
        accounts=[account("A1", owner_id="R1"), account("A2", owner_id="R2"), account("A9")],
        opportunities=opportunities,
        stage_history=[
            {"opportunity_id": o, "stage": s, "entered_at": ts(t)} for o, s, t in history
        ],
        activities=[
            {
                "activity_id": a,
                "type": "call",
                "occurred_at": ts(t),
                "rep_id": r,
                "opportunity_id": o,
                "account_id": acc,
            }
            for a, t, r, o, acc in activities
        ],
        tickets=[
            ticket("K1", "2026-11-28 21:00", None),
            ticket("K2", "2026-11-29 00:00", None),
            ticket("K3", "2026-11-20 00:00", "2026-11-21 00:00"),
            {**ticket("K4", "2026-11-10 08:00", None), "account_id": "A1", "category": "complaint"},
        ],
        surveys=[
            {
                "response_id": "S1",
                "account_id": "A1",
                "kind": "nps",
                "score": 3,
                "responded_at": ts("2026-10-01 10:00"),
            },
            {
                "response_id": "S2",
                "account_id": "A2",
                "kind": "nps",
                "score": 5,
                "responded_at": ts("2026-10-01 10:00"),
            },
        ],
        contracts=[
            {
                "contract_id": "C1",
                "account_id": "A1",
                "product": "Managed IT services",
                "start_date": day("2025-01-01"),
                "end_date": day("2026-12-31"),
                "mrr": 1000.0,
                "currency": "EUR",
            },
            {
                "contract_id": "C2",
                "account_id": "A2",
                "product": "Managed IT services",
                "start_date": day("2025-01-16"),
                "end_date": day("2027-01-15"),
                "mrr": 500.0,
                "currency": "EUR",
            },
        ],
        leads=leads,
    )


def ticket(ticket_id, opened, resolved):
    return {
        "ticket_id": ticket_id,
        "account_id": "A9",
        "opened_at": ts(opened),
        "resolved_at": ts(resolved) if resolved else None,
        "agent_id": "R2",
        "priority": "normal",
        "category": "incident",
        "sla_response_hours": 8.0,
        "sla_resolution_hours": 48.0,
    }
