"""Converting amounts to the company's base currency with `fx_rates`.

An amount is converted at the rate of its record's day, or the latest earlier rate when
that day has none (weekends, holidays). A currency with no rate on or before a record's
day is an error naming the currency and the day — never a silent rate of 1.

The day of a record dated by a timestamp is its calendar day in the company's time zone,
the same day that puts it in a period: a deal closed at 23:04 UTC on 23 August is in 24
August's numbers in Rome, and converted at 24 August's rate.

This is the one converter: the declared KPIs, the KPI functions (through
`KpiScope.to_base`) and the reports all convert with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir
import pandas as pd

from cruscotto.engine.question.errors import CurrencyError
from cruscotto.engine.question.timebounds import local_date
from cruscotto.warehouse import Warehouse

RATE = "fx__rate"


# Days of rates carried forward past today (and past the last rate), for records dated in
# the near future such as expected close dates.
HORIZON_DAYS = 2 * 366


class CurrencyConverter:
    """Converts with the rates in fx_rates as they are when a question is asked.

    `today` gives the current day and `facts` the facts of the question being answered
    (None between questions), where the check that the rates are unchanged is kept.
    """

    def __init__(
        self,
        warehouse: Warehouse,
        base: str,
        today: Callable[[], dt.date],
        facts: Callable[[], dict | None] = lambda: None,
        tz: ZoneInfo = ZoneInfo("UTC"),
    ):
        self.warehouse = warehouse
        self.base = base
        self.tz = tz
        self.today = today
        self.facts = facts
        # The filled-in rates and the state of fx_rates they were made from.
        self._filled: tuple[tuple, ir.Table] | None = None

    def _fingerprint(self) -> tuple:
        """What changes whenever fx_rates does (rows added, removed or corrected), read
        once per question: a server never converts with rates imported before."""
        facts = self.facts()
        if facts is not None and "fx_fingerprint" in facts:
            return facts["fx_fingerprint"]
        rates = self.warehouse.table("fx_rates")
        # Each rate weighted by its day, so that moving a rate to another day shows too.
        day_number = rates.day.year() * 10000 + rates.day.month() * 100 + rates.day.day()
        totals = rates.aggregate(
            n=rates.count(),
            last=rates.day.max(),
            total=rates.rate_to_base.sum(),
            weighted=(rates.rate_to_base * day_number).sum(),
        )
        row = self.warehouse.execute(totals).iloc[0]
        fingerprint = (self.today(), *(None if pd.isna(v) else v for v in row.tolist()))
        if facts is not None:
            facts["fx_fingerprint"] = fingerprint
        return fingerprint

    def daily_rates(self) -> ir.Table:
        """One row per currency and day, carrying the last known rate forward.

        Each currency starts at its first rate: a record dated earlier finds no rate,
        which `missing` detects and `explain_missing` reports. Made again only when
        fx_rates (or the day) has changed since the last question.
        """
        fingerprint = self._fingerprint()
        if self._filled is None or self._filled[0] != fingerprint:
            rates = self.warehouse.execute(self.warehouse.table("fx_rates"))
            frames = []
            horizon = pd.Timestamp(self.today() + dt.timedelta(days=HORIZON_DAYS))
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
            self._filled = (fingerprint, ibis.memtable(data, schema=columns))
        return self._filled[1]

    def with_rate(self, table: ir.Table, day: ir.Value) -> ir.Table:
        """`table` with the rate of each record's currency on `day` as column fx__rate (a
        timestamp's day is its local calendar day)."""
        rates = self.daily_rates()
        if day.type().is_timestamp():
            day = local_date(day, self.tz)
        table = table.mutate(fx__on=day)
        return table.left_join(
            rates, [table.currency == rates.fx__currency, table.fx__on == rates.fx__day]
        )

    def in_base(self, table: ir.Table, amount: ir.Value) -> ir.Value:
        """`amount` of each record in the base currency (after `with_rate`)."""
        return ibis.cases((table.currency == self.base, amount), else_=amount * table[RATE])

    def missing(self, table: ir.Table, amount: ir.Value | None = None) -> ir.BooleanValue:
        """Records (after `with_rate`) whose amount cannot be converted. An unknown
        `amount` needs no rate: it stays unknown in any currency (a file whose amounts
        are all empty needs no exchange rate)."""
        unconvertible = table.currency.isnull() | (
            (table.currency != self.base) & table[RATE].isnull()
        )
        return unconvertible if amount is None else amount.notnull() & unconvertible

    def explain_missing(
        self, table: ir.Table, source: str, amount: ir.Value | None = None
    ) -> CurrencyError:
        """The error for the first record without a rate: its currency and its day."""
        first = self.warehouse.execute(
            table.filter(self.missing(table, amount))
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
            f"import {currency} rates into fx_rates (columns day, currency, rate_to_base), "
            f"or, if the company works in {currency}: "
            f"`cruscotto config set base_currency {currency}`"
        )

    def to_base(
        self,
        data: ir.Table,
        amounts: Sequence[str],
        *,
        day: ir.Value | dt.date,
        source: str,
        dated_by: str | None = None,
        checked: tuple = (),
    ) -> ir.Table:
        """`data` (records of `source`) with `amounts` in the base currency at `day`'s rate.

        Before converting, every currency must have a rate, or the computation stops with
        an error naming the currency and the day rather than losing amounts: with
        `dated_by` (records converted at their own day) every currency of `source` is
        checked once against its earliest record; with a fixed `day` (a snapshot), the
        currencies in `data` against that day (`checked` tells the snapshots apart, e.g.
        by their filters, so that each is checked once per question).
        """
        if dated_by is not None:
            self._check_source(source, dated_by)
        else:
            self._check_snapshot(data, source, day, checked)
        day_value = day if isinstance(day, ir.Value) else ibis.literal(day, "date")
        joined = self.with_rate(data, day_value)
        converted = {a: self.in_base(joined, joined[a]) for a in amounts}
        return joined.mutate(**converted).select(*data.columns)

    def _remembered(self, key: tuple) -> bool:
        facts = self.facts()
        return facts is not None and key in facts

    def _remember(self, key: tuple) -> None:
        facts = self.facts()
        if facts is not None:
            facts[key] = True

    def _check_source(self, source: str, dated_by: str) -> None:
        """Every foreign currency of `source` has a rate on or before its earliest record."""
        key = ("rates", source, dated_by)
        if self._remembered(key):
            return
        records = self.warehouse.table(source)
        day = records[dated_by]
        day = local_date(day, self.tz) if day.type().is_timestamp() else day
        foreign = records.filter(records.currency != self.base, records[dated_by].notnull())
        self._raise_if_unrated(foreign.mutate(_day=day), source)
        self._remember(key)

    def _check_snapshot(self, data: ir.Table, source: str, day, checked: tuple) -> None:
        """Every foreign currency in `data` has a rate on or before its earliest `day`."""
        literal = not isinstance(day, ir.Value)
        key = ("rates", source, day, checked) if literal else None
        if key is not None and self._remembered(key):
            return
        day_value = ibis.literal(day, "date") if literal else day
        foreign = data.mutate(_day=day_value).filter(data.currency != self.base)
        self._raise_if_unrated(foreign, source)
        if key is not None:
            self._remember(key)

    def _raise_if_unrated(self, foreign: ir.Table, source: str) -> None:
        """The CurrencyError for the first currency of `foreign` (records with a `_day`)
        that has no rate on or before its earliest day, if any."""
        earliest = foreign.group_by("currency").aggregate(first=foreign._day.min())
        rates = self.warehouse.table("fx_rates")
        first_rate = rates.group_by("currency").aggregate(first_rate=rates.day.min())
        joined = earliest.left_join(first_rate, earliest.currency == first_rate.currency)
        missing = joined.filter(joined.first_rate.isnull() | (joined.first_rate > joined.first))
        found = self.warehouse.execute(
            missing.select(currency=missing.currency, day=missing["first"]).limit(1)
        )
        if len(found):
            code, first = found.iloc[0]["currency"], _as_date(found.iloc[0]["day"])
            raise CurrencyError(
                f"no exchange rate for {code} on or before {first:%Y-%m-%d} (needed by "
                f"{source}); add a rate_to_base for {code} into {self.base} to fx_rates"
            )


def _as_date(value) -> dt.date:
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date()
    return value
