"""The periods reports default to and the month series they chart."""

from __future__ import annotations

import datetime as dt

from cruscotto.engine import Engine, Period

TREND_MONTHS = 12


def last_complete_month(today: dt.date) -> Period:
    return Period.of("month", today).previous()


def last_complete_month_of(engine: Engine) -> Period:
    """The default period of most reports: the engine's last complete month."""
    return last_complete_month(engine.today)


def months_from(first: dt.date, count: int) -> list[Period]:
    """`count` consecutive calendar months, the first containing `first`."""
    months = [Period.of("month", first)]
    while len(months) < count:
        months.append(Period.of("month", months[-1].end))
    return months


def months_ending(last: dt.date, count: int = TREND_MONTHS) -> list[Period]:
    """The `count` calendar months up to and including the one containing `last`."""
    first = Period.of("month", last)
    for _step in range(count - 1):
        first = first.previous()
    return months_from(first.start, count)


def trend_months(period: Period) -> list[Period]:
    """Months to chart a trend over: the period's own months when it spans several, else
    the twelve months ending with it."""
    months = period.split("month")
    return months if len(months) > 1 else months_ending(period.last_day)
