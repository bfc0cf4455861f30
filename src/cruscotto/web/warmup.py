"""Warm the answer cache when the server starts, so the first visitors get fast pages.

In a background thread (tracked: the app's lifespan and the test fixtures join it), while
requests are served meanwhile:
1. the company-wide overview (what admins and viewers see first: the last complete month);
2. the attention page (the landing page) for the company, then for each manager's teams:
   cold it reads two years of every KPI's history in the user's scope (about 20 s of CPU
   on the demo company), which no manager should wait for on their first visit.
Reps' views are computed on their first visit as usual (their attention page says it is
being prepared meanwhile). The answers stay cached until the data changes.
"""

from __future__ import annotations

import threading
from types import SimpleNamespace

from fastapi import FastAPI

from cruscotto.web.access import Access
from cruscotto.web.background import background
from cruscotto.web.kpis import log
from cruscotto.web.users import User


def warm_up(app: FastAPI) -> threading.Thread:
    return background(app).start(_compute, app, name="cruscotto-warm-up")


def _compute(app: FastAPI) -> None:
    from cruscotto.web.kpis import engine
    from cruscotto.web.routes.attention import attention
    from cruscotto.web.routes.overview import overview

    request = SimpleNamespace(app=app)
    kpis = engine(request)
    admin = _access(app, User("warm-up", "admin"))
    steps = [
        (
            "the company-wide overview",
            lambda: overview(period=None, grain="month", kpi=None, who=admin, kpis=kpis),
        )
    ]
    for who in [admin, *_managers(app)]:
        scope = ", ".join(who.user.teams) or "the company"
        steps.append(
            (f"the attention page of {scope}", lambda who=who: attention(request, who, kpis))
        )
    for name, step in steps:
        try:
            step()
            log.info("warm-up: %s is cached", name)
        except Exception:  # a warm-up must never take the server down
            log.warning("warm-up of %s failed", name, exc_info=True)


def _managers(app: FastAPI) -> list[Access]:
    """One manager per distinct set of teams (their attention pages ask the same)."""
    seen: dict[tuple[str, ...], Access] = {}
    for user in app.state.users.list():
        if user.role == "manager" and user.teams:
            seen.setdefault(tuple(user.teams), _access(app, user))
    return list(seen.values())


def _access(app: FastAPI, user: User) -> Access:
    """What a request of `user`'s without filters would see."""
    return Access(user, app.state.settings, {}, app.state.security)
