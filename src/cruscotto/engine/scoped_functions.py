"""Importing this module registers every KPI function (engine/registry.py), each written
for one KpiScope: customers, purchases, pipeline, service, operations, marketing,
profitability and account health."""

from cruscotto.engine import (  # noqa: F401  (importing registers the computations)
    account_health,
    customer_kpis,
    finance,
    marketing_kpis,
    operations_kpis,
    pipeline_kpis,
    purchase_kpis,
    service_kpis,
)
