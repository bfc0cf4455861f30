"""Importing this module registers every KPI function (functions/registry.py), each
written for one KpiScope: customers, purchases, pipeline, service, operations, marketing,
profitability and account health."""

from cruscotto.engine.functions import (  # noqa: F401  (importing registers the computations)
    account_health,
    customer_kpis,
    finance,
    marketing_kpis,
    operations_kpis,
    pipeline_kpis,
    purchase_kpis,
    service_kpis,
)
