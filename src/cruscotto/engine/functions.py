"""KPIs no declaration can express, as small named Python computations.

A catalog entry of type `function` names one of FUNCTIONS; each takes the engine, the
entry's params and the scope, and returns {group key: Computed} like the declared types.
Each is still built from Ibis expressions run by the engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir

from cruscotto.catalog.definition import Function
from cruscotto.engine import customers, dimensions
from cruscotto.engine.aggregate import KEY, filtered_view, group_key, python_number
from cruscotto.engine.computations import Computed, Results, divide
from cruscotto.engine.rows import joined_name
from cruscotto.engine.scope import TOTAL, Scope

if TYPE_CHECKING:
    from cruscotto.engine.engine import Engine

KpiFunction = Callable[["Engine", dict[str, Any], Scope], Results]
RecordsFunction = Callable[["Engine", dict[str, Any], Scope], ir.Table]

FUNCTIONS: dict[str, KpiFunction] = {}
RECORDS: dict[str, RecordsFunction] = {}


def kpi_function(name: str, records: RecordsFunction | None = None):
    """Register a KPI computation under `name` (and how to list its records)."""

    def register(function: KpiFunction) -> KpiFunction:
        if name in FUNCTIONS:
            raise ValueError(f"KPI function {name!r} is registered twice")
        FUNCTIONS[name] = function
        if records is not None:
            RECORDS[name] = records
        return function

    return register


def records_view(engine: Engine, computation: Function, scope: Scope) -> ir.Table:
    if computation.name not in RECORDS:
        raise NotImplementedError(f"the records behind {computation.name} cannot be listed")
    return RECORDS[computation.name](engine, computation.params, scope)


# -- helpers shared by the functions below --------------------------------------------------


def _keyed(engine: Engine, source: str, date: str | None, scope: Scope, references=()):
    """Records of `source` in the scope (period, filters, joins) with their group as _key."""
    view = filtered_view(engine, source, date, {}, scope, set(references))
    key = group_key(engine, view, source, date, scope) if date or scope.dimension else None
    return view.mutate(**{KEY: key if key is not None else ibis.literal(0)})


def _per_key(engine: Engine, query: ir.Table, scope: Scope) -> dict:
    """{group key: row} of a query grouped by _key, with bucket keys as ints."""
    rows = {}
    for row in engine.execute(query).to_dict("records"):
        key = python_number(row[KEY]) if scope.buckets is not None else row[KEY]
        if not scope.grouped:
            key = TOTAL
        elif scope.dimension is not None and not isinstance(key, str):
            key = None
        rows[key] = row
    return rows


# -- acquisition ---------------------------------------------------------------------------


def _touches(engine: Engine, params: dict[str, Any], scope: Scope) -> ir.Table:
    """Opportunities from qualified leads opened in the scope, with their prior touches."""
    opportunities = _keyed(engine, "opportunities", "created_at", scope, ["leads.mql_at"])
    opportunities = opportunities.filter(opportunities.leads__mql_at.notnull())
    activities = engine.warehouse.table("activities")
    outbound = activities.filter(
        activities.direction == "outbound", activities.lead_id.notnull()
    ).select(touch_lead=activities.lead_id, touch_at=activities.occurred_at)
    joined = opportunities.left_join(
        outbound,
        [
            opportunities.lead_id == outbound.touch_lead,
            outbound.touch_at < opportunities.created_at,
        ],
    )
    return joined.group_by(["opportunity_id", "lead_id", "created_at", KEY]).aggregate(
        touches=joined.touch_at.count()
    )


@kpi_function(
    "system_touches",
    records=lambda engine, params, scope: _touches(engine, params, scope).drop(KEY),
)
def system_touches(engine: Engine, params: dict[str, Any], scope: Scope) -> Results:
    per_opportunity = _touches(engine, params, scope)
    totals = per_opportunity.group_by(KEY).aggregate(
        touches=per_opportunity.touches.sum(), opportunities=per_opportunity.count()
    )
    results: Results = {k: Computed(None, 0, 0, 0) for k in scope.expected_keys()}
    for key, row in _per_key(engine, totals, scope).items():
        touches, count = int(row["touches"] or 0), int(row["opportunities"])
        results[key] = Computed(divide(touches, count), touches, count, sample_size=count)
    return results


def _new_customers(engine: Engine, scope: Scope) -> ir.Table:
    accounts = filtered_view(engine, "accounts", None, {}, scope)
    since = customers.first_purchase(engine)
    joined = accounts.join(since, accounts.account_id == since.account_id)
    joined = joined.filter(joined.since >= scope.period.start, joined.since < scope.period.end)
    if scope.buckets is not None:
        cases = [(joined.since < b.end, i) for i, b in enumerate(scope.buckets)]
        key = ibis.cases(*cases, else_=None)
    elif scope.dimension is not None:
        key = joined[joined_name(dimensions.require("accounts", scope.dimension))].cast("string")
    else:
        key = ibis.literal(0)
    return joined.mutate(**{KEY: key})


def _customers_at_start(engine: Engine, scope: Scope) -> dict:
    """{group key: customers on the day before each (sub-)period starts}."""
    starts = scope.buckets if scope.buckets is not None else (scope.period,)
    counts: dict = {}
    for index, part in enumerate(starts):
        accounts = filtered_view(engine, "accounts", None, {}, replace(scope, buckets=None))
        on_day = customers.customers_on(engine, part.start - dt.timedelta(days=1))
        joined = accounts.join(on_day, accounts.account_id == on_day.account_id)
        if scope.dimension is not None:
            column = joined_name(dimensions.require("accounts", scope.dimension))
            query = joined.group_by(**{KEY: joined[column].cast("string")}).aggregate(
                n=joined.count()
            )
            counts.update(_per_key(engine, query, scope))
            counts = {k: (v["n"] if isinstance(v, dict) else v) for k, v in counts.items()}
        else:
            key = index if scope.buckets is not None else TOTAL
            counts[key] = int(engine.execute(joined.count()))
    return counts


@kpi_function(
    "customer_acquisition",
    records=lambda engine, params, scope: _new_customers(engine, scope).drop(KEY),
)
def customer_acquisition(engine: Engine, params: dict[str, Any], scope: Scope) -> Results:
    new = _new_customers(engine, scope)
    totals = _per_key(engine, new.group_by(KEY).aggregate(n=new.count()), scope)
    at_start = _customers_at_start(engine, scope)
    keys = list(scope.expected_keys()) + [k for k in totals if k not in scope.expected_keys()]
    results: Results = {}
    for key in keys:
        count = int(totals[key]["n"]) if key in totals else 0
        base = int(at_start.get(key, 0))
        results[key] = Computed(
            count,
            sample_size=count,
            details={"customers_at_start": base, "acquisition_rate": divide(count, base)},
        )
    return results
