"""Turning local calendar days into bounds on stored columns.

Timestamps are stored in UTC; a period is made of days in the company's time zone. Rather
than converting every stored timestamp (which each SQL engine spells differently), the
bounds of the period are converted once, in Python: local midnight → the UTC instant.
Date columns are calendar days already and are compared as they are.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.datatypes as dt_types
import ibis.expr.types as ir

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


def as_utc(instant: dt.datetime) -> dt.datetime:
    """`instant` as stored: naive UTC (an aware instant is converted; a naive one is UTC)."""
    if instant.tzinfo is None:
        return instant
    return instant.astimezone(UTC).replace(tzinfo=None)


# SQL's timezone(zone, value), the same on DuckDB and PostgreSQL: a naive timestamp read
# as a wall-clock time in `zone` gives the instant; an instant gives the wall-clock time.
@ibis.udf.scalar.builtin(name="timezone")
def _instant_of(zone: str, wall_clock: dt_types.Timestamp()) -> dt_types.Timestamp(timezone="UTC"):
    """The instant at which the wall clocks of `zone` show `wall_clock`."""


@ibis.udf.scalar.builtin(name="timezone")
def _wall_clock(zone: str, instant: dt_types.Timestamp(timezone="UTC")) -> dt_types.Timestamp():
    """What the wall clocks of `zone` show at `instant`."""


# Spark has no timezone(); its from_utc_timestamp(instant, zone) gives the wall clock (the
# session's time zone is UTC, see warehouse/spark.py, so a stored timestamp is the instant).
@ibis.udf.scalar.builtin(name="from_utc_timestamp")
def _spark_wall_clock(instant: dt_types.Timestamp(), zone: str) -> dt_types.Timestamp():
    """What the wall clocks of `zone` show at `instant` (Spark)."""


def local_date(column: ir.TimestampValue, tz: ZoneInfo) -> ir.DateValue:
    """The company-local calendar day of each stored (naive UTC) timestamp in `column`,
    computed by the database (the Ibis twin of `local_day`)."""
    if _backend_name(column) == "pyspark":
        return _spark_wall_clock(column, tz.key).date()
    return _wall_clock(tz.key, _instant_of("UTC", column)).date()


def _backend_name(expression: ir.Expr) -> str | None:
    try:
        return expression._find_backend(use_default=False).name
    except Exception:  # an expression over in-memory tables only: any SQL engine will do
        return None
