"""The customer records the churn-risk model learns from, read once into pandas: accounts,
contracts (MRR in the base currency), invoices, activities, tickets and survey answers.
Every record carries its own timestamp, so `account_snapshots` can rebuild what was known
about each customer at any moment."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cruscotto.engine import Engine


@dataclass(frozen=True)
class AccountHistory:
    accounts: pd.DataFrame  # account_id, name, owner_id, segment, industry, size_band
    contracts: pd.DataFrame  # account_id, start, end (cancelled or term end), mrr_base
    invoices: pd.DataFrame  # account_id, issued_at, amount_base
    activities: pd.DataFrame  # account_id, occurred_at
    tickets: pd.DataFrame  # account_id, opened_at, complaint
    surveys: pd.DataFrame  # account_id, kind, score, responded_at
    today: pd.Timestamp


def load_account_history(engine: Engine) -> AccountHistory:
    converter = engine.currency
    accounts = engine.table("accounts").select(
        "account_id", "name", "owner_id", "segment", "industry", "size_band"
    )
    contracts = engine.table("contracts")
    contracts = converter.with_rate(contracts, contracts.start_date)
    contracts = contracts.select(
        "account_id",
        start=contracts.start_date,
        end=contracts.cancelled_at.fill_null(contracts.end_date),
        mrr_base=converter.in_base(contracts, contracts.mrr),
    )
    invoices = engine.table("invoices")
    invoices = converter.with_rate(invoices, invoices.issued_at)
    invoices = invoices.select(
        "account_id", "issued_at", amount_base=converter.in_base(invoices, invoices.amount)
    )
    activities = engine.table("activities")
    activities = activities.filter(activities.account_id.notnull()).select(
        "account_id", "occurred_at"
    )
    tickets = engine.table("tickets")
    tickets = tickets.select(
        "account_id", "opened_at", complaint=(tickets.category == "complaint").fill_null(False)
    )
    surveys = engine.table("surveys").select("account_id", "kind", "score", "responded_at")
    frames = {
        name: engine.execute(table)
        for name, table in {
            "accounts": accounts,
            "contracts": contracts,
            "invoices": invoices,
            "activities": activities,
            "tickets": tickets,
            "surveys": surveys,
        }.items()
    }
    for name, columns in {
        "contracts": ("start", "end"),
        "invoices": ("issued_at",),
        "activities": ("occurred_at",),
        "tickets": ("opened_at",),
        "surveys": ("responded_at",),
    }.items():
        for column in columns:
            frames[name][column] = pd.to_datetime(frames[name][column])
    return AccountHistory(**frames, today=pd.Timestamp(engine.today))
