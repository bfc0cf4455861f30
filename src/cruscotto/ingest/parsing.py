"""Turning cells into typed values: numbers, dates, times, booleans, currencies.

Every converter takes a column of cells and returns the typed column plus a mask of the
cells that could not be read (empty cells are missing values, not errors). They work on
whole columns at once with pandas string methods, because a million-row export must not
be parsed one cell at a time; only values no pattern recognises (month names…) fall back
to python-dateutil, once per distinct value.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from dateutil import parser as dateutil_parser

DateOrder = Literal["DMY", "MDY", "YMD"]
Decimal = Literal[",", "."]
# How a number in a date column counts days: Excel's serial days (1 = 1900-01-01).
SerialDates = Literal["excel"]


@dataclass(frozen=True)
class DateReading:
    """How a mapping reads dates: day/month order, extra formats, serial days."""

    order: DateOrder | None = None
    formats: tuple[str, ...] = ()
    serial: SerialDates | None = None


class AmbiguousDates(ValueError):
    """A column whose dates read both day-first and month-first, with no `date_order`.

    `examples` are cells that mean different days in the two orders (01/02/2017).
    """

    def __init__(self, examples: list[str]) -> None:
        self.examples = examples
        super().__init__(
            "the dates fit both day-first and month-first (e.g. "
            + ", ".join(examples)
            + "); add `date_order: DMY` (day first, as in Italy and Brazil) or "
            "`date_order: MDY` (month first, as in the US) to the mapping"
        )


CURRENCY_SYMBOLS = {"R$": "BRL", "US$": "USD", "€": "EUR", "$": "USD", "£": "GBP", "CHF": "CHF"}
_ISO_CODE = r"[A-Z]{3}"
_CURRENCY_RE = re.compile(
    r"^\s*(?P<pre>R\$|US\$|€|\$|£|[A-Z]{3})?\s*(?P<num>.*?)\s*(?P<post>R\$|€|\$|£|[A-Z]{3})?\s*$"
)
# Spaces used as thousands separators: plain, no-break and narrow no-break (it, pt, fr).
_GROUP_SPACES = "[ \u00a0\u202f']"
# An Excel serial day number: 1 is 1900-01-01; 60000 is in 2064.
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_EXCEL_RANGE = (1, 80000)

TRUE_WORDS = {"true", "yes", "y", "1", "x", "si", "sì", "sim", "vero", "verdadeiro", "done"}
FALSE_WORDS = {"false", "no", "n", "0", "não", "nao", "falso", "undone"}


def split_native(cells: pd.Series) -> tuple[pd.Series, pd.Series | None]:
    """Text cells (\"\" elsewhere) and the already-typed cells of XLSX/Parquet (NaN elsewhere)."""
    if pd.api.types.is_string_dtype(cells) and cells.dtype != object:
        return cells.fillna("").astype(str), None
    if cells.dtype != object:  # a typed Parquet column: every cell is native
        return pd.Series("", index=cells.index, dtype="str"), cells
    is_text = cells.map(lambda v: isinstance(v, str))
    text = cells.where(is_text, "").astype(str)
    native = cells.where(~is_text, None)
    if not native.notna().any():
        return text, None
    return text, native


def as_text(value: object, index: pd.Index) -> pd.Series:
    """Cells as text ("" for empty), without a Python call per cell when they are text."""
    if isinstance(value, pd.Series):
        if pd.api.types.is_string_dtype(value) and value.dtype != object:
            return value.fillna("").astype("str")
        if pd.api.types.infer_dtype(value, skipna=True) in ("string", "empty"):
            return value.fillna("").astype("str")
        return value.map(cell_text).astype("str")
    return pd.Series(str(value), index=index, dtype="str")


def cell_text(v: object) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


# -- numbers ---------------------------------------------------------------------------


def infer_decimal(text: pd.Series) -> Decimal:
    """Which separator is decimal in this column, judged from the cells that tell.

    "1.234,56" or "12,5" say comma; "1,234.56" or "12.5" say dot. Cells like "1,234"
    say nothing. When nothing tells, a dot (the format of machine-written exports).
    """
    sample = text[text != ""].head(20000)
    comma = sample.str.contains(r"\d\.\d{3},\d|^[^.]*\d,\d{1,2}$|,\d{4,}|^[^.]*,\d{1,2}\D*$")
    dot = sample.str.contains(r"\d,\d{3}\.\d|^[^,]*\d\.\d{1,2}$|\.\d{4,}|^[^,]*\.\d{1,2}\D*$")
    return "," if comma.sum() > dot.sum() else "."


def to_number(
    cells: pd.Series, decimal: Decimal | None = None
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Numbers from cells like `1.234,56`, `1,234.56`, `€ 1.234`, `R$ 10,00`, `(12.5)`.

    Returns (values as float, bad-cell mask, currency code found beside the number or "").
    """
    text, native = split_native(cells)
    text = text.str.strip()
    separator = decimal or infer_decimal(text)
    # Fast path: cells that are a bare number in the column's own style go straight to
    # pd.to_numeric; only the others (symbols, groups, brackets) need the full parse.
    bare = r"[+-]?\d+" + (r"(\.\d+)?" if separator == "." else "")
    plain = text.str.fullmatch(bare)
    if plain.all() or (plain | (text == "")).all():
        values = pd.to_numeric(text.where(plain, None), errors="coerce").astype("float64")
        bad = pd.Series(False, index=text.index)
        currency = pd.Series("", index=text.index, dtype="str")
        return _merge_native_numbers(values, bad, native, currency)
    parts = text.str.extract(_CURRENCY_RE)
    number = parts["num"].fillna("")
    symbol = parts["pre"].fillna("").where(parts["pre"].notna(), parts["post"].fillna(""))
    currency = symbol.map(lambda s: CURRENCY_SYMBOLS.get(s, s) if s else "")
    negative = number.str.match(r"^\(.*\)$") | number.str.endswith("-")
    number = number.str.strip("()").str.rstrip("-").str.replace(_GROUP_SPACES, "", regex=True)
    group = "." if separator == "," else ","
    # A thousands separator must group by three: "12,34,56" is a typo, not 123456.
    misgrouped = number.str.contains(group, regex=False) & ~number.str.fullmatch(
        rf"[+-]?\d{{1,3}}(\{group}\d{{3}})+(\{separator}\d*)?"
    )
    if separator == ",":
        number = number.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        number = number.str.replace(",", "", regex=False)
    valid_shape = number.str.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?") & ~misgrouped
    values = pd.to_numeric(number.where(valid_shape, None), errors="coerce").astype("float64")
    values = values.where(~negative, -values)
    bad = (text != "") & values.isna()
    return _merge_native_numbers(values, bad, native, currency.astype(str))


def _merge_native_numbers(
    values: pd.Series, bad: pd.Series, native: pd.Series | None, currency: pd.Series
) -> tuple[pd.Series, pd.Series, pd.Series]:
    if native is not None:
        has_native = native.notna()
        native_values = pd.to_numeric(native.where(has_native, None), errors="coerce")
        bad_native = has_native & native_values.isna()
        values = values.where(~has_native, native_values.astype("float64"))
        bad = (bad & ~has_native) | bad_native
    return values, bad, currency


def to_integer(cells: pd.Series, decimal: Decimal | None = None) -> tuple[pd.Series, pd.Series]:
    values, bad, _ = to_number(cells, decimal)
    fractional = values.notna() & (values != values.round())
    return values.round().astype("Int64"), bad | fractional


def to_bool(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    text, native = split_native(cells)
    words = text.str.strip().str.lower()
    values = pd.Series(pd.NA, index=cells.index, dtype="boolean")
    values[words.isin(TRUE_WORDS)] = True
    values[words.isin(FALSE_WORDS)] = False
    bad = (words != "") & values.isna()
    if native is not None:
        has_native = native.notna()
        values[has_native] = native[has_native].astype(bool)
        bad = bad & ~has_native
    return values, bad


# -- dates and times ---------------------------------------------------------------------

_ZONE = r"(?P<zone>Z|UTC|GMT|[+-]\d{2}:?\d{2})?"
_TIME = (
    r"(?:[ T,]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<frac>\d{1,6}))?)?"
    r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?\s*" + _ZONE
)
_ZONE_AT_END = r"(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})$"
_DAY_MONTH = {
    "DMY": ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"),
    "MDY": ("%m/%d/%Y", "%m-%d-%Y"),
    "YMD": ("%Y/%m/%d",),
}
_COMMON_FORMATS = {
    order: tuple(f"{day}{time}" for day in days for time in ("", " %H:%M", " %H:%M:%S"))
    for order, days in _DAY_MONTH.items()
}
# The zone-less shapes a column may be written in throughout (see `_column_shape`): ISO
# ones, then the day/month ones of the column's order.
_ISO_SHAPES = tuple(
    f"%Y-%m-%d{time}" for time in (" %H:%M:%S", " %H:%M", "T%H:%M:%S", "T%H:%M", "")
)
_SHAPES = {order: _ISO_SHAPES + formats for order, formats in _COMMON_FORMATS.items()}
_NUMERIC_DATE = re.compile(
    r"^\s*(?P<a>\d{1,4})[/.\-](?P<b>\d{1,2})[/.\-](?P<c>\d{1,4})" + _TIME + r"\s*$"
)


def has_zone_suffix(text: pd.Series) -> pd.Series:
    """Cells ending in a zone (Z, UTC, +01:00…); the regex runs on the last 6 characters
    only, since an end-anchored pattern would otherwise scan every whole cell."""
    return text.str.slice(-6).str.contains(_ZONE_AT_END, regex=True)


def _zone_offsets(zone: pd.Series) -> pd.Series:
    """Minutes east of UTC for 'Z', 'UTC', '+01:00', '-0300'; NaN when no zone was written."""
    z = zone.fillna("")
    utc = z.isin(["Z", "UTC", "GMT"])
    signed = z.str.extract(r"^(?P<sign>[+-])(?P<h>\d{2}):?(?P<m>\d{2})$")
    minutes = signed["h"].astype("float64") * 60 + signed["m"].astype("float64")
    minutes = minutes.where(signed["sign"] != "-", -minutes)
    return minutes.where(~utc, 0.0)


def _from_parts(parts: pd.DataFrame, order: DateOrder) -> pd.Series:
    a, b, c = (parts[k].astype("float64") for k in ("a", "b", "c"))
    four_digit_first = parts["a"].str.len() == 4
    if order == "MDY":
        year, month, day = c, a, b
    else:
        year, month, day = c, b, a
    year = year.where(~four_digit_first, a)
    month = month.where(~four_digit_first, b)
    day = day.where(~four_digit_first, c)
    year = year.where(year >= 100, year + np.where(year < 70, 2000, 1900))
    hour = parts["hour"].astype("float64").fillna(0)
    pm = parts["ampm"].fillna("").str.lower().str.startswith("p")
    am = parts["ampm"].fillna("").str.lower().str.startswith("a")
    hour = hour.where(~(pm & (hour < 12)), hour + 12).where(~(am & (hour == 12)), 0)
    frac = parts["frac"].fillna("").str.ljust(6, "0").replace("000000", "0")
    fields = pd.DataFrame(
        {
            "year": year,
            "month": month,
            "day": day,
            "hour": hour,
            "minute": parts["minute"].astype("float64").fillna(0),
            "second": parts["second"].astype("float64").fillna(0),
            "microsecond": pd.to_numeric(frac.where(frac != "", "0"), errors="coerce").fillna(0),
        }
    )
    ok = fields[["year", "month", "day"]].notna().all(axis=1)
    stamps = pd.Series(pd.NaT, index=parts.index, dtype="datetime64[us]")
    if ok.any():
        stamps[ok] = pd.to_datetime(fields[ok], errors="coerce").astype("datetime64[us]")
    return stamps


_DAY_MONTH_CELL = r"^\s*(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?P<c>\d{2}|\d{4})\b"
_DAY_MONTH_START = r"^\s*\d{1,2}[/.\-]\d{1,2}[/.\-]"  # a prefix of _DAY_MONTH_CELL


def column_date_order(text: pd.Series, declared: DateOrder | None) -> DateOrder:
    """The order of day and month for a whole column, never decided cell by cell.

    With `declared` (the mapping's `date_order`) that order. Otherwise it is inferred
    from every distinct cell shaped like 01/02/2017: the order all of them fit; when
    both fit and some cell reads differently in the two, `AmbiguousDates` (the import
    stops and asks); when neither fits all, the order most cells fit (the others are
    then refused as not dates, never read the other way round).
    """
    if declared is not None:
        return declared
    # Only cells that start like 01/02/… can be ambiguous: a vectorised match picks them
    # before the per-value extraction (an ISO column then costs one pass, not two).
    shaped = text[text.str.contains(_DAY_MONTH_START, regex=True)]
    values = pd.Series(shaped.unique()).astype(str)
    parts = values.str.extract(_DAY_MONTH_CELL).dropna()
    if parts.empty:
        return "DMY"
    a, b = parts["a"].astype(int), parts["b"].astype(int)
    day_first = (a >= 1) & (a <= 31) & (b >= 1) & (b <= 12)
    month_first = (a >= 1) & (a <= 12) & (b >= 1) & (b <= 31)
    if day_first.all() and month_first.all():
        differ = values[parts.index][a != b]
        if len(differ):
            raise AmbiguousDates(sorted(differ.str.strip())[:3])
        return "DMY"
    if day_first.all() or month_first.all():
        return "DMY" if day_first.all() else "MDY"
    return "DMY" if day_first.sum() >= month_first.sum() else "MDY"


def _dateutil_fallback(text: pd.Series, order: DateOrder) -> tuple[pd.Series, pd.Series]:
    """Dates written with month names ("Jan 5, 2026", "5 March 2026"), once per value."""
    parsed: dict[str, tuple[pd.Timestamp, float]] = {}
    for value in text.unique():
        try:
            stamp = dateutil_parser.parse(value, dayfirst=order == "DMY", yearfirst=order == "YMD")
        except (ValueError, OverflowError):
            parsed[value] = (pd.NaT, np.nan)
            continue
        offset = stamp.utcoffset()
        minutes = np.nan if offset is None else offset.total_seconds() / 60
        parsed[value] = (pd.Timestamp(stamp.replace(tzinfo=None)), minutes)
    stamps = text.map(lambda v: parsed[v][0]).astype("datetime64[us]")
    offsets = text.map(lambda v: parsed[v][1]).astype("float64")
    return stamps, offsets


def _local_to_utc(stamps: pd.Series, offsets: pd.Series, tz: str) -> pd.Series:
    """UTC wall time: written offsets where given, the company's zone elsewhere."""
    result = stamps.copy()
    zoned = offsets.notna() & stamps.notna()
    if zoned.any():
        result[zoned] = stamps[zoned] - pd.to_timedelta(offsets[zoned], unit="min")
    naive = ~offsets.notna() & stamps.notna()
    if naive.any():
        # In the autumn DST overlap the earlier (summer-time) reading is taken; spring-gap
        # times that never existed on the clock move forward to the first real instant.
        local = stamps[naive].dt.tz_localize(
            tz, ambiguous=np.ones(int(naive.sum()), dtype=bool), nonexistent="shift_forward"
        )
        result[naive] = local.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]")
    return result


def _column_shape(text: pd.Series, order: DateOrder) -> str | None:
    """The zone-less format the column's first cell is written in, if one of `_SHAPES`."""
    if text.empty:
        return None
    first = str(text.iloc[0])
    for shape in _SHAPES[order]:
        try:
            dt.datetime.strptime(first, shape)
        except ValueError:
            continue
        return shape
    return None


def to_timestamp(
    cells: pd.Series,
    *,
    order: DateOrder | None = None,
    formats: tuple[str, ...] = (),
    tz: str = "UTC",
    serial: SerialDates | None = None,
) -> tuple[pd.Series, pd.Series]:
    """UTC timestamps (naive, microseconds) from dates/times as CRMs write them.

    Recognised: ISO 8601 with or without zone; 31/12/2026 (or 12/31/2026 with `order`
    MDY) with `/`, `.` or `-` and optional time, seconds, AM/PM and zone; month names
    via dateutil; any strftime `formats` given by a mapping; Excel serial day numbers
    only when `serial` is "excel" (otherwise a number in a date column is refused, not
    taken as a day in 1900). Without `order` the column's order is inferred from all its
    cells (`column_date_order`), which may raise `AmbiguousDates`.
    A time without a zone is read in `tz` (the mapping's or the company's time zone).
    """
    result, bad, _ = _read_times(cells, order=order, formats=formats, tz=tz, serial=serial)
    return result, bad


def _read_times(
    cells: pd.Series,
    *,
    order: DateOrder | None,
    formats: tuple[str, ...],
    tz: str,
    serial: SerialDates | None,
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """`to_timestamp`'s (values, bad cells) and the cells read in the column's own
    zone-less shape (which `to_date` then knows carry no zone)."""
    if pd.api.types.is_datetime64_any_dtype(cells):  # computed by a date expression
        stamps = cells.astype("datetime64[us]")
        offsets = pd.Series(np.nan, index=cells.index, dtype="float64")
        unread = pd.Series(False, index=cells.index)
        return _local_to_utc(stamps, offsets, tz), unread, unread
    text, native = split_native(cells)
    text = text.str.strip()
    order = column_date_order(text[text != ""], order)
    stamps = pd.Series(pd.NaT, index=cells.index, dtype="datetime64[us]")
    offsets = pd.Series(np.nan, index=cells.index, dtype="float64")
    todo = text != ""

    def attempt(fmt: str, rows: pd.Series, *, zoned: bool = False) -> None:
        nonlocal todo
        if not rows.any():
            return
        got = pd.to_datetime(text[rows], format=fmt, errors="coerce", utc=zoned)
        if getattr(got.dt, "tz", None) is not None:
            got = got.dt.tz_convert("UTC").dt.tz_localize(None)
            zoned = True
        hit = got.notna()
        index = hit[hit].index
        stamps[index] = got[hit].astype("datetime64[us]")
        if zoned:
            offsets[index] = 0.0
        todo &= stamps.isna()

    for fmt in formats:
        attempt(fmt, todo)

    # The shape the column is written in, decided from its first unread cell: one
    # exact-format pass reads every cell written that way. A cell in that shape has no
    # zone, is not read by any other shape below, and the ISO or day/month pass would
    # read it as the same instant; so the zone and ISO checks only see what it leaves.
    plain = todo.copy()
    shape = _column_shape(text[todo], order) if todo.any() else None
    if shape is not None:
        attempt(shape, todo)
    plain &= ~todo

    # Fast passes, in C, for the shapes nearly every export uses; the general pattern
    # below (a regex per cell) only sees what they leave.
    if todo.any():
        has_zone = has_zone_suffix(text)
        iso = todo & text.str.match(r"\d{4}-\d{2}-\d{2}")
        attempt("ISO8601", iso & ~has_zone)
        attempt("ISO8601", iso & has_zone, zoned=True)
    for fmt in _COMMON_FORMATS[order]:
        if not todo.any():
            break
        attempt(fmt, todo)

    if todo.any():
        parts = text[todo].str.extract(_NUMERIC_DATE)
        matched = parts["a"].notna()
        if matched.any():
            found = _from_parts(parts[matched], order)
            stamps[found.index] = found
            offsets[found.index] = _zone_offsets(parts.loc[matched, "zone"])
        todo &= stamps.isna()

    if todo.any() and serial == "excel":
        numbers = pd.to_numeric(text[todo], errors="coerce")
        in_range = numbers.between(*_EXCEL_RANGE)
        if in_range.any():
            days = numbers[in_range]
            stamps[days.index] = (_EXCEL_EPOCH + pd.to_timedelta(days, unit="D")).astype(
                "datetime64[us]"
            )
        todo &= stamps.isna()

    # Only cells with a month name go to dateutil: it would read 12/31/2016 month-first
    # in a day-first column, silently, which is what a column's order exists to prevent.
    named = todo & text.str.contains(r"[A-Za-z]{3}", regex=True) if todo.any() else todo
    if named.any():
        found, found_offsets = _dateutil_fallback(text[named], order)
        stamps[found.index] = found
        offsets[found.index] = found_offsets

    bad = (text != "") & stamps.isna()
    result = _local_to_utc(stamps, offsets, tz)
    if native is not None:
        result, bad = _merge_native_times(result, bad, native, tz, serial)
    return result, bad, plain


def _merge_native_times(
    result: pd.Series, bad: pd.Series, native: pd.Series, tz: str, serial: SerialDates | None
) -> tuple[pd.Series, pd.Series]:
    has = native.notna()
    values = native[has]
    numeric = values.map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool))
    wall = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    zoned = pd.Series(False, index=values.index)
    if numeric.any() and serial == "excel":  # an XLSX cell holding a serial number
        days = values[numeric].astype("float64")
        wall[numeric] = (_EXCEL_EPOCH + pd.to_timedelta(days, unit="D")).astype("datetime64[us]")
    for index, value in values[~numeric].items():
        stamp = _as_timestamp(value)
        if stamp is pd.NaT:
            continue
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert("UTC").tz_localize(None)
            zoned[index] = True
        wall[index] = stamp
    offsets = pd.Series(np.where(zoned, 0.0, np.nan), index=values.index)
    result = result.copy()
    result[has] = _local_to_utc(wall, offsets, tz)
    bad = (bad & ~has) | (has & result.isna())
    return result, bad


def _as_timestamp(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date | pd.Timestamp | np.datetime64):
        return pd.Timestamp(value)
    return pd.NaT


def to_date(
    cells: pd.Series,
    *,
    order: DateOrder | None = None,
    formats: tuple[str, ...] = (),
    tz: str = "UTC",
    serial: SerialDates | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Calendar days. A zone-less value keeps the day written; a zoned one the day in `tz`."""
    wall, bad, plain = _read_times(cells, order=order, formats=formats, tz="UTC", serial=serial)
    text, _ = split_native(cells)
    # Cells read in the column's zone-less shape have no zone to look for.
    rest = ~plain.to_numpy()
    zoned = pd.Series(False, index=cells.index)
    if rest.any():
        others = text[rest]
        found = has_zone_suffix(others.str.strip()) & others.str.contains(":", regex=False)
        zoned[rest] = found.to_numpy()
    if zoned.any():
        local = wall[zoned].dt.tz_localize("UTC").dt.tz_convert(tz).dt.tz_localize(None)
        wall = wall.copy()
        wall[zoned] = local.astype("datetime64[us]")
    return wall.dt.normalize().astype("datetime64[us]"), bad
