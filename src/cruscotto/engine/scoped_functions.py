"""Importing this module registers every KPI function (engine/registry.py): those written
for one KpiScope (customers, pipeline, service, operations, marketing, profitability,
account health) and those that answer a whole question (engine/functions.py)."""

from cruscotto.engine import (  # noqa: F401  (importing registers the computations)
    account_health,
    customer_kpis,
    finance,
    functions,
    marketing_kpis,
    operations_kpis,
    pipeline_kpis,
    service_kpis,
)
