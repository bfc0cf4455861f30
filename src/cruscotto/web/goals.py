"""What the goal pages, the KPI page, the attention page and the leaderboard share:
the app's goal store, which goals a user may see and set, and goals as JSON.
"""

from __future__ import annotations

import threading

from fastapi import HTTPException, Request

from cruscotto.engine import Engine
from cruscotto.goals import (
    Goal,
    GoalError,
    GoalSettings,
    GoalStore,
    goal_settings,
    progress,
    rep_team,
)
from cruscotto.settings import read_config
from cruscotto.web.access import Access

_lock = threading.Lock()


def goal_store(request: Request) -> GoalStore:
    """The app's goal store (with the defaults of cruscotto.yaml), made on first use."""
    state = request.app.state
    if getattr(state, "goal_store", None) is None:
        with _lock:
            if getattr(state, "goal_store", None) is None:
                state.goal_store = GoalStore(state.warehouse, goals_config(request).defaults)
    return state.goal_store


def goals_config(request: Request) -> GoalSettings:
    """The `goals:` section of cruscotto.yaml, read once (tests set app.state.goal_settings)."""
    state = request.app.state
    if getattr(state, "goal_settings", None) is None:
        try:
            state.goal_settings = goal_settings(read_config())
        except (GoalError, ValueError):
            # A broken section must not take the app down; the CLI reports it.
            state.goal_settings = GoalSettings()
    return state.goal_settings


def may_read(who: Access, kpis: Engine, goal: Goal) -> bool:
    if goal.kpi not in kpis.catalog or not who.can_see(kpis.catalog.get(goal.kpi)):
        return False
    scope = goal.scope
    team = rep_team(kpis, scope.value) if scope.dimension == "rep" and who.forced else None
    return who.may_read_scope(scope.dimension, scope.value, team)


def may_set(who: Access, kpis: Engine, goal: Goal, settings: GoalSettings) -> bool:
    team = rep_team(kpis, goal.scope.value) if goal.scope.dimension == "rep" else None
    return who.may_write(
        goal.scope.dimension, goal.scope.value, rep_team=team, reps_write_own=settings.reps_set_own
    )


def require_set(who: Access, kpis: Engine, goal: Goal, settings: GoalSettings) -> None:
    team = rep_team(kpis, goal.scope.value) if goal.scope.dimension == "rep" else None
    who.require_write(
        goal.scope.dimension, goal.scope.value, rep_team=team, reps_write_own=settings.reps_set_own
    )


def can_set_any(who: Access, settings: GoalSettings) -> bool:
    """Whether to offer the form at all (the server still checks each goal's scope)."""
    role = who.user.role
    return role in ("admin", "manager") or (role == "rep" and settings.reps_set_own)


def visible_goals(who: Access, kpis: Engine, store: GoalStore, period: str | None = None):
    return [g for g in store.list(period) if may_read(who, kpis, g)]


def goal_dict(kpis: Engine, goal: Goal, who: Access) -> dict:
    """A goal with its progress, KPI name and scope label in the user's language."""
    kpi = kpis.catalog.get(goal.kpi)
    data = progress(kpis, goal).to_dict()
    data["kpi_name"] = who.t.pick(kpi.name)
    data["scope_label"] = scope_label(kpis, goal, who)
    data["link"] = kpi_link(goal)
    return data


def scope_label(kpis: Engine, goal: Goal, who: Access) -> str:
    """ "Marco Bianchi (rep)" rather than "rep=R00000001"."""
    scope = goal.scope
    if scope.dimension is None:
        return who.t("scope.company_label")
    labels = dict(kpis.dimension_values(scope.dimension))
    name = labels.get(scope.value, scope.value)
    return f"{name} ({who.t('dimension.' + scope.dimension)})"


def kpi_link(goal: Goal) -> str:
    """The KPI page for the goal's scope and period."""
    from urllib.parse import urlencode

    query = {"period": goal.period, **{d: v[0] for d, v in goal.scope.filters.items()}}
    return f"/kpi/{goal.kpi}?{urlencode(query)}"


def goal_or_404(store: GoalStore, goal_id: str, who: Access) -> Goal:
    found = store.get(goal_id)
    if found is None:
        raise HTTPException(404, who.t("goals.not_found", id=goal_id))
    return found
