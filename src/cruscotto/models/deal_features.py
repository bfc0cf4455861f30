"""What was known about each open deal at a moment: the close-probability model's features.

`deal_snapshots(history, moment)` uses only records stamped at or before `moment`: the
deal's creation, the stages it had entered, its activities, and the account's deals
closed by then. A deal's current `stage` column, its `closed_at` and `status` are not
features (they describe today, not the moment); the stage at the moment comes from the
stage history, and only for a snapshot taken today from the CRM's current stage when the
history lacks it. The amount is the one on the deal (the CRM keeps no amount history).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cruscotto.model.tables import ACTIVITY_TYPES
from cruscotto.models.deal_history import DealHistory, stage_order

RECENT_DAYS = 30
NEVER_DAYS = 365.0  # "days since last activity" of a deal with none: a long time, capped
NUMERIC_FEATURES = [
    "amount",
    "age_days",
    "days_in_stage",
    "stages_reached",
    "stage_regressions",
    "days_since_activity",
    "recent_activities",
    *[f"activities_{kind}" for kind in ACTIVITY_TYPES],
    "account_past_wins",
]
CATEGORICAL_FEATURES = [
    "pipeline",
    "stage",
    "owner_id",
    "channel",
    "segment",
    "industry",
    "size_band",
    "product",
]
FEATURES = NUMERIC_FEATURES + CATEGORICAL_FEATURES
# How each feature reads in English (the web app translates "model.feature.<name>").
FEATURE_LABELS = {
    "amount": "Amount",
    "age_days": "Days open",
    "days_in_stage": "Days in this stage",
    "stages_reached": "Stages reached",
    "stage_regressions": "Steps back to an earlier stage",
    "days_since_activity": "Days since the last activity",
    "recent_activities": f"Activities in the last {RECENT_DAYS} days",
    "activities_call": "Calls",
    "activities_email": "E-mails",
    "activities_chat": "Chats",
    "activities_meeting": "Meetings",
    "activities_demo": "Demos",
    "activities_linkedin_inmail": "LinkedIn InMails",
    "activities_proposal": "Proposals sent",
    "account_past_wins": "Deals the account won before",
    "pipeline": "Pipeline",
    "stage": "Stage",
    "owner_id": "Rep",
    "channel": "Channel",
    "segment": "Segment",
    "industry": "Industry",
    "size_band": "Company size",
    "product": "Product",
}


def display_value(feature: str, value: object) -> object:
    """A feature's value as a person reads it: the amount (not its logarithm), whole days
    and counts, categories as they are."""
    if isinstance(value, str):
        return value
    number = float(value)
    if feature == "amount":
        return round(float(np.expm1(number)), 2)
    return round(number)


NO_STAGE = "(none)"


def open_at(history: DealHistory, moment: pd.Timestamp) -> pd.DataFrame:
    """The deals open at `moment`: created by then and not closed by then."""
    deals = history.deals
    still_open = deals.closed_at.isna() | (deals.closed_at > moment)
    return deals[(deals.created_at <= moment) & still_open]


def deal_snapshots(
    history: DealHistory,
    moment: pd.Timestamp,
    order: dict[str, float] | None = None,
    deals: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per deal open at `moment` (or per row of `deals`): opportunity_id, the
    FEATURES as known at `moment`, and `moment`."""
    moment = pd.Timestamp(moment)
    order = stage_order(history) if order is None else order
    rows = open_at(history, moment) if deals is None else deals
    snapshot = rows[["opportunity_id", *_static_columns()]].copy()
    snapshot["amount"] = np.log1p(rows.amount_base.fillna(0.0).clip(lower=0))
    snapshot["age_days"] = (moment - rows.created_at).dt.total_seconds() / 86400

    ids = set(rows.opportunity_id)
    stages = history.stage_history
    stages = stages[stages.opportunity_id.isin(ids) & (stages.entered_at <= moment)]
    snapshot = snapshot.merge(_stage_features(stages, order), on="opportunity_id", how="left")
    if moment >= history.today:  # today: the CRM's current stage is what is known now
        current = rows.set_index("opportunity_id").stage
        snapshot["stage"] = snapshot.stage.fillna(snapshot.opportunity_id.map(current))
    snapshot["stage"] = snapshot.stage.fillna(NO_STAGE)
    created = snapshot.opportunity_id.map(rows.set_index("opportunity_id").created_at)
    entered = pd.to_datetime(snapshot.stage_entered_at).fillna(created)
    snapshot["days_in_stage"] = (moment - entered).dt.total_seconds() / 86400
    snapshot["stages_reached"] = snapshot.stages_reached.fillna(0)
    snapshot["stage_regressions"] = snapshot.stage_regressions.fillna(0)

    acts = history.activities
    acts = acts[acts.opportunity_id.isin(ids) & (acts.occurred_at <= moment)]
    snapshot = snapshot.merge(_activity_features(acts, moment), on="opportunity_id", how="left")
    counts = ["recent_activities", *[f"activities_{kind}" for kind in ACTIVITY_TYPES]]
    snapshot[counts] = snapshot[counts].fillna(0)
    snapshot["days_since_activity"] = snapshot.days_since_activity.fillna(NEVER_DAYS)

    snapshot["account_past_wins"] = _past_wins(history, moment, snapshot.account_id)
    snapshot["moment"] = moment
    for column in CATEGORICAL_FEATURES:
        snapshot[column] = snapshot[column].fillna("(unknown)").astype(str)
    return snapshot[["opportunity_id", *FEATURES, "moment"]].reset_index(drop=True)


