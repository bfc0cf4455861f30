"""Converting amounts to the company's base currency with `fx_rates`.

An amount is converted at the rate of its record's day, or the latest earlier rate when
that day has none (weekends, holidays). A currency with no rate on or before a record's
day is an error naming the currency and the day — never a silent rate of 1.

The day of a record dated by a timestamp is its UTC calendar day: a rate is a daily
figure, and the difference an hour makes around midnight is below what rates resolve.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import pandas as pd

from cruscotto.warehouse import Warehouse

RATE = "fx__rate"


class CurrencyError(ValueError):
    """An amount that cannot be converted to the base currency."""


# Days of rates carried forward past today (and past the last rate), for records dated in
# the near future such as expected close dates.
HORIZON_DAYS = 2 * 366


class CurrencyConverter:
    def __init__(self, warehouse: Warehouse, base: str, today: dt.date):
        self.warehouse = warehouse
        self.base = base
        self.today = today
        self._filled: ir.Table | None = None

    def daily_rates(self) -> ir.Table:
        """One row per currency and day, carrying the last known rate forward.

        Each currency starts at its first rate: a record dated earlier finds no rate,
        which `missing` detects and `explain_missing` reports.
        """
        if self._filled is None:
            rates = self.warehouse.execute(self.warehouse.table("fx_rates"))
            frames = []
            horizon = pd.Timestamp(self.today + dt.timedelta(days=HORIZON_DAYS))
            for currency, group in rates.groupby("currency"):
                series = group.assign(day=pd.to_datetime(group["day"])).set_index("day")
                last = max(series.index.max() + pd.Timedelta(days=HORIZON_DAYS), horizon)
                days = pd.date_range(series.index.min(), last, freq="D")
                filled = series["rate_to_base"].sort_index().reindex(days).ffill()
                frames.append(
                    pd.DataFrame(
                        {"fx__currency": currency, "fx__day": days.date, RATE: filled.values}
                    )
                )
            columns = {"fx__currency": "string", "fx__day": "date", RATE: "float64"}
            data = pd.concat(frames) if frames else pd.DataFrame(columns=list(columns))
            self._filled = ibis.memtable(data, schema=columns)
        return self._filled

    def with_rate(self, table: ir.Table, day: ir.Value) -> ir.Table:
        """`table` with the rate of each record's currency on `day` as column fx__rate."""
        rates = self.daily_rates()
        if day.type().is_timestamp():
            day = day.date()
        table = table.mutate(fx__on=day)
        return table.left_join(
            rates, [table.currency == rates.fx__currency, table.fx__on == rates.fx__day]
        )

    def in_base(self, table: ir.Table, amount: ir.Value) -> ir.Value:
        """`amount` of each record in the base currency (after `with_rate`)."""
        return ibis.cases((table.currency == self.base, amount), else_=amount * table[RATE])

    def missing(self, table: ir.Table) -> ir.BooleanValue:
        """Records (after `with_rate`) whose amount cannot be converted."""
        return table.currency.isnull() | ((table.currency != self.base) & table[RATE].isnull())

    def explain_missing(self, table: ir.Table, source: str) -> CurrencyError:
        """The error for the first record without a rate: its currency and its day."""
        first = self.warehouse.execute(
            table.filter(self.missing(table))
            .select("currency", "fx__on")
            .order_by("fx__on")
            .limit(1)
        )
        if first.empty:
            return CurrencyError(f"{source}: an amount could not be converted to {self.base}")
        currency, on = first["currency"].iloc[0], _as_date(first["fx__on"].iloc[0])
        if currency is None or (isinstance(currency, float) and pd.isna(currency)):
            return CurrencyError(f"{source} has an amount without a currency (dated {on})")
        return CurrencyError(
            f"no exchange rate for {currency} on or before {on} (needed by {source}); "
            f"add a {currency} rate to fx_rates"
        )


def _as_date(value) -> dt.date:
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date()
    return value
