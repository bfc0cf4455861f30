"""The app's model services: each trains in the background when the data changed and
serves its last result meanwhile (see cruscotto.models.deal_scores)."""

from __future__ import annotations

import threading

from fastapi import Request

from cruscotto.models.churn_risk import ChurnRiskService
from cruscotto.models.deal_scores import DealScoreService

_LOCK = threading.Lock()


def deal_score_service(request: Request) -> DealScoreService:
    """The one close-probability service of the app, created on first use."""
    state = request.app.state
    with _LOCK:
        if getattr(state, "deal_scores", None) is None:
            state.deal_scores = DealScoreService()
    return state.deal_scores


def churn_risk_service(request: Request) -> ChurnRiskService:
    """The one churn-risk service of the app, created on first use."""
    state = request.app.state
    with _LOCK:
        if getattr(state, "churn_risk", None) is None:
            state.churn_risk = ChurnRiskService()
    return state.churn_risk
