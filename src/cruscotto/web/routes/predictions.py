"""The predictive models' pages.

GET /models/close-probability   · GET /api/models/close-probability (JSON)
GET /accounts/at-risk           · GET /api/accounts/at-risk (JSON)
GET /accounts/{account_id}      · GET /api/accounts/{account_id} (JSON)

The backtest summarises the whole company's deals (scores and counts, no deal), so it is
for admins and managers; reps and viewers get 403. The accounts at risk are records: a
manager sees the accounts owned by their teams' reps, a rep their own, a viewer none. A
customer's page (same scope; another's account is 404) shows its expected future from
the retention and repeat-purchase models (cruscotto.web.lifetime) and its churn risk.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException

from cruscotto.engine import Engine
from cruscotto.models.churn_risk import ChurnRiskService
from cruscotto.models.deal_scores import DealScoreService
from cruscotto.models.lifetime_value import LifetimeValueService
from cruscotto.models.store import latest_runs
from cruscotto.web.access import Access, access
from cruscotto.web.kpis import engine
from cruscotto.web.lifetime import account_value
from cruscotto.web.model_services import (
    churn_risk_service,
    deal_score_service,
    lifetime_value_service,
)
from cruscotto.web.pages import nav_item, page
from cruscotto.web.values import ValueText

router = APIRouter()
nav_item("models", "/models/close-probability", "nav.models", roles=("admin", "manager"), order=35)
nav_item("at_risk", "/accounts/at-risk", "nav.at_risk", roles=("admin", "manager", "rep"), order=36)
AT_RISK_SHOWN = 50
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
    runs = latest_runs(kpis.warehouse.state_store, "close_probability")
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


@page(router, "/accounts/at-risk", "models/at_risk.html", name="at_risk", tags=["models"])
def accounts_at_risk(
    who: Access = Depends(access),
    kpis: Engine = Depends(engine),
    service: ChurnRiskService = Depends(churn_risk_service),
) -> dict:
    """The customers most likely to lapse in the next six months, by revenue at risk
    (probability × MRR × 12), each with the reasons raising its risk; in the user's scope."""
    who.require_records()
    risk = service.current(kpis)
    if risk is None:
        return {"status": "training", "error": service.error, "accounts": [], "backtest": None}
    accounts = risk.accounts
    owners = who.people(kpis)
    if owners is not None:
        accounts = accounts[accounts.owner_id.isin(owners)]
    shown = accounts.head(AT_RISK_SHOWN)
    return {
        "status": "training" if service.training else "ready",
        "error": service.error,
        "uses_model": risk.uses_model,
        "trained_at": risk.trained_at.isoformat(timespec="seconds"),
        "customers": len(accounts),
        "accounts": [
            {
                "account_id": row.account_id,
                "name": row.name,
                "segment": row.segment,
                "probability": float(row.probability),
                "yearly_revenue": float(row.yearly_revenue),
                "revenue_at_risk": float(row.revenue_at_risk),
                "reasons": row.reasons,
            }
            for row in shown.itertuples()
        ],
        "backtest": {k: v for k, v in risk.backtest.items() if k != "calibration"},
    }


@page(router, "/accounts/{account_id}", "models/account.html", name="account", tags=["models"])
def account_page(
    account_id: str,
    who: Access = Depends(access),
    kpis: Engine = Depends(engine),
    values: LifetimeValueService = Depends(lifetime_value_service),
    churn: ChurnRiskService = Depends(churn_risk_service),
) -> dict:
    """One customer: name, segment and owner; its expected future from the models (a
    contract customer's chance of renewing and projected value; a customer without a
    contract's expected purchases in the next year, probability of being still active and
    projected value) and its churn risk with the reasons. Null parts are still training."""
    who.require_records()
    accounts = kpis.table("accounts")
    found = kpis.execute(
        accounts.filter(accounts.account_id == account_id).select(
            "account_id", "name", "owner_id", "segment", "industry"
        )
    )
    owners = who.people(kpis)
    if found.empty or (owners is not None and found.owner_id.iloc[0] not in owners):
        raise HTTPException(404, who.t("account.error.not_found"))
    risk = churn.current(kpis)
    at_risk = None
    if risk is not None:
        rows = risk.accounts[risk.accounts.account_id == account_id]
        if not rows.empty:
            row = rows.iloc[0]
            at_risk = {
                "probability": float(row.probability),
                "revenue_at_risk": float(row.revenue_at_risk),
                "uses_model": risk.uses_model,
                "reasons": row.reasons,
            }
    record = found.iloc[0]
    labels = ValueText(who.language)
    return {
        "account_id": account_id,
        "name": record["name"],
        "segment": labels.dimension("segment", record.segment),
        "industry": labels.dimension("industry", record.industry),
        "owner": dict(kpis.dimension_values("rep")).get(record.owner_id),
        "value": account_value(values.current(kpis), account_id),
        "training": values.training or churn.training,
        "churn_risk": at_risk,
    }
