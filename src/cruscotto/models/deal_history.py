"""The deal records the close-probability model learns from, read once into pandas.

Everything a feature may use carries its own timestamp (deal created, stage entered,
activity occurred, other deals closed), so `deal_snapshots` can build what was known
about each deal at any moment. Amounts are in the base currency at the rate of the day
the deal was created: a rate set later cannot leak into an earlier snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import pandas as pd

from cruscotto.engine import Engine, stage_positions_in

DEAL_COLUMNS = [
    "opportunity_id",
    "account_id",
    "owner_id",
    "pipeline",
    "stage",
    "status",
    "amount_base",
    "product",
    "created_at",
    "closed_at",
    "probability",
    "channel",
    "segment",
    "industry",
    "size_band",
]


@dataclass(frozen=True)
class DealHistory:
    """Deals (one row each, with the account's segment, industry, size and the channel),
    their stage entries and their activities, as pandas frames; `today` is the data's now."""

    deals: pd.DataFrame
    stage_history: pd.DataFrame
    activities: pd.DataFrame
    today: pd.Timestamp


def load_deal_history(engine: Engine) -> DealHistory:
    """All the company's deals and their records: the model learns from the whole company
    (what a deal's features mean does not depend on who looks); what a user is shown is
    cut to their scope by the report that shows it."""
    opportunities = engine.table("opportunities")
    converter = engine.currency
    valued = converter.with_rate(opportunities, opportunities.created_at.date())
    valued = valued.mutate(amount_base=converter.in_base(valued, valued.amount))
    accounts = engine.table("accounts").select(
        _account="account_id",
        segment="segment",
        industry="industry",
        size_band="size_band",
        account_channel="acquisition_channel",
    )
    leads = engine.table("leads").select(_lead="lead_id", lead_channel="channel")
    joined = valued.left_join(accounts, valued.account_id == accounts._account).left_join(
        leads, valued.lead_id == leads._lead
    )
    deals = joined.mutate(channel=ibis.coalesce(joined.lead_channel, joined.account_channel))
    deals = engine.execute(deals.select(*DEAL_COLUMNS))
    ids = deals.opportunity_id
    history = engine.table("stage_history")
    activities = engine.table("activities")
    activities = activities.filter(activities.opportunity_id.notnull())
    stage_history = engine.execute(history.select("opportunity_id", "stage", "entered_at"))
    acts = engine.execute(activities.select("opportunity_id", "type", "occurred_at"))
    return DealHistory(
        deals=_timestamps(deals, "created_at", "closed_at"),
        stage_history=_timestamps(
            stage_history[stage_history.opportunity_id.isin(ids)], "entered_at"
        ),
        activities=_timestamps(acts[acts.opportunity_id.isin(ids)], "occurred_at"),
        today=pd.Timestamp(engine.today),
    )


def stage_order(history: DealHistory) -> dict[str, float]:
    """Each stage's place in the pipeline (the engine's one rule, cruscotto.engine.rules.stages),
    over this history: the model tells a step back (a regression) from a step forward by it."""
    stages = history.stage_history.reindex(columns=["opportunity_id", "stage", "entered_at"])
    deals = history.deals.reindex(columns=["stage", "status"])
    schema = {"opportunity_id": "string", "stage": "string", "entered_at": "timestamp"}
    return stage_positions_in(
        ibis.memtable(stages, schema=schema),
        ibis.memtable(deals, schema={"stage": "string", "status": "string"}),
    )


def _timestamps(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    frame = frame.reset_index(drop=True).copy()
    for column in columns:
        frame[column] = pd.to_datetime(frame[column])
    return frame
