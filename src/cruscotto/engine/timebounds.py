"""Turning local calendar days into bounds on stored columns.

Timestamps are stored in UTC; a period is made of days in the company's time zone. Rather
than converting every stored timestamp (which each SQL engine spells differently), the
bounds of the period are converted once, in Python: local midnight → the UTC instant.
Date columns are calendar days already and are compared as they are.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

UTC = dt.UTC


def utc_instant(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """The UTC instant (naive, as stored) at which local `day` begins in `tz`."""
    local_midnight = dt.datetime.combine(day, dt.time(), tzinfo=tz)
    return local_midnight.astimezone(UTC).replace(tzinfo=None)


def bound(day: dt.date, column_type: str, tz: ZoneInfo) -> dt.date | dt.datetime:
    """The value that starts `day` for a column of `column_type` (date or timestamp)."""
    return utc_instant(day, tz) if column_type == "timestamp" else day


def local_day(instant: dt.datetime, tz: ZoneInfo) -> dt.date:
    """The company-local calendar day of a stored (naive UTC) instant."""
    return instant.replace(tzinfo=UTC).astimezone(tz).date()
