"""Stages in pipeline order: the order deals move through them, learned from the data.

A company's CRM names its own stages ("Discovery", "Proposta inviata"…); nothing declares
their order. The stage history does: each stage's place is its mean position among a
deal's stage-history entries (the first stage entered is 1). Stages no history knows come
after the known ones, and stages where deals end (held only by won or lost deals) come
last. The order is the process's, company-wide, not a number of anyone's.

One rule for everyone who lists stages: the KPI page's breakdown and stage filter, the
reports (leaderboard, forecast) and the close-probability model (which tells a step back
from a step forward with it).
"""

from __future__ import annotations

from collections.abc import Callable

import ibis
import ibis.expr.types as ir
import pandas as pd

CLOSED = ("won", "lost")
# Positions past every open stage: stages nobody's history places, then the closing ones.
UNPLACED, CLOSING = 1e6, 1e9


def stage_positions(engine) -> dict[str, float]:
    """{stage: place in the pipeline} of the company's data (an Engine method too)."""
    return stage_positions_in(
        engine.table("stage_history"), engine.table("opportunities"), engine.execute
    )


def stage_positions_in(
    stage_history: ir.Table,
    opportunities: ir.Table,
    execute: Callable[[ir.Expr], pd.DataFrame] | None = None,
) -> dict[str, float]:
    """{stage: place} from a stage history (opportunity_id, stage, entered_at) and the deals
    (stage, status), run by `execute` (default: Ibis's own backend, for in-memory tables)."""
    run = execute or (lambda expr: expr.execute())
    ranked = stage_history.mutate(
        position=ibis.row_number().over(group_by="opportunity_id", order_by="entered_at") + 1
    )
    known = run(ranked.group_by("stage").aggregate(position=ranked.position.mean()))
    held = run(
        opportunities.group_by("stage").aggregate(closing=opportunities.status.isin(CLOSED).all())
    )
    positions = {
        str(s): float(p) for s, p in zip(known.stage, known.position, strict=True) if s is not None
    }
    for stage, closing in zip(held.stage, held.closing, strict=True):
        if stage is None or pd.isna(stage):
            continue
        place = positions.get(stage, UNPLACED)
        positions[stage] = CLOSING + place if closing else place
    return positions


def open_stages(positions: dict[str, float]) -> set[str]:
    """The stages where a deal can still be open (not those only won or lost deals hold)."""
    return {stage for stage, place in positions.items() if place < CLOSING}


def in_pipeline_order(
    frame: pd.DataFrame, positions: dict[str, float], keys: tuple[str, ...] = ("pipeline",)
) -> pd.DataFrame:
    """`frame`'s rows sorted by `keys`, then by stage in pipeline order (then by name)."""
    place = frame.stage.map(lambda s: positions.get(s, UNPLACED))
    ordered = frame.assign(_place=place).sort_values([*keys, "_place", "stage"], kind="stable")
    return ordered.drop(columns="_place").reset_index(drop=True)


def pipeline_rank(positions: dict[str, float]) -> Callable[[str | None], tuple]:
    """A sort key putting stages (codes) in pipeline order; unknown ones last, by name."""
    return lambda stage: (
        positions.get(stage, UNPLACED) if stage is not None else CLOSING * 2,
        str(stage),
    )
