"""The app's model services: each trains in the background when the data changed and
serves its last result meanwhile (see cruscotto.models.background). Their threads are the
app's tracked ones (cruscotto.web.background). After an import, `retrain_after_import`
retrains the services already in use, so the next request finds the new model ready."""

from __future__ import annotations

import logging
import threading

from fastapi import Request

from cruscotto.engine import Engine
from cruscotto.models.background import BackgroundModel
from cruscotto.models.churn_risk import ChurnRiskService
from cruscotto.models.deal_scores import DealScoreService
from cruscotto.models.lifetime_value import LifetimeValueService
from cruscotto.web.background import background

log = logging.getLogger("cruscotto.models")
_LOCK = threading.Lock()
SERVICES = {
    "deal_scores": DealScoreService,
    "churn_risk": ChurnRiskService,
    "lifetime_value": LifetimeValueService,
}


def service_of(app, key: str) -> BackgroundModel:
    """The app's one service `key` of SERVICES, created on first use."""
    state = app.state
    with _LOCK:
        if getattr(state, key, None) is None:
            setattr(state, key, SERVICES[key](background(app).start))
    return getattr(state, key)


def deal_score_service(request: Request) -> DealScoreService:
    """The one close-probability service of the app."""
    return service_of(request.app, "deal_scores")


def churn_risk_service(request: Request) -> ChurnRiskService:
    """The one churn-risk service of the app."""
    return service_of(request.app, "churn_risk")


def lifetime_value_service(request: Request) -> LifetimeValueService:
    """The one retention and repeat-purchase service of the app."""
    return service_of(request.app, "lifetime_value")


def retrain_after_import(app, engine: Engine) -> None:
    """Retrain, one after the other in the caller's (background) thread, the models the
    app has served so far; one not asked for yet trains on its first request."""
    for key in SERVICES:
        service = getattr(app.state, key, None)
        if service is None:
            continue
        service.refresh(engine)
        if service.error:
            log.warning("retraining %s after an import failed: %s", key, service.error)


def churn_scores(app, engine: Engine) -> dict | None:
    """The churn-risk model's scores for the alerts (trained now if the data changed)."""
    risk = service_of(app, "churn_risk").refresh(engine)
    return risk.scores() if risk is not None else None
