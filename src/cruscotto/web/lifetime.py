"""The retention and repeat-purchase models where users meet them: the CLV KPI's page
(the model's CLV beside the ratio formula, with its inputs) and each customer's page.

The models learn from the whole company, so the CLV section is shown only on the
company-wide view (no filter, forced or chosen); a filtered page says why it is absent
rather than showing another scope's numbers.
"""

from __future__ import annotations

import math

from cruscotto.engine import Engine
from cruscotto.models.lifetime_value import HORIZON_WEEKS, LifetimeValues
from cruscotto.web.access import Access
from cruscotto.web.model_services import service_of

MODEL_KPIS = ("clv",)


def retention_model_section(app, who: Access, kpis: Engine, kpi) -> dict | None:
    """The CLV page's model section: None for other KPIs; `status` training / filtered /
    ready, and when ready the model's CLV and every input (see LifetimeValues.summary)."""
    if kpi.id not in MODEL_KPIS:
        return None
    if who.filters_for(kpi):
        return {"status": "filtered"}
    service = service_of(app, "lifetime_value")
    values = service.current(kpis)
    if values is None:
        return {"status": "training", "error": service.error}
    return {"status": "ready", "error": service.error, **plain(values.summary())}


def account_value(values: LifetimeValues | None, account_id: str) -> dict | None:
    """One customer's expected future: for a contract customer its yearly revenue,
    renewals, chance of renewing and projected value; for a customer without a contract
    its purchases, expected purchases in the next year, P(alive) and projected value.
    None while the models train or for an account that never bought."""
    if values is None:
        return None
    rows = values.customers[values.customers.account_id == account_id]
    if rows.empty:
        return None
    row = rows.iloc[0]
    if row.kind == "contract":
        keys = ("yearly_revenue", "renewals", "renewal_probability", "projected_value")
        extra = {"discount_per_year": values.summary()["discount_per_year"]}
    else:
        keys = (
            "frequency",
            "recency",
            "T",
            "purchase_value",
            "expected_purchases",
            "probability_alive",
            "projected_value",
        )
        extra = {"horizon_weeks": HORIZON_WEEKS}
    return {"kind": row.kind, **plain({k: row.get(k) for k in keys}), **extra}


def plain(value):
    """JSON-ready: NaN (a number a model could not give) is unknown, numpy is Python."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
