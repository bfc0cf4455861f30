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


class CurrencyConverter:
    def __init__(self, warehouse: Warehouse, base: str, today: dt.date):
        self.warehouse = warehouse
        self.base = base
        self.today = today
        self._first_rate: dict[str, dt.date] | None = None
        self._rates: pd.DataFrame | None = None
        self._horizon = today
        self._filled: ir.Table | None = None
        self._checked: set[tuple[str, str | None, dt.date | None]] = set()

    # -- checks --------------------------------------------------------------------------

    def check(self, source: str, day_column: str | None, earliest: dt.date | None = None) -> None:
        """Fail unless every non-base amount in `source` has a rate on or before its day.

        With `day_column`, each record is converted at its own day; without it (snapshots)
        at `earliest` or later, so each currency present needs a rate by then.
        """
        key = (source, day_column, earliest)
        if key in self._checked:
            return
        table = self.warehouse.table(source)
        foreign = table.filter(table.currency.isnull() | (table.currency != self.base))
        if day_column is None:
            day = ibis.literal(earliest or self.today)
        else:
            day = table[day_column]
            day = day.date() if day.type().is_timestamp() else day
            foreign = foreign.filter(table[day_column].notnull())
        with self.warehouse.lock:
            spans = (
                foreign.mutate(_day=day if day_column is None else day)
                .group_by("currency")
                .aggregate(first=lambda t: t._day.min(), last=lambda t: t._day.max())
                .execute()
            )
        first_rates = self._first_rates()
        for row in spans.itertuples(index=False):
            first, last = _as_date(row.first), _as_date(row.last)
            if row.currency is None or (isinstance(row.currency, float) and pd.isna(row.currency)):
                raise CurrencyError(
                    f"{source} has amounts without a currency; fill the currency column"
                )
            rate_from = first_rates.get(row.currency)
            if rate_from is None or rate_from > first:
                raise CurrencyError(
                    f"no exchange rate for {row.currency} on or before {first} "
                    f"(needed by {source}); add a {row.currency} rate to fx_rates"
                )
            if last > self._horizon:
                self._horizon = last
                self._filled = None
        self._checked.add(key)

    def _first_rates(self) -> dict[str, dt.date]:
        if self._first_rate is None:
            rates = self._load_rates()
            grouped = rates.groupby("currency")["day"].min()
            self._first_rate = {c: _as_date(d) for c, d in grouped.items()}
        return self._first_rate

    def _load_rates(self) -> pd.DataFrame:
        if self._rates is None:
            with self.warehouse.lock:
                self._rates = self.warehouse.table("fx_rates").execute()
        return self._rates

    # -- conversion ----------------------------------------------------------------------

    def daily_rates(self) -> ir.Table:
        """One row per currency and day up to the horizon, carrying the last known rate."""
        if self._filled is None:
            rates = self._load_rates()
            frames = []
            for currency, group in rates.groupby("currency"):
                series = group.assign(day=pd.to_datetime(group["day"])).set_index("day")
                last = max(series.index.max(), pd.Timestamp(self._horizon))
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
        joined = table.left_join(
            rates, [table.currency == rates.fx__currency, table.fx__on == rates.fx__day]
        )
        return joined

    def in_base(self, table: ir.Table, amount: ir.Value) -> ir.Value:
        """`amount` of each record in the base currency (after `with_rate`)."""
        return ibis.cases((table.currency == self.base, amount), else_=amount * table[RATE])


def _as_date(value) -> dt.date:
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date()
    return value
