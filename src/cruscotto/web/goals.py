"""What the goal pages, the KPI page, the attention page and the leaderboard share:
the app's goal store, which goals a user may see and set, and goals as JSON.
"""

from __future__ import annotations

import datetime as dt
import threading

from fastapi import HTTPException, Request

from cruscotto.engine import Engine, Period
from cruscotto.goals import (
    Goal,
    GoalError,
    GoalSettings,
    GoalStore,
    goal_settings,
    progress,
    rep_team,
)
from cruscotto.goals.pacing import WithinMonth, expected_path
from cruscotto.settings import read_config
from cruscotto.web.access import Access
from cruscotto.web.permissions import authorize_scope
from cruscotto.web.values import ValueText

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


def require_set(who: Access, kpis: Engine, goal: Goal, settings: GoalSettings) -> None:
    """403 unless the user may set (or remove) this goal: see cruscotto.web.permissions."""
    team = rep_team(kpis, goal.scope.value) if goal.scope.dimension == "rep" else None
    authorize_scope(
        who,
        "goals.set",
        goal.scope.dimension,
        goal.scope.value,
        rep_team=team,
        rep_may_own=settings.reps_set_own,
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
    name = dimension_label(kpis, who, scope.dimension, scope.value)
    return f"{name} ({who.t('dimension.' + scope.dimension)})"


def dimension_label(kpis: Engine, who: Access, dimension: str, key: str | None) -> str:
    """A dimension's value as the user reads it: a rep's or an account's name from the
    data, a coded value in the user's language ("Small business", not "smb")."""
    names = dict(kpis.dimension_values(dimension))
    return ValueText(who.language).dimension(dimension, names.get(key, key))


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


def kpi_page_goals(
    request: Request, who: Access, kpis: Engine, kpi_id: str, window, trend: list[dict]
) -> list[dict]:
    """The goals of this KPI for exactly the scope the page shows (the company without
    filters; a team's goal under that team's filter…) whose period meets the trend, each
    with its target per trend point (None outside its period) and its expected path.

    A manager's forced team filter is implied when they look at one of their reps: the
    page of rep r1 shows r1's goal (visible_goals already keeps reps of other teams out)."""
    filters = {d: sorted(v) for d, v in who.filters().items()}
    if "rep" in who.requested and "team" not in who.requested and "team" in who.forced:
        del filters["team"]
    shown = []
    for goal in visible_goals(who, kpis, goal_store(request)):
        period = kpis.period(goal.period)
        if goal.kpi != kpi_id or {d: sorted(v) for d, v in goal.scope.filters.items()} != filters:
            continue
        if period.end <= window.start or period.start >= window.end:
            continue
        data = goal_dict(kpis, goal, who)
        data["per_point"] = [_point_target(data, period, point) for point in trend]
        data["today"] = kpis.today.isoformat()
        shares, profile = data["month_shares"], data["day_of_month_profile"]
        within = WithinMonth(tuple(profile) if profile else None)
        path = expected_path(kpis.settings, period, shares, goal.target, data["kind"], within)
        data["expected_path"] = [{"day": day.isoformat(), "value": v} for day, v in path]
        shown.append(data)
    return shown


def _point_target(goal: dict, period: Period, point: dict) -> float | None:
    """The goal's target for one trend point: the target itself for a rate or an average
    (it holds at any time); for a count or a sum, the point's share of it — a month's share
    of a quarter's goal, the whole goal for the goal's own period, None for finer points."""
    start, end = dt.date.fromisoformat(point["start"]), dt.date.fromisoformat(point["end"])
    if start < period.start or end > period.end:
        return None
    if goal["kind"] not in ("count", "sum"):
        return goal["target"]
    if (start, end) == (period.start, period.end):
        return goal["target"]
    months = period.split("month")
    for month, share in zip(months, goal["month_shares"], strict=True):
        if (start, end) == (month.start, month.end):
            return goal["target"] * share
    return None


# The KPIs a rep's quota is set on, in order of preference (one quota per rep is shown).
QUOTA_KPIS = ("revenue_per_rep", "deals_won", "revenue", "net_new_revenue")


def quota_attainment(request: Request, who: Access, kpis: Engine, period: Period) -> list[dict]:
    """Each rep's quota for the period (their goal on one of QUOTA_KPIS): attainment so
    far (actual ÷ target), where the pace says they should be by now, attainment
    projected (projection ÷ target) and the chance of reaching the quota, best first."""
    rows: dict[str, dict] = {}
    goals = visible_goals(who, kpis, goal_store(request), period.label)
    for kpi_id in QUOTA_KPIS:
        for goal in goals:
            if goal.kpi != kpi_id or goal.scope.dimension != "rep" or goal.scope.value in rows:
                continue
            data = goal_dict(kpis, goal, who)
            target = goal.target or None

            def share(value, target=target):
                return value / target if target and value is not None else None

            rows[goal.scope.value] = {
                "rep": goal.scope.value,
                "rep_label": data["scope_label"],
                "kpi": kpi_id,
                "kpi_name": data["kpi_name"],
                "unit": data["unit"],
                "target": goal.target,
                "actual": data["actual"],
                "attainment": data["actual"] / target
                if target and data["actual"] is not None
                else None,
                "expected_to_date": data["expected_to_date"],
                "projection": data["projection"],
                "projected_attainment": share(data["projection"]),
                "probability": data["probability"],
                "status": data["status"],
                "sample_size": data["sample_size"],
            }
    return sorted(rows.values(), key=lambda r: -(r["attainment"] or 0))
