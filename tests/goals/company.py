"""A small company for goal tests, counted by hand.

Today is Saturday 14 November 2026; November has 21 working days (Mon–Fri), 10 of them
past (2–6 and 9–13 November).

reps: r1 (North), r2 (South), r3 (North)
leads: r1 one lead on each past working day of November at 10:00 UTC → 10; none before
  (so r1 has no history: the first lead is on 2 November); r2 one lead on 15 October
  (South, not converted).
deals: r1 won o1 and o2 in November (2 of 2 closed).
"""

from __future__ import annotations

import datetime as dt

from tests.engine.fixtures import account, engine_for, load, rep, ts

TODAY = dt.date(2026, 11, 14)
WORKING_DAYS_PAST = [2, 3, 4, 5, 6, 9, 10, 11, 12, 13]


def load_goal_company(warehouse) -> None:
    load(
        warehouse,
        reps=[rep("r1"), rep("r2", team="South"), rep("r3")],
        accounts=[account("a1", segment="smb", owner_id="r1")],
        leads=[
            {
                "lead_id": f"l{d}",
                "created_at": ts(f"2026-11-{d:02d} 10:00"),
                "channel": "web",
                "owner_id": "r1",
                "account_id": "a1",
            }
            for d in WORKING_DAYS_PAST
        ]
        + [
            {
                "lead_id": "l_october",
                "created_at": ts("2026-10-15 10:00"),
                "channel": "web",
                "owner_id": "r2",
                "account_id": "a1",
            }
        ],
        opportunities=[
            {
                "opportunity_id": f"o{i}",
                "account_id": "a1",
                "owner_id": "r1",
                "pipeline": "New business",
                "stage": "won",
                "amount": 1000.0,
                "currency": "EUR",
                "created_at": ts("2026-10-01 10:00"),
                "closed_at": ts(f"2026-11-0{i + 2} 10:00"),
                "status": "won",
            }
            for i in (1, 2)
        ],
    )


def goal_engine(warehouse):
    return engine_for(warehouse, today=TODAY)
