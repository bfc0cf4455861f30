"""The predictive models' pages: how well the close probability did in its backtest.

GET /models/close-probability   · GET /api/models/close-probability (JSON)

The backtest summarises the whole company's deals (scores and counts, no deal), so it is
for admins and managers; reps and viewers get 403.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException

from cruscotto.engine import Engine
from cruscotto.models.deal_scores import DealScoreService
from cruscotto.models.store import latest_runs
from cruscotto.web.access import Access, access
from cruscotto.web.kpis import engine
from cruscotto.web.model_services import deal_score_service
from cruscotto.web.pages import nav_item, page

router = APIRouter()
nav_item("models", "/models/close-probability", "nav.models", roles=("admin", "manager"), order=35)
MODEL_ROLES = ("admin", "manager")


def require_model_pages(who: Access) -> None:
    if who.user.role not in MODEL_ROLES:
        raise HTTPException(403, who.t("model.error.role"))


@page(
    router,
    "/models/close-probability",
    "models/close_probability.html",
    name="close_probability",
    tags=["models"],
)
def close_probability(
    who: Access = Depends(access),
    kpis: Engine = Depends(engine),
    service: DealScoreService = Depends(deal_score_service),
) -> dict:
    """The close-probability model's backtest (rolling origins): Brier, log loss, AUC and
    calibration of the model, the stage-rate baseline and the CRM's probability; which one
    the forecast uses and why; the last trainings."""
    require_model_pages(who)
    scores = service.current(kpis)
    if scores is None:
        return {"status": "training", "error": service.error, "backtest": None, "runs": []}
    runs = latest_runs(kpis.warehouse, "close_probability")
    return {
        "status": "training" if service.training else "ready",
        "error": service.error,
        **scores.summary(),
        "backtest": scores.backtest.to_dict(),
        "runs": [
            {k: r[k] for k in ("trained_at", "data_version", "closed_deals", "uses_model")}
            for r in runs
        ],
        "calibration_chart": calibration_chart(scores.backtest.to_dict(), who),
    }


def calibration_chart(backtest: dict, who: Access) -> dict:
    """Predicted against observed win rate per tenth, one line per method, and the diagonal
    of a perfectly calibrated probability."""
    traces = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": who.t("model.perfect"),
            "x": [0, 1],
            "y": [0, 1],
            "line": {"dash": "dot", "color": "#999"},
        }
    ]
    for method, rows in backtest["calibration"].items():
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": who.t(f"model.method.{method}"),
                "x": [r["predicted"] for r in rows],
                "y": [r["won"] for r in rows],
                "text": [r["deals"] for r in rows],
            }
        )
    axis = {"range": [0, 1], "tickformat": ".0%"}
    return {
        "data": traces,
        "layout": {
            "height": 360,
            "margin": {"l": 60, "r": 20, "t": 20, "b": 50},
            "xaxis": axis | {"title": {"text": who.t("model.predicted")}},
            "yaxis": axis | {"title": {"text": who.t("model.observed")}},
            "legend": {"orientation": "h"},
        },
    }
