"""KPI functions that answer every group of a question themselves.

Each takes the engine, the catalog entry's params and the question's scope, and returns
{group key: Measured} like the declared types; registered with `@kpi_function` in the one
registry (engine/registry.py). Each is still built from Ibis expressions run by the engine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir

from cruscotto.catalog.definition import Measure
from cruscotto.engine import customers, dimensions, statistics
from cruscotto.engine.aggregate import (
    KEY,
    MISSING_RATES,
    filtered_view,
    group_key,
    measure_expression,
    missing_rates,
    python_number,
)
from cruscotto.engine.computations import divide
from cruscotto.engine.period import Period
from cruscotto.engine.registry import kpi_function
from cruscotto.engine.result import Measured, Results
from cruscotto.engine.rows import joined_name
from cruscotto.engine.scope import TOTAL, Scope

if TYPE_CHECKING:
    from cruscotto.engine.context import EngineContext

# -- helpers shared by the functions below --------------------------------------------------


def _keyed(engine: EngineContext, source: str, date: str | None, scope: Scope, references=()):
    """Records of `source` in the scope (period, filters, joins) with their group as _key."""
    view = filtered_view(engine, source, date, {}, scope, set(references))
    key = group_key(engine, view, source, date, scope) if date or scope.dimension else None
    return view.mutate(**{KEY: key if key is not None else ibis.literal(0)})


def _per_key(engine: EngineContext, query: ir.Table, scope: Scope) -> dict:
    """{group key: row} of a query grouped by _key, with bucket keys as ints."""
    return _rows_per_key(engine.execute(query), scope)


def _rows_per_key(frame, scope: Scope) -> dict:
    rows = {}
    for row in frame.to_dict("records"):
        key = python_number(row[KEY]) if scope.buckets is not None else row[KEY]
        if not scope.grouped:
            key = TOTAL
        elif scope.dimension is not None and not isinstance(key, str):
            key = None
        rows[key] = row
    return rows


# -- customers ----------------------------------------------------------------------------


def _new_customers(engine: EngineContext, scope: Scope) -> ir.Table:
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


def _accounts_grouped(engine: EngineContext, accounts: ir.Table, scope: Scope) -> ir.Value:
    """The breakdown key of an accounts view (a constant when not broken down)."""
    if scope.dimension is None:
        return ibis.literal(0)
    column = joined_name(dimensions.require("accounts", scope.dimension))
    return accounts[column].cast("string")


def _customers_view(engine: EngineContext, scope: Scope, day_of, qualifying: str | None):
    """The scope's accounts that are customers on `day_of(part)` of each (sub-)period,
    with their group key and whether `qualifying` holds for them."""
    parts = scope.buckets if scope.buckets is not None else (scope.period,)
    moments = ibis.memtable({KEY: list(range(len(parts))), "at": [day_of(p) for p in parts]})
    table = customers.at_moments(engine, moments, qualifying)
    accounts = filtered_view(engine, "accounts", None, {}, replace(scope, buckets=None))
    joined = accounts.join(table, accounts.account_id == table.customer_id)
    grouped = scope.buckets is not None
    key = joined[KEY] if grouped else _accounts_grouped(engine, joined, scope)
    hit = joined[qualifying] if qualifying else ibis.literal(False)
    return joined.mutate(_group=key, counted_in_numerator=hit)


def _customers_counts(engine: EngineContext, scope: Scope, day_of, qualifying: str | None = None):
    """{group key: (customers on day_of(part), those for whom `qualifying` holds)}."""
    view = _customers_view(engine, scope, day_of, qualifying)
    query = view.group_by(**{KEY: view._group}).aggregate(
        n=view.count(), hits=view.count(where=view.counted_in_numerator)
    )
    return {
        key: (int(row["n"]), int(row["hits"]))
        for key, row in _per_key(engine, query, scope).items()
    }


def _customers_at_start(engine: EngineContext, scope: Scope) -> dict:
    """{group key: customers on the day before each (sub-)period starts}."""
    counts = _customers_counts(engine, scope, lambda part: part.start - dt.timedelta(days=1))
    return {key: n for key, (n, _) in counts.items()}


@kpi_function(
    "customer_acquisition",
    records=lambda engine, params, scope: _new_customers(engine, scope).drop(KEY),
)
def customer_acquisition(engine: EngineContext, params: dict[str, Any], scope: Scope) -> Results:
    new = _new_customers(engine, scope)
    totals = _per_key(engine, new.group_by(KEY).aggregate(n=new.count()), scope)
    at_start = _customers_at_start(engine, scope)
    keys = list(scope.expected_keys()) + [k for k in totals if k not in scope.expected_keys()]
    results: Results = {}
    for key in keys:
        count = int(totals[key]["n"]) if key in totals else 0
        base = int(at_start.get(key, 0))
        results[key] = Measured(
            count,
            sample_size=count,
            details={"customers_at_start": base, "acquisition_rate": divide(count, base)},
        )
    return results


def _share_of_customers(engine: EngineContext, scope: Scope, qualifying: str) -> Results:
    """Customers at the end of each (sub-)period for whom `qualifying` holds ÷ customers."""
    counts = _customers_counts(engine, scope, lambda part: part.last_day, qualifying)
    results: Results = {k: Measured(None, 0, 0, 0) for k in scope.expected_keys()}
    for key, (n, hits) in counts.items():
        results[key] = Measured(divide(hits, n), hits, n, sample_size=n)
    return results


def _customers_flagged(engine: EngineContext, scope: Scope, qualifying: str) -> ir.Table:
    """The customers at the end of the period, flagged when `qualifying` holds for them."""
    view = _customers_view(engine, scope, lambda part: part.last_day, qualifying)
    accounts = engine.table("accounts")
    return view.select(*accounts.columns, "counted_in_numerator")


@kpi_function(
    "upsell_rate",
    records=lambda engine, params, scope: _customers_flagged(engine, scope, "upsold"),
)
def upsell_rate(engine: EngineContext, params: dict[str, Any], scope: Scope) -> Results:
    return _share_of_customers(engine, scope, "upsold")


@kpi_function(
    "cross_sell_rate",
    records=lambda engine, params, scope: _customers_flagged(engine, scope, "several_products"),
)
def cross_sell_rate(engine: EngineContext, params: dict[str, Any], scope: Scope) -> Results:
    return _share_of_customers(engine, scope, "several_products")


# -- revenue over customer history --------------------------------------------------------

_INVOICE_AMOUNT = Measure("invoices", "issued_at", "sum", "amount", money=True)


def _invoices_in_scope(
    engine: EngineContext, scope: Scope, base: ir.Table | None = None
) -> ir.Table:
    view = filtered_view(engine, "invoices", "issued_at", {"v": _INVOICE_AMOUNT}, scope, base=base)
    key = group_key(engine, view, "invoices", "issued_at", scope)
    view = view.mutate(
        **{KEY: key if key is not None else ibis.literal(0)},
        amount_in_base=engine.currency.in_base(view, view.amount),
    )
    return view


def _sum_per_key(engine: EngineContext, view: ir.Table, scope: Scope, statistic: str) -> Results:
    query = view.group_by(KEY).aggregate(
        value=getattr(view.amount_in_base, statistic)(),
        n=view.count(),
        **{MISSING_RATES: view.count(where=engine.currency.missing(view, view.amount))},
    )
    frame = engine.execute(query)
    if frame[MISSING_RATES].fillna(0).sum() > 0:
        raise engine.currency.explain_missing(view, "invoices", view.amount)
    empty = 0.0 if statistic == "sum" else None
    results: Results = {k: Measured(empty, sample_size=0) for k in scope.expected_keys()}
    for key, row in _rows_per_key(frame, scope).items():
        value = python_number(row["value"])
        results[key] = Measured(empty if value is None else value, sample_size=int(row["n"]))
    return results


def _net_new_invoices(engine: EngineContext, params: dict[str, Any], scope: Scope) -> ir.Table:
    months = engine.settings.net_new_window_months
    since = customers.first_purchase(engine).rename(since_account="account_id")
    view = _invoices_in_scope(engine, scope)
    joined = view.join(since, view.account_id == since.since_account)
    return joined.filter(joined.issued_at < joined.since + ibis.interval(months=months))


@kpi_function(
    "net_new_revenue",
    records=lambda engine, params, scope: _net_new_invoices(engine, params, scope).drop(KEY),
)
def net_new_revenue(engine: EngineContext, params: dict[str, Any], scope: Scope) -> Results:
    return _sum_per_key(engine, _net_new_invoices(engine, params, scope), scope, "sum")


def _first_invoices(engine: EngineContext) -> ir.Table:
    """(first_account, first_invoice): each account's first purchase, its earliest invoice
    (the smallest id among those of that day). Two aggregates, not a window over every
    invoice, so the cost does not grow with a sort of the whole history."""
    invoices = engine.table("invoices")
    first_day = invoices.group_by(day_account="account_id").aggregate(
        first_day=invoices.issued_at.min()
    )
    on_first = invoices.join(
        first_day,
        [invoices.account_id == first_day.day_account, invoices.issued_at == first_day.first_day],
    )
    return on_first.group_by(first_account=on_first.account_id).aggregate(
        first_invoice=on_first.invoice_id.min()
    )


def _repeat_invoices(engine: EngineContext, params: dict[str, Any], scope: Scope) -> ir.Table:
    """The scope's invoices that are not their account's first purchase."""
    view = _invoices_in_scope(engine, scope)
    firsts = _first_invoices(engine)
    joined = view.join(firsts, view.account_id == firsts.first_account)
    repeat = joined.filter(joined.invoice_id != joined.first_invoice)
    return repeat.drop("first_account", "first_invoice")


@kpi_function(
    "repeat_purchase_value",
    records=lambda engine, params, scope: _repeat_invoices(engine, params, scope).drop(KEY),
)
def repeat_purchase_value(engine: EngineContext, params: dict[str, Any], scope: Scope) -> Results:
    results = _sum_per_key(engine, _repeat_invoices(engine, params, scope), scope, "mean")
    return results


# -- forecasts -----------------------------------------------------------------------------

_WON_VALUE = Measure("opportunities", "closed_at", "sum", "amount", "status == 'won'", True)


def _latest_forecasts(engine: EngineContext, labels: list[str], scope: Scope) -> ir.Table:
    """Each rep's last forecast for each period label, with the scope's rep/team filters."""
    forecasts = engine.table("forecasts")
    order = ibis.window(
        group_by=[forecasts.rep_id, forecasts.period], order_by=ibis.desc(forecasts.submitted_at)
    )
    latest = forecasts.mutate(version=ibis.row_number().over(order))
    latest = latest.filter(latest.version == 0, latest.period.isin(labels))
    return filtered_view(engine, "forecasts", None, {}, replace(scope, buckets=None), base=latest)


def _won_value_per_rep(engine: EngineContext, scope: Scope) -> dict[tuple[int, str], float]:
    """{(sub-period index, rep): value won} in the base currency, in one query."""
    view = filtered_view(engine, "opportunities", "closed_at", {"won": _WON_VALUE}, scope)
    key = group_key(engine, view, "opportunities", "closed_at", scope)
    query = view.group_by(**{KEY: key}, rep=view.owner_id).aggregate(
        won=measure_expression(engine, view, _WON_VALUE),
        **missing_rates(engine, view, {"won": _WON_VALUE}),
    )
    frame = engine.execute(query)
    if MISSING_RATES in frame.columns and frame[MISSING_RATES].fillna(0).sum() > 0:
        raise engine.currency.explain_missing(view, "opportunities")
    return {
        (int(row[KEY]), row["rep"]): python_number(row["won"]) or 0.0
        for row in frame.to_dict("records")
        if python_number(row[KEY]) is not None
    }


def _whole_months(part: Period) -> list[Period]:
    """The calendar months lying wholly inside `part` (none when it is a month or shorter)."""
    if part.grain == "month":
        return []
    return [m for m in part.split("month") if m == Period.of("month", m.start)]


def _forecast_rows(engine: EngineContext, scope: Scope):
    """(group key, forecast, actual) for each rep and (sub-)period with a forecast.

    A rep's forecast for a period is their latest forecast labelled with that period
    (2026-Q3); failing that, the sum of their latest monthly forecasts for the months
    inside it, compared with what they won in those months (issue 17, item 4): a quarter
    of monthly forecasts has an accuracy, and a month nobody forecast adds nothing.
    """
    parts = list(scope.buckets) if scope.buckets is not None else [scope.period]
    months = {part.label: _whole_months(part) for part in parts}
    every_month = [m for part in parts for m in months[part.label]]
    labels = [p.label for p in parts] + [m.label for m in every_month]
    forecasts = _latest_forecasts(engine, labels, scope)
    team = scope.dimension == "team"
    columns = ["rep_id", "period", "amount"] + (["reps__team"] if team else [])
    frame = engine.execute(forecasts.select(*columns))
    amounts = {(r["period"], r["rep_id"]): float(r["amount"]) for r in frame.to_dict("records")}
    teams = dict(zip(frame["rep_id"], frame["reps__team"], strict=True)) if team else {}
    won = _won_value_per_rep(engine, replace(scope, buckets=tuple(parts), dimension=None))
    won_in_month: dict[tuple[int, str], float] = {}
    month_index: dict[str, int] = {}
    if every_month:
        span = Period(every_month[0].start, every_month[-1].end).split("month")
        by_month = _won_value_per_rep(engine, replace(scope, buckets=tuple(span), dimension=None))
        won_in_month = dict(by_month)
        month_index = {m.label: i for i, m in enumerate(span)}
    rows = []
    for position, part in enumerate(parts):
        reps = {rep for (label, rep) in amounts if label == part.label}
        reps |= {rep for m in months[part.label] for (label, rep) in amounts if label == m.label}
        for rep in sorted(reps):
            if (part.label, rep) in amounts:
                forecast = amounts[(part.label, rep)]
                actual = won.get((position, rep), 0.0)
            else:
                forecast_months = [m for m in months[part.label] if (m.label, rep) in amounts]
                forecast = sum(amounts[(m.label, rep)] for m in forecast_months)
                actual = sum(
                    won_in_month.get((month_index[m.label], rep), 0.0) for m in forecast_months
                )
            if scope.buckets is not None:
                key = position
            elif scope.dimension == "rep":
                key = rep
            elif team:
                key = teams.get(rep)
            else:
                key = TOTAL
            rows.append((key, forecast, actual))
    return rows


def _forecast_records(engine: EngineContext, params: dict[str, Any], scope: Scope) -> ir.Table:
    labels = [scope.period.label] + [m.label for m in _whole_months(scope.period)]
    forecasts = _latest_forecasts(engine, labels, scope)
    return forecasts.select("rep_id", "period", "amount", "submitted_at")


@kpi_function("forecast_accuracy", records=_forecast_records)
def forecast_accuracy(engine: EngineContext, params: dict[str, Any], scope: Scope) -> Results:
    """1 − |Σ actual − Σ forecast| ÷ Σ forecast over the reps who forecast the period."""
    totals: dict = {}
    for key, forecast, actual in _forecast_rows(engine, scope):
        f, a, n = totals.get(key, (0.0, 0.0, 0))
        totals[key] = (f + forecast, a + actual, n + 1)
    results: Results = {k: Measured(None, sample_size=0) for k in scope.expected_keys()}
    for key, (forecast, actual, n) in totals.items():
        results[key] = Measured(
            statistics.forecast_accuracy(forecast, actual),
            sample_size=n,
            details={"forecast": forecast, "actual": actual},
        )
    return results
