"""A made-up deal history in pandas (no database): deals created through two years, each
passing qualification → proposal, with calls and, for some, a demo; deals with a demo win
80% of the time, the others 30%, so a model has something real to learn."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cruscotto.models.deal_history import DealHistory

TODAY = pd.Timestamp("2026-11-30")


def synthetic_history(deals: int = 600, seed: int = 7, today: pd.Timestamp = TODAY) -> DealHistory:
    rng = np.random.default_rng(seed)
    start = today - pd.Timedelta(days=730)
    rows, stages, acts = [], [], []
    for n in range(deals):
        created = (start + pd.Timedelta(days=float(rng.uniform(0, 700)))).floor("s")
        demo = rng.random() < 0.4
        won = rng.random() < (0.8 if demo else 0.3)
        duration = pd.Timedelta(days=float(rng.uniform(20, 90))).floor("s")
        closed = created + duration
        is_open = closed > today
        deal = f"D{n:04d}"
        rows.append(
            {
                "opportunity_id": deal,
                "account_id": f"A{n % 150:03d}",
                "owner_id": f"R{n % 5}",
                "pipeline": "New business",
                "stage": "proposal" if is_open else ("won" if won else "lost"),
                "status": "open" if is_open else ("won" if won else "lost"),
                "amount_base": float(rng.uniform(1000, 20000)),
                "product": "Audit",
                "created_at": created,
                "closed_at": pd.NaT if is_open else closed,
                "probability": 0.5 if is_open else (1.0 if won else 0.0),
                "channel": "web",
                "segment": "smb",
                "industry": "Retail",
                "size_band": "11-50",
            }
        )
        stages.append({"opportunity_id": deal, "stage": "qualification", "entered_at": created})
        stages.append(
            {
                "opportunity_id": deal,
                "stage": "proposal",
                "entered_at": (created + duration / 3).floor("s"),
            }
        )
        if not is_open:
            stages.append(
                {"opportunity_id": deal, "stage": "won" if won else "lost", "entered_at": closed}
            )
        acts.append(
            {"opportunity_id": deal, "type": "call", "occurred_at": created + pd.Timedelta(days=1)}
        )
        if demo:
            acts.append(
                {
                    "opportunity_id": deal,
                    "type": "demo",
                    "occurred_at": created + pd.Timedelta(days=3),
                }
            )
    return DealHistory(
        deals=pd.DataFrame(rows),
        stage_history=pd.DataFrame(stages),
        activities=pd.DataFrame(acts),
        today=today,
    )


def canonical_tables(history: DealHistory) -> dict[str, pd.DataFrame]:
    """The synthetic history as canonical tables (EUR, two teams), for Warehouse.load."""
    from tests.reports.company import reps, rows

    deals = history.deals
    accounts = deals.drop_duplicates("account_id")
    return {
        "reps": reps(*[(f"R{n}", f"Rep {n}", "North" if n < 3 else "South") for n in range(5)]),
        "accounts": rows(
            "accounts",
            [
                {
                    "account_id": a.account_id,
                    "name": f"Account {a.account_id}",
                    "segment": a.segment,
                    "industry": a.industry,
                    "size_band": a.size_band,
                    "acquisition_channel": a.channel,
                    "created_at": pd.Timestamp("2024-01-01"),
                }
                for a in accounts.itertuples()
            ],
        ),
        "opportunities": rows(
            "opportunities",
            [
                {
                    "opportunity_id": d.opportunity_id,
                    "account_id": d.account_id,
                    "owner_id": d.owner_id,
                    "pipeline": d.pipeline,
                    "stage": d.stage,
                    "status": d.status,
                    "amount": d.amount_base,
                    "currency": "EUR",
                    "product": d.product,
                    "created_at": d.created_at,
                    "closed_at": None if pd.isna(d.closed_at) else d.closed_at,
                    "expected_close_date": (d.created_at + pd.Timedelta(days=60)).date()
                    if d.status == "open"
                    else None,
                    "probability": d.probability,
                }
                for d in deals.itertuples()
            ],
        ),
        "stage_history": rows("stage_history", history.stage_history.to_dict("records")),
        "activities": rows(
            "activities",
            [
                {
                    "activity_id": f"ACT{n}",
                    "type": a.type,
                    "occurred_at": a.occurred_at,
                    "opportunity_id": a.opportunity_id,
                }
                for n, a in enumerate(history.activities.itertuples())
            ],
        ),
    }
