"""Warm the answer cache when the server starts, so the first visitor gets a fast overview.

The company-wide overview (what admins and viewers see first: the last complete month)
is computed in a background thread; requests are served meanwhile. Role-scoped views
(managers, reps) are computed on their first visit as usual.
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
    from cruscotto.web.routes.overview import overview

    try:
        request = SimpleNamespace(app=app)
        who = Access(user=User("warm-up", "admin"), settings=app.state.settings)
        overview(period=None, grain="month", kpi=None, who=who, kpis=engine(request))
        log.info("warm-up: the company-wide overview is cached")
    except Exception:  # a warm-up must never take the server down
        log.warning("warm-up failed", exc_info=True)
