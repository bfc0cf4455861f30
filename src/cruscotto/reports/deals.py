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
