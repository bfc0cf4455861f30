"""Deals as the reports see them: one row per opportunity, in the base currency, with the
names of its owner, team and account, under the caller's filters (a rep's scope included).

An open deal is valued at today's exchange rate (what it would bring if signed now); a
closed deal at the rate of the day it closed.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from cruscotto.engine import Engine, Filters
from cruscotto.reports.query import count_if, scoped, with_base_amount

CLOSED = ("won", "lost")


def deals(engine: Engine, filters: Filters | None = None) -> ir.Table:
    """Opportunities under `filters`, with `amount_base`, `rep`, `team`, the rep's `role`
    and `account`."""
    opportunities = scoped(engine, "opportunities", filters)
    closed = opportunities.status.isin(CLOSED) & opportunities.closed_at.notnull()
    # A timestamp: the converter takes its day in the company's time zone.
    valued_on = ibis.cases(
        (closed, opportunities.closed_at), else_=ibis.literal(engine.now, "timestamp")
    )
    valued = with_base_amount(engine, opportunities, "amount", valued_on, "opportunities")
    reps = engine.table("reps").select(_rep_id="rep_id", rep="name", team="team", role="role")
    accounts = engine.table("accounts").select(_account_id="account_id", account="name")
    named = valued.left_join(reps, valued.owner_id == reps._rep_id).left_join(
        accounts, valued.account_id == accounts._account_id
    )
    return named.drop("_rep_id", "_account_id")


# Positions past every open stage: stages nobody's history places, then the closing ones.
UNPLACED, CLOSING = 1e6, 1e9


def stage_positions(engine: Engine) -> dict[str, float]:
    """Each stage's place in the pipeline, for showing stages in the order deals move
    through them rather than by value or name: the mean position of the stage among a
    deal's stage-history entries (the first stage entered is 0). Stages no history knows
    come after the known ones, and stages where deals end (held by won or lost deals)
    come last. Company-wide: the order is the process's, not a number of anyone's."""
    history = engine.table("stage_history")
    ranked = history.mutate(
        position=ibis.row_number().over(group_by="opportunity_id", order_by="entered_at")
    )
    known = engine.execute(ranked.group_by("stage").aggregate(position=ranked.position.mean()))
    opportunities = engine.table("opportunities")
    held = engine.execute(
        opportunities.group_by("stage").aggregate(closing=opportunities.status.isin(CLOSED).all())
    )
    positions = {str(s): float(p) for s, p in zip(known.stage, known.position, strict=True)}
    for stage, closing in zip(held.stage, held.closing, strict=True):
        if stage is None:
            continue
        place = positions.get(stage, UNPLACED)
        positions[stage] = CLOSING + place if closing else place
    return positions


def in_pipeline_order(frame, positions: dict[str, float], keys: tuple[str, ...] = ("pipeline",)):
    """`frame`'s rows sorted by `keys`, then by stage in pipeline order (then by name)."""
    place = frame.stage.map(lambda s: positions.get(s, UNPLACED))
    ordered = frame.assign(_place=place).sort_values([*keys, "_place", "stage"], kind="stable")
    return ordered.drop(columns="_place").reset_index(drop=True)


def _history_filters(filters: Filters | None) -> dict:
    # A stage filter keeps deals sitting in that stage now; closed deals sit in none.
    return {k: v for k, v in (filters or {}).items() if k != "stage"}


def stage_win_rates(engine: Engine, filters: Filters | None = None) -> ir.Table:
    """Per pipeline and stage: of the closed deals that ever reached the stage, how many won.

    "Reached" means the stage appears in the deal's stage history or is its current stage.
    The deals are those under `filters` except a `stage` filter: a rep's forecast is
    learned from the rep's own history, a team's from the team's.
    """
    opportunities = scoped(engine, "opportunities", _history_filters(filters))
    closed = opportunities.filter(opportunities.status.isin(CLOSED)).select(
        "opportunity_id", "pipeline", "status"
    )
    # Both sides cast to one nullable schema: a filter's join (team → reps) makes the deals'
    # columns nullable while stage_history's keys are not, and a union needs equal schemas.
    pair = {"opportunity_id": "string", "stage": "string"}
    history = engine.table("stage_history").select(*pair).cast(pair)
    current = opportunities.select(*pair).cast(pair)
    reached = history.union(current, distinct=True)
    outcomes = closed.join(reached, "opportunity_id")
    return outcomes.group_by(["pipeline", "stage"]).aggregate(
        won=count_if(outcomes.status == "won"), closed=outcomes.count()
    )


def pipeline_win_rates(engine: Engine, filters: Filters | None = None) -> ir.Table:
    """Per pipeline: won ÷ closed among all its closed deals under `filters` (except stage)."""
    opportunities = scoped(engine, "opportunities", _history_filters(filters))
    closed = opportunities.filter(opportunities.status.isin(CLOSED))
    return closed.group_by("pipeline").aggregate(
        won=count_if(closed.status == "won"), closed=closed.count()
    )
