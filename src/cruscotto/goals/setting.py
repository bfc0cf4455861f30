"""Setting a goal: check it, find its parent, store it, and say whether its family adds up.

Who may set which goal is decided before this, in one place for every write of the web
app (web/access.py); the CLI writes as the database's owner.
"""

from __future__ import annotations

from dataclasses import replace

from cruscotto.engine import Engine, kpi_kind
from cruscotto.goals.model import Goal, GoalError, Scope, check_goal, goal_id
from cruscotto.goals.rollup import RollUp, roll_up
from cruscotto.goals.store import GoalStore


def set_goal(
    store: GoalStore, engine: Engine, goal: Goal, *, username: str, address: str | None = None
) -> tuple[Goal, RollUp | None]:
    """Store the checked goal; returns it and the roll-up check of its parent, if any.

    A rep's goal without an explicit parent rolls up into the same KPI and period's goal
    of the rep's team, when there is one. A roll-up that does not add up is returned, not
    refused: the caller shows it (a team may well ask its reps for more than its goal).
    """
    goal = check_goal(engine, goal)
    parent_id = goal.parent_id
    if parent_id is None and goal.scope.dimension == "rep":
        team = rep_team(engine, goal.scope.value)
        if team is not None:
            candidate = goal_id(goal.kpi, Scope("team", team), goal.period)
            parent_id = candidate if store.get(candidate) is not None else None
    parent = None
    if parent_id is not None:
        parent = store.get(parent_id)
        if parent is None:
            raise GoalError(f"there is no goal with id {parent_id!r} to roll up into")
        if parent.kpi != goal.kpi or parent.period != goal.period:
            raise GoalError("a goal rolls up into a goal of the same KPI and period")
    stored = store.set(replace(goal, parent_id=parent_id), username=username, address=address)
    if parent is None:
        return stored, None
    kind = kpi_kind(engine.catalog.get(goal.kpi), engine.catalog)
    return stored, roll_up(parent, store.list(goal.period), kind)


def rep_team(engine: Engine, rep_id: str | None) -> str | None:
    """The team of a rep (None for an unknown rep)."""
    if not rep_id:
        return None
    reps = engine.table("reps")
    found = engine.execute(reps.filter(reps.rep_id == rep_id).select("team").limit(1))
    return None if found.empty else found.team.iloc[0]
