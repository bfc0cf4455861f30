"""A close date for open deals the CRM has none for, from how long similar deals took.

"Similar" means won deals that reached the deal's current stage in the same pipeline and
size band (the thirds of won deals' values). For an open deal that entered its stage
`elapsed` days ago, the estimate is today + the median of (days from entering the stage to
closing − elapsed) over the similar deals that took longer than `elapsed` — the ones still
open at this age, so an old deal is not given a date in the past. With fewer than
MIN_SIMILAR such deals the size band is dropped, then the stage (days from creation to
close of the pipeline's won deals); with none at all the deal stays undated.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from cruscotto.engine import Engine, Filters
from cruscotto.reports.deals import deals

MIN_SIMILAR = 5
CREATED = "\x00created"  # the pseudo-stage "opened", for the last fallback


def estimated_close_dates(engine: Engine, undated: pd.DataFrame, filters: Filters | None):
    """For `undated` (opportunity_id, pipeline, stage, amount_base, created_at): the
    estimated close date and what it was learned from, one row per deal it could date."""
    columns = ["opportunity_id", "estimated_close_date", "estimate_basis"]
    if undated.empty:
        return pd.DataFrame(columns=columns)
    durations = _won_durations(engine, filters)
    if durations.empty:
        return pd.DataFrame(columns=columns)
    edges = np.quantile(durations.drop_duplicates("opportunity_id").amount_base, [1 / 3, 2 / 3])
    durations["band"] = np.searchsorted(edges, durations.amount_base.to_numpy(), side="right")
    entered = _entered_current_stage(engine, undated)
    today = pd.Timestamp(engine.today)
    groups = {key: g.days.to_numpy() for key, g in durations.groupby(["pipeline", "stage", "band"])}
    by_stage = {key: g.days.to_numpy() for key, g in durations.groupby(["pipeline", "stage"])}
    rows = []
    for deal in undated.itertuples(index=False):
        since = entered.get(deal.opportunity_id, pd.Timestamp(deal.created_at))
        elapsed = max((today - since).total_seconds() / 86400, 0.0)
        band = int(np.searchsorted(edges, deal.amount_base or 0.0, side="right"))
        created_elapsed = max((today - pd.Timestamp(deal.created_at)).total_seconds() / 86400, 0)
        choices = [
            ("estimated_stage_size", groups.get((deal.pipeline, deal.stage, band)), elapsed),
            ("estimated_stage", by_stage.get((deal.pipeline, deal.stage)), elapsed),
            ("estimated_pipeline", by_stage.get((deal.pipeline, CREATED)), created_elapsed),
        ]
        for basis, days, age in choices:
            if days is None:
                continue
            longer = days[days > age]
            if len(longer) >= MIN_SIMILAR:
                remaining = math.ceil(float(np.median(longer - age)))
                rows.append(
                    (deal.opportunity_id, engine.today + dt.timedelta(days=remaining), basis)
                )
                break
    return pd.DataFrame(rows, columns=columns)


def _won_durations(engine: Engine, filters: Filters | None) -> pd.DataFrame:
    """Per won deal and stage it reached: days from entering the stage to closing (and
    from creation to closing under the pseudo-stage CREATED)."""
    history_filters = {k: v for k, v in (filters or {}).items() if k != "stage"}
    all_deals = deals(engine, history_filters)
    won = all_deals.filter((all_deals.status == "won") & all_deals.closed_at.notnull())
    won = won.select("opportunity_id", "pipeline", "amount_base", "created_at", "closed_at")
    history = engine.table("stage_history")
    reached = history.semi_join(won, "opportunity_id").group_by(["opportunity_id", "stage"])
    reached = engine.execute(reached.aggregate(entered_at=history.entered_at.min()))
    won = engine.execute(won)
    created = won[["opportunity_id"]].assign(stage=CREATED, entered_at=won.created_at)
    spans = pd.concat([reached, created], ignore_index=True).merge(won, on="opportunity_id")
    spans["days"] = (spans.closed_at - spans.entered_at).dt.total_seconds() / 86400
    return spans[spans.days >= 0][["opportunity_id", "pipeline", "stage", "amount_base", "days"]]


def _entered_current_stage(engine: Engine, undated: pd.DataFrame) -> dict[str, pd.Timestamp]:
    history = engine.table("stage_history")
    ids = list(undated.opportunity_id)
    latest = engine.execute(
        history.filter(history.opportunity_id.isin(ids))
        .group_by(["opportunity_id", "stage"])
        .aggregate(entered_at=history.entered_at.max())
    )
    current = latest.merge(undated[["opportunity_id", "stage"]], on=["opportunity_id", "stage"])
    return dict(zip(current.opportunity_id, pd.to_datetime(current.entered_at), strict=True))
