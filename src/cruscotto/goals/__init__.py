"""Goals: targets for a KPI × scope × period, their pace, projection and status.

The interface other parts use:

    from cruscotto.goals import GoalStore, Goal, Scope, progress, set_goal
    store = GoalStore(warehouse)                   # the `goals` table, history kept
    goal = Goal("deals_won", Scope("team", "North"), "2026-Q4", target=120)
    stored, rollup = set_goal(store, engine, goal, username="anna")
    p = progress(engine, goal)                     # GoalProgress
    p.actual, p.expected_to_date, p.projection, p.projection_low, p.projection_high,
    p.probability, p.status                        # see docs/goals.md
"""

from cruscotto.goals.config import GoalSettings, goal_settings
from cruscotto.goals.model import SCOPE_DIMENSIONS, Goal, GoalError, Scope, check_goal, goal_id
from cruscotto.goals.progress import GoalProgress, achievability, progress
from cruscotto.goals.rollup import RollUp, roll_up
from cruscotto.goals.setting import rep_team, set_goal
from cruscotto.goals.status import GOAL_STATUSES, goal_status
from cruscotto.goals.store import GOALS, GoalStore

__all__ = [
    "GOALS",
    "GOAL_STATUSES",
    "SCOPE_DIMENSIONS",
    "Goal",
    "GoalError",
    "GoalProgress",
    "GoalSettings",
    "GoalStore",
    "RollUp",
    "Scope",
    "achievability",
    "check_goal",
    "goal_id",
    "goal_settings",
    "goal_status",
    "progress",
    "rep_team",
    "roll_up",
    "set_goal",
]
