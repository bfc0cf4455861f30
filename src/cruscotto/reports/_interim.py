"""INTERIM: period cuts, dimension filters and currency conversion for the reports.

These belong to the KPI engine; they live here only until the engine's own versions land,
then the reports import those and this module goes away.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir

from cruscotto.engine import Period
from cruscotto.warehouse import Warehouse

Filters = Mapping[str, Sequence[str]]


def utc_instant(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """Local midnight at the start of `day`, as a naive UTC datetime (how timestamps are stored)."""
    local = dt.datetime.combine(day, dt.time(), tzinfo=tz)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def in_period(column: ir.Value, period: Period, tz: ZoneInfo) -> ir.BooleanValue:
    """True for values inside the period: timestamps cut at local midnight, dates as they are."""
    if column.type().is_timestamp():
        start, end = utc_instant(period.start, tz), utc_instant(period.end, tz)
    else:
        start, end = period.start, period.end
    return (column >= start) & (column < end)


def bucket(column: ir.Value, periods: Sequence[Period], tz: ZoneInfo) -> ir.StringValue:
    """The label of the sub-period each value falls in (NULL outside them all)."""
    return ibis.cases(*[(in_period(column, p, tz), p.label) for p in periods], else_=None)


def _dimension_columns(warehouse: Warehouse, source: str) -> dict[str, callable]:
    reps = warehouse.table("reps")
    accounts = warehouse.table("accounts")
    leads = warehouse.table("leads")

    def via(local: str, table: ir.Table, key: str, column: str):
        return lambda t, values: t[local].isin(table.filter(table[column].isin(values))[key])

    def own(column: str):
        return lambda t, values: t[column].isin(values)

    account_dims = {
        d: via("account_id", accounts, "account_id", d)
        for d in ("segment", "industry", "size_band", "country")
    }
    by_source = {
        "opportunities": {
            "rep": own("owner_id"),
            "team": via("owner_id", reps, "rep_id", "team"),
            "pipeline": own("pipeline"),
            "stage": own("stage"),
            "product": own("product"),
            "channel": via("lead_id", leads, "lead_id", "channel"),
            "campaign": via("lead_id", leads, "lead_id", "campaign_id"),
            **account_dims,
        },
        "leads": {
            "rep": own("owner_id"),
            "team": via("owner_id", reps, "rep_id", "team"),
            "channel": own("channel"),
            "campaign": own("campaign_id"),
            **account_dims,
        },
        "forecasts": {"rep": own("rep_id"), "team": via("rep_id", reps, "rep_id", "team")},
        "campaigns": {"channel": own("channel"), "campaign": own("campaign_id")},
    }
    return by_source[source]


def apply_filters(
    warehouse: Warehouse, table: ir.Table, source: str, filters: Filters | None
) -> ir.Table:
    """Keep the rows of `source` whose dimensions take one of the allowed values."""
    columns = _dimension_columns(warehouse, source)
    for dimension, values in (filters or {}).items():
        if dimension not in columns:
            raise ValueError(
                f"{source} cannot be filtered by {dimension!r}; "
                f"it can be filtered by {', '.join(sorted(columns))}"
            )
        table = table.filter(columns[dimension](table, list(values)))
    return table


def supports(warehouse: Warehouse, source: str, dimension: str) -> bool:
    return dimension in _dimension_columns(warehouse, source)


class MissingRateError(ValueError):
    """An amount in a currency with no exchange rate on or before its day."""


def to_base(
    warehouse: Warehouse,
    table: ir.Table,
    amount: str,
    day: ir.DateValue,
    base_currency: str,
    *,
    name: str = "amount_base",
) -> ir.Table:
    """`table` with `name`: `amount` in the base currency at the rate of `day` (or the latest
    earlier rate). A currency without any such rate is an error naming it and the day."""
    fx = warehouse.table("fx_rates")
    keyed = table.mutate(_fx_day=day)
    needed = (
        keyed.filter(keyed.currency != base_currency)
        .select(currency=keyed.currency, day=keyed._fx_day)
        .distinct()
    )
    candidates = needed.join(fx, (needed.currency == fx.currency) & (fx.day <= needed.day)).select(
        currency=needed.currency, day=needed.day, rate_day=fx.day
    )
    latest = candidates.group_by(["currency", "day"]).aggregate(rate_day=candidates.rate_day.max())
    rates = latest.join(fx, (latest.currency == fx.currency) & (latest.rate_day == fx.day)).select(
        _fx_currency=latest.currency, _fx_rate_day=latest.day, _fx_rate=fx.rate_to_base
    )
    missing = needed.anti_join(
        rates, (needed.currency == rates._fx_currency) & (needed.day == rates._fx_rate_day)
    )
    first_missing = missing.limit(1).to_pandas()
    if len(first_missing):
        row = first_missing.iloc[0]
        raise MissingRateError(
            f"no exchange rate for {row['currency']} on or before {row['day']}: "
            f"add it to fx_rates (rate_to_base = {base_currency} per 1 {row['currency']})"
        )
    joined = keyed.left_join(
        rates, (keyed.currency == rates._fx_currency) & (keyed._fx_day == rates._fx_rate_day)
    )
    value = ibis.cases(
        (joined.currency == base_currency, joined[amount]), else_=joined[amount] * joined._fx_rate
    )
    helpers = ("_fx_day", "_fx_currency", "_fx_rate_day", "_fx_rate")
    return joined.mutate(**{name: value}).drop(*helpers)


def count_if(condition: ir.BooleanValue) -> ir.IntegerScalar:
    """How many rows meet `condition` (PostgreSQL cannot cast a boolean to an integer)."""
    return condition.ifelse(1, 0).sum()
