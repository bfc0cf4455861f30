"""Goals: see them with their pace and projection, set them (admin, managers for their
teams, reps for themselves if the company allows), trace their history.

GET  /goals  (page)  ·  GET /api/goals           the goals the user may see, with progress
POST /goals  (form)  ·  POST /api/goals          set a goal (JSON body on the API)
GET  /api/goals/{id}/history                     every version of a goal
DELETE /api/goals/{id}                           remove a goal (a version marked removed)
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from cruscotto.engine import Engine, Period
from cruscotto.goals import SCOPE_DIMENSIONS, Goal, GoalError, GoalStore, Scope, set_goal
from cruscotto.web.access import Access, access
from cruscotto.web.goals import (
    can_set_any,
    goal_dict,
    goal_or_404,
    goal_store,
    goals_config,
    may_read,
    require_set,
    visible_goals,
)
from cruscotto.web.kpis import engine
from cruscotto.web.pages import nav_item, page
from cruscotto.web.pickers import pickers

router = APIRouter()
nav_item("goals", "/goals", "nav.goals", order=15)


class GoalIn(BaseModel):
    kpi: str = Field(description="KPI id")
    period: str = Field(description="2026-11, 2026-Q4 or FY2026")
    target: float = Field(description="The value to reach (rates as fractions: 0.25)")
    scope: str | None = Field(None, description="company (default) or dimension=value")
    owner: str | None = None
    note: str | None = Field(None, description="Why this target", max_length=500)
    parent_id: str | None = None


@page(router, "/goals", "goals.html", name="goals", tags=["goals"])
def goals_page(
    request: Request,
    period: str | None = None,
    who: Access = Depends(access),
    kpis: Engine = Depends(engine),
) -> dict:
    """The goals the user may see, with actual, expected to date, projection (80%
    interval), probability and status. Without `period`: the goals running today."""
    store = goal_store(request)
    label = _period_label(period, kpis, who)
    goals = visible_goals(who, kpis, store, label)
    if label is None:
        goals = [g for g in goals if kpis.period(g.period).contains(kpis.today)]
    rows = [goal_dict(kpis, g, who) for g in goals]
    settings = goals_config(request)
    return {
        "period": label,
        "today": kpis.today,
        "goals": rows,
        "rollups": _rollups(kpis, store, goals),
        "can_set": can_set_any(who, settings),
        "form": _form(kpis, who) if can_set_any(who, settings) else None,
    }


@router.post("/api/goals", tags=["goals"], status_code=201)
def create_goal(
    body: GoalIn, request: Request, who: Access = Depends(access), kpis: Engine = Depends(engine)
) -> dict:
    """Set (or change) a goal; 403 outside the user's writable scope, 400 for a bad goal."""
    stored, rollup = _set(request, who, kpis, body)
    return {
        "goal": goal_dict(kpis, stored, who),
        "rollup": rollup.to_dict() if rollup else None,
    }


@router.post("/goals", include_in_schema=False)
def create_goal_form(
    request: Request,
    kpi: Annotated[str, Form()],
    period: Annotated[str, Form()],
    target: Annotated[str, Form()],
    scope_dimension: Annotated[str, Form()] = "",
    scope_value: Annotated[str, Form()] = "",
    owner: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    who: Access = Depends(access),
    kpis: Engine = Depends(engine),
):
    try:
        number = float(target.replace(",", "."))
    except ValueError:
        raise HTTPException(400, who.t("goals.bad_target", target=target)) from None
    body = GoalIn(
        kpi=kpi,
        period=period,
        target=number,
        scope=f"{scope_dimension}={scope_value}" if scope_dimension else None,
        owner=owner or None,
        note=note or None,
    )
    stored, _ = _set(request, who, kpis, body)
    return RedirectResponse(f"/goals?period={stored.period}&saved={stored.id}", status_code=303)


@router.get("/api/goals/{goal_id}/history", tags=["goals"])
def goal_history(
    goal_id: str, request: Request, who: Access = Depends(access), kpis: Engine = Depends(engine)
) -> list[dict]:
    store = goal_store(request)
    goal = goal_or_404(store, goal_id, who)
    if not may_read(who, kpis, goal):
        raise HTTPException(404, who.t("goals.not_found", id=goal_id))
    return store.history(goal_id)


@router.delete("/api/goals/{goal_id}", tags=["goals"], status_code=204)
def remove_goal(
    goal_id: str, request: Request, who: Access = Depends(access), kpis: Engine = Depends(engine)
) -> None:
    store = goal_store(request)
    goal = goal_or_404(store, goal_id, who)
    require_set(who, kpis, goal, goals_config(request))
    store.remove(goal, username=who.user.username, address=_address(request))


def _set(request: Request, who: Access, kpis: Engine, body: GoalIn):
    try:
        goal = Goal(
            body.kpi,
            Scope.parse(body.scope),
            body.period,
            body.target,
            owner=body.owner,
            note=body.note,
            parent_id=body.parent_id,
        )
    except GoalError as exc:
        raise HTTPException(400, who.refused(exc, kpis.catalog)) from None
    if goal.kpi in kpis.catalog and not who.can_see(kpis.catalog.get(goal.kpi)):
        raise HTTPException(404, who.t("error.kpi_not_visible", kpi=goal.kpi))
    # The scope is checked before the goal itself, so a refused user learns nothing more.
    require_set(who, kpis, goal, goals_config(request))
    try:
        return set_goal(
            goal_store(request), kpis, goal, username=who.user.username, address=_address(request)
        )
    except GoalError as exc:
        raise HTTPException(400, who.refused(exc, kpis.catalog)) from None


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


def _period_label(text: str | None, kpis: Engine, who: Access) -> str | None:
    if not text:
        return None
    try:
        return kpis.period(text).label
    except ValueError:
        raise HTTPException(400, who.t("error.bad_period", period=text)) from None


def _rollups(kpis: Engine, store: GoalStore, goals: list[Goal]) -> list[dict]:
    """The roll-up check of every shown goal that has children."""
    from cruscotto.engine import kpi_kind
    from cruscotto.goals import roll_up

    checks = []
    for goal in goals:
        family = store.list(goal.period)
        if any(g.parent_id == goal.id for g in family):
            kind = kpi_kind(kpis.catalog.get(goal.kpi), kpis.catalog)
            checks.append(roll_up(goal, family, kind).to_dict())
    return checks


def _form(kpis: Engine, who: Access) -> dict:
    """What the form offers: the KPIs the user sees, scopes they may pick, periods."""
    today = kpis.today
    fiscal = kpis.settings.fiscal_year_start_month
    month = Period.current("month", today, fiscal)
    quarter = Period.current("quarter", today, fiscal)
    year = Period.current("year", today, fiscal)
    periods = [month.label, Period.current("month", month.end, fiscal).label]
    periods += [quarter.label, Period.current("quarter", quarter.end, fiscal).label, year.label]
    dimensions = [d for d in SCOPE_DIMENSIONS if who.user.role == "admin" or d in ("team", "rep")]
    return {
        "kpis": [
            {"id": k.id, "name": who.t.pick(k.name), "unit": k.unit, "dimensions": k.dimensions}
            for k in sorted(who.visible(kpis.catalog.all()), key=lambda k: who.t.pick(k.name))
        ],
        "periods": list(dict.fromkeys(periods)),
        "scopes": pickers(kpis, who, dimensions) if who.user.role != "rep" else {},
        "company": who.user.role == "admin",
        "own_rep": who.user.rep_id if who.user.role == "rep" else None,
    }