def _static_columns() -> list[str]:
    """Columns copied as they are (known from the deal's creation on): the categories but
    the stage (which changes), and the account (for its past wins)."""
    return ["account_id", *(c for c in CATEGORICAL_FEATURES if c != "stage")]


def _stage_features(stages: pd.DataFrame, order: dict[str, float]) -> pd.DataFrame:
    """Per deal: the stage it was last in, since when, how many stages it had reached and
    how many times it stepped back to an earlier stage."""
    columns = ["opportunity_id", "stage", "stage_entered_at", "stages_reached", "stage_regressions"]
    if stages.empty:
        return pd.DataFrame(columns=columns)
    ordered = stages.sort_values(["opportunity_id", "entered_at", "stage"])
    rank = ordered.stage.map(order).astype(float)
    previous = rank.groupby(ordered.opportunity_id).shift()
    ordered = ordered.assign(back=(rank < previous).astype(int))
    grouped = ordered.groupby("opportunity_id")
    last = grouped.tail(1).set_index("opportunity_id")
    return (
        pd.DataFrame(
            {
                "stage": last.stage,
                "stage_entered_at": last.entered_at,
                "stages_reached": grouped.stage.nunique(),
                "stage_regressions": grouped.back.sum(),
            }
        )
        .rename_axis("opportunity_id")
        .reset_index()[columns]
    )


def _activity_features(acts: pd.DataFrame, moment: pd.Timestamp) -> pd.DataFrame:
    """Per deal: activities by type so far, in the last RECENT_DAYS, days since the last."""
    if acts.empty:  # a company with no activities (or none yet): every count is 0
        kinds = [f"activities_{kind}" for kind in ACTIVITY_TYPES]
        return pd.DataFrame(
            columns=["opportunity_id", *kinds, "days_since_activity", "recent_activities"]
        )
    by_type = pd.crosstab(acts.opportunity_id, acts.type).reindex(
        columns=list(ACTIVITY_TYPES), fill_value=0
    )
    by_type.columns = [f"activities_{kind}" for kind in by_type.columns]
    grouped = acts.groupby("opportunity_id").occurred_at
    recent = acts[acts.occurred_at > moment - pd.Timedelta(days=RECENT_DAYS)]
    features = by_type.assign(
        days_since_activity=(moment - grouped.max()).dt.total_seconds() / 86400,
        recent_activities=recent.groupby("opportunity_id").size(),
    )
    return features.rename_axis("opportunity_id").reset_index()


def _past_wins(history: DealHistory, moment: pd.Timestamp, accounts: pd.Series) -> np.ndarray:
    """How many deals each account had won by `moment`."""
    deals = history.deals
    won = deals[(deals.status == "won") & (deals.closed_at <= moment)]
    counts = won.groupby("account_id").size()
    return accounts.map(counts).fillna(0).to_numpy(dtype=float)
