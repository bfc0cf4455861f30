"""A small company whose numbers are counted by hand in the tests.

Company settings: EUR, Europe/Rome; "today" is 2026-04-15, so the default period is
March 2026 (the last complete month).

reps: r1 Anna (North, AE), r2 Bruno (South, AE), r3 Carla (North, SDR)

leads (created_at in UTC → day in Rome):
  L1 r1 web     2026-03-05 10:00Z  March
  L2 r1 web     2026-03-20 10:00Z  March
  L3 r1 ads     2026-02-28 23:30Z  March (00:30 on 1 March in Rome)
  L4 r1 web     2026-03-31 22:30Z  April (00:30 on 1 April in Rome)
  L5 r2 web     2026-03-10 09:00Z  March
  L6 r2 ads     2026-03-11 09:00Z  March
  L7 r3 events  2026-03-12 09:00Z  March
  L8 r1 web     2026-02-10 09:00Z  February
So new leads in March: r1 3 (L1 L2 L3), r2 2, r3 1 → 6; North (r1 + r3) 4; web 3 (L1 L2 L5);
February 1 (L8); April 1 (L4).

opportunities created in March: o1 r1 10 000 EUR (won), o2 r2 5 000 USD at 0.9 EUR/USD = 4 500
EUR (open) → average opportunity value (10 000 + 4 500) / 2 = 7 250 EUR; r1 alone 10 000.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from cruscotto.model import table as model_table
from cruscotto.warehouse import Warehouse

TODAY = date(2026, 4, 15)


def frame(table: str, rows: list[dict]) -> pd.DataFrame:
    """Rows of a canonical table, with every column the rows leave out set to null."""
    columns = model_table(table).column_names
    return pd.DataFrame([{c: row.get(c) for c in columns} for row in rows], columns=columns)


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


REPS = [
    {"rep_id": "r1", "name": "Anna Rossi", "team": "North", "role": "ae", "active": True},
    {"rep_id": "r2", "name": "Bruno Bianchi", "team": "South", "role": "ae", "active": True},
    {"rep_id": "r3", "name": "Carla Verdi", "team": "North", "role": "sdr", "active": True},
]
ACCOUNTS = [
    {
        "account_id": "a1",
        "name": "Alfa Srl",
        "segment": "smb",
        "country": "IT",
        "owner_id": "r1",
        "created_at": ts("2025-01-10 09:00"),
    },
    {
        "account_id": "a2",
        "name": "Beta GmbH",
        "segment": "enterprise",
        "country": "DE",
        "owner_id": "r2",
        "created_at": ts("2025-02-10 09:00"),
    },
]
LEADS = [
    ("L1", "r1", "web", "2026-03-05 10:00"),
    ("L2", "r1", "web", "2026-03-20 10:00"),
    ("L3", "r1", "ads", "2026-02-28 23:30"),
    ("L4", "r1", "web", "2026-03-31 22:30"),
    ("L5", "r2", "web", "2026-03-10 09:00"),
    ("L6", "r2", "ads", "2026-03-11 09:00"),
    ("L7", "r3", "events", "2026-03-12 09:00"),
    ("L8", "r1", "web", "2026-02-10 09:00"),
]
OPPORTUNITIES = [
    {
        "opportunity_id": "o1",
        "account_id": "a1",
        "lead_id": "L1",
        "owner_id": "r1",
        "pipeline": "New business",
        "stage": "won",
        "amount": 10_000.0,
        "currency": "EUR",
        "created_at": ts("2026-03-10 10:00"),
        "closed_at": ts("2026-03-25 10:00"),
        "expected_close_date": date(2026, 3, 31),
        "status": "won",
    },
    {
        "opportunity_id": "o2",
        "account_id": "a2",
        "lead_id": "L5",
        "owner_id": "r2",
        "pipeline": "New business",
        "stage": "proposal",
        "amount": 5_000.0,
        "currency": "USD",
        "created_at": ts("2026-03-12 10:00"),
        "status": "open",
    },
]
FX = [{"day": date(2026, 1, 1), "currency": "USD", "rate_to_base": 0.9}]


def load_company(warehouse: Warehouse) -> None:
    leads = [
        {
            "lead_id": i,
            "owner_id": rep,
            "channel": channel,
            "created_at": ts(at),
            "account_id": "a1" if rep != "r2" else "a2",
        }
        for i, rep, channel, at in LEADS
    ]
    warehouse.load(
        {
            "reps": frame("reps", REPS),
            "accounts": frame("accounts", ACCOUNTS),
            "leads": frame("leads", leads),
            "opportunities": frame("opportunities", OPPORTUNITIES),
            "fx_rates": frame("fx_rates", FX),
        }
    )
