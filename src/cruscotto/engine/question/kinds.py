"""Which way a KPI accumulates over a period: decides whether a value is a fact or an
estimate from a sample (card status) and how a goal on it is paced (cruscotto.goals).

* count, sum — the period's value is the sum of its days' values (deals won, revenue):
  the target is spread over the period, and the part already done is certain.
* rate — a proportion with a numerator and a denominator (win rate): the target holds
  at any moment; the rest of the period adds more trials at an uncertain rate.
* average — a mean or a ratio of two sums (cycle length, cost per lead, NPS): like a rate
  without the binomial model.
* snapshot — a level at the end of the period (open pipeline, MRR): what counts is
  where it stands on the last day, reached from where it stood on the first.

The kind follows from the KPI's declared type; the KPI functions (computed in Python)
are named below by what they return, with `average` for any new one until it is listed.
"""

from __future__ import annotations

from cruscotto.catalog import Catalog, Derived, KpiDefinition, Ratio, Simple, Snapshot
from cruscotto.catalog.expression import parse

KINDS = ("count", "sum", "rate", "average", "snapshot")
ADDITIVE = ("count", "sum")

FUNCTION_KINDS = {
    "complaints": "count",
    "customer_acquisition": "count",
    "revenue": "sum",
    "marketing_spend": "sum",
    "campaign_revenue": "sum",
    "net_new_revenue": "sum",
    "mrr": "snapshot",
    "account_health": "snapshot",
    "enterprise_value": "snapshot",
}


def kpi_kind(kpi: KpiDefinition, catalog: Catalog | None = None) -> str:
    computation = kpi.computation
    if isinstance(computation, Simple):
        if computation.measure.agg in ("count", "count_distinct"):
            return "count"
        return "sum" if computation.measure.agg == "sum" else "average"
    if isinstance(computation, Ratio):
        return "rate" if kpi.is_rate else "average"
    if isinstance(computation, Snapshot):
        return "snapshot"
    if isinstance(computation, Derived) and catalog is not None:
        # ARR = 12 × MRR is a snapshot like MRR; other arithmetic is read as an average.
        names = parse(computation.expression, "arithmetic").names
        kinds = {kpi_kind(catalog.get(n), catalog) for n in names if n in catalog}
        if kinds == {"snapshot"}:
            return "snapshot"
        return "average"
    if kpi.id in FUNCTION_KINDS:
        return FUNCTION_KINDS[kpi.id]
    return "rate" if kpi.is_rate else "average"


def is_sampled(kpi: KpiDefinition, catalog: Catalog | None = None) -> bool:
    """Does the value estimate something from a sample of records, so that a handful of
    them cannot carry a verdict? Rates (they have a Wilson interval) and means over
    records do; a margin from the books or a count is a fact, however small."""
    kind = kpi_kind(kpi, catalog)
    return kind == "rate" or (kind == "average" and isinstance(kpi.computation, Simple))
