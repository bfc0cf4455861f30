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
        created = start + pd.Timedelta(days=float(rng.uniform(0, 700)))
        demo = rng.random() < 0.4
        won = rng.random() < (0.8 if demo else 0.3)
        duration = pd.Timedelta(days=float(rng.uniform(20, 90)))
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
            {"opportunity_id": deal, "stage": "proposal", "entered_at": created + duration / 3}
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
