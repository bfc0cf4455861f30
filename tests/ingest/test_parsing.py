"""Cells to typed values: Italian, Portuguese and English numbers, dates and booleans."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cruscotto.ingest.parsing import (
    AmbiguousDates,
    to_bool,
    to_date,
    to_integer,
    to_number,
    to_timestamp,
)


def text(*values: str) -> pd.Series:
    return pd.Series(list(values), dtype="str")


@pytest.mark.parametrize(
    ("cell", "decimal", "expected", "currency"),
    [
        ("1.234,56", ",", 1234.56, ""),  # Italian / Portuguese
        ("1,234.56", ".", 1234.56, ""),  # English
        ("€ 1.234,56", ",", 1234.56, "EUR"),
        ("1.234,56 €", ",", 1234.56, "EUR"),
        ("R$ 10,00", ",", 10.0, "BRL"),
        ("$1,234.56", ".", 1234.56, "USD"),
        ("£12.5", ".", 12.5, "GBP"),
        ("USD 3,000.00", ".", 3000.0, "USD"),
        ("1 234,5", ",", 1234.5, ""),  # space as thousands separator
        ("1\u00a0234,5", ",", 1234.5, ""),  # no-break space, as Excel in Italian writes
        ("(12,5)", ",", -12.5, ""),  # accounting negative
        ("-3,2", ",", -3.2, ""),
        ("1.234", ",", 1234.0, ""),  # in Italian the dot groups thousands
        ("1,234", ".", 1234.0, ""),
    ],
)
def test_numbers_in_every_format(cell, decimal, expected, currency):
    values, bad, found = to_number(text(cell), decimal)
    assert values.iloc[0] == pytest.approx(expected)
    assert not bad.iloc[0]
    assert found.iloc[0] == currency


def test_decimal_separator_inferred_from_the_column():
    # "12,5" can only be Italian; so in the same column "1.234" is one thousand two hundred.
    values, bad, _ = to_number(text("12,5", "1.234", "7"))
    assert values.tolist() == [12.5, 1234.0, 7.0]
    values, _, _ = to_number(text("12.5", "1,234", "7"))
    assert values.tolist() == [12.5, 1234.0, 7.0]


def test_empty_cells_are_missing_not_errors_and_words_are_errors():
    values, bad, _ = to_number(text("", "  ", "abc", "12a"), ".")
    assert values.isna().all()
    assert bad.tolist() == [False, False, True, True]


def test_integers_refuse_fractions():
    values, bad = to_integer(text("3", "3,5", ""), ",")
    assert values.iloc[0] == 3
    assert bad.tolist() == [False, True, False]


def test_typed_cells_from_xlsx_are_taken_as_they_are():
    # openpyxl hands numbers over as numbers: "1234.5" must not be re-read Italian-style.
    values, bad, _ = to_number(pd.Series([1234.5, 3, "1.234,5", ""], dtype=object), ",")
    assert values.tolist()[:3] == [1234.5, 3.0, 1234.5]
    assert not bad.any()


def utc(*args) -> pd.Timestamp:
    return pd.Timestamp(dt.datetime(*args))


@pytest.mark.parametrize(
    ("cell", "order", "expected"),
    [
        # Rome is UTC+1 in winter, UTC+2 in summer: midnight local is 23:00 or 22:00 UTC.
        ("31/12/2026", "DMY", utc(2026, 12, 30, 23)),
        ("31.12.26", "DMY", utc(2026, 12, 30, 23)),
        ("2026-12-31", "DMY", utc(2026, 12, 30, 23)),
        ("12/31/2026", "MDY", utc(2026, 12, 30, 23)),
        ("31/12/2026 23:30", "DMY", utc(2026, 12, 31, 22, 30)),
        ("12/31/2026, 3:45 PM", "MDY", utc(2026, 12, 31, 14, 45)),  # Salesforce en_US
        ("2026-07-01 10:00:00", "YMD", utc(2026, 7, 1, 8)),  # summer time: UTC+2
        ("2026-12-31T10:00:00Z", "DMY", utc(2026, 12, 31, 10)),  # a zone wins over Rome
        ("2026-12-31 10:00:00+01:00", "DMY", utc(2026, 12, 31, 9)),
        ("2026-12-31T10:00:00-0300", "DMY", utc(2026, 12, 31, 13)),  # São Paulo
        ("Jan 5, 2026", "MDY", utc(2026, 1, 4, 23)),
        # 02:30 on 29 March 2026 never happened in Rome (clocks jump 02:00 -> 03:00):
        # read as 03:00 CEST = 01:00 UTC.
        ("2026-03-29 02:30", "YMD", utc(2026, 3, 29, 1)),
        # 02:30 on 25 October 2026 happened twice; the first (CEST, UTC+2) is taken.
        ("2026-10-25 02:30", "YMD", utc(2026, 10, 25, 0, 30)),
    ],
)
def test_timestamps_to_utc(cell, order, expected):
    values, bad = to_timestamp(text(cell), order=order, tz="Europe/Rome")
    assert not bad.iloc[0]
    assert values.iloc[0] == expected


def test_day_first_and_month_first_read_the_same_cell_differently():
    cell = text("01/02/2026")
    dmy, _ = to_timestamp(cell, order="DMY", tz="UTC")
    mdy, _ = to_timestamp(cell, order="MDY", tz="UTC")
    assert dmy.iloc[0] == utc(2026, 2, 1)
    assert mdy.iloc[0] == utc(2026, 1, 2)


def test_bad_dates_are_flagged_and_empty_ones_are_not():
    values, bad = to_timestamp(text("32/13/2026", "", "soon", "2026-02-30"), tz="UTC")
    assert bad.tolist() == [True, False, True, True]
    assert values.isna().all()


def test_explicit_formats_come_first():
    values, bad = to_timestamp(text("20261231-0830"), formats=("%Y%m%d-%H%M",), tz="UTC")
    assert values.iloc[0] == utc(2026, 12, 31, 8, 30)


# Cells of every shape the readers know, valid and not: zone-less ISO, zoned ISO, DST gaps
# and overlaps in Rome, day/month orders, lenient digits, impossible days and hours.
SHAPE_CELLS = [
    *("2024-01-31 10:30", "2024-1-1 10:30", "2024-01-01  10:30", "0024-01-01 10:30"),
    *("2024-02-30 10:30", "2024-01-01 9:05", "2024-01-01 24:00", "2024-01-01 10:60"),
    *("2024-01-01T10:30", "2024-01-01T10:30:15", "2024-01-01 10:30:15", "2024-01-01"),
    *("2024-01-01Z", "2024-01-01 10:30Z", "2024-01-01 10:30+02:00", "2024-01-01T10:30:00-0300"),
    *("2024-03-31 02:30", "2024-10-27 02:30", "31/12/2024", "12/31/2024", "01/02/2024 10:30"),
    *("1/2/2024 9:05", "01.02.2024", "01-02-2024 10:30:59", "2024/01/02", "2024/1/2 10:30"),
    *("Jan 5, 2026", "5 March 2026 10:00", "45291", "01/02/24", "2024-13-01", ""),
    *("2024-01-01 10:30 PM", "2024-01-01 10:30:00.123", "2262-04-12", "9999-12-31"),
]


@pytest.mark.parametrize("order", ["DMY", "MDY", "YMD"])
def test_the_columns_own_shape_reads_each_cell_as_the_general_passes_do(order, monkeypatch):
    # A column is read in one exact-format pass for the shape of its first cell (speed);
    # every cell must come out as the general passes read it (the expected values: the
    # same column with that pass switched off), whichever cell comes first.
    from cruscotto.ingest import parsing

    def read(column: pd.Series, tz: str) -> list[pd.Series]:
        return [*to_timestamp(column, order=order, tz=tz), *to_date(column, order=order, tz=tz)]

    for first in SHAPE_CELLS:
        column = text(first, *SHAPE_CELLS)
        fast = {tz: read(column, tz) for tz in ("Europe/Rome", "America/Sao_Paulo")}
        with monkeypatch.context() as patch:
            patch.setattr(parsing, "_column_shape", lambda _text, _order: None)
            general = {tz: read(column, tz) for tz in fast}
        for tz, results in fast.items():
            for got, expected in zip(results, general[tz], strict=True):
                pd.testing.assert_series_equal(got, expected, obj=f"{first!r} first, {tz}")


def test_a_column_in_one_shape_is_read_by_that_shape():
    from cruscotto.ingest import parsing

    assert parsing._column_shape(text("2026-01-15 10:30"), "DMY") == "%Y-%m-%d %H:%M"
    assert parsing._column_shape(text("15/01/2026"), "DMY") == "%d/%m/%Y"
    assert parsing._column_shape(text("01/15/2026 10:30"), "MDY") == "%m/%d/%Y %H:%M"
    # A zone, a month name or an impossible day: no shape, the general passes read it.
    assert parsing._column_shape(text("2026-01-15 10:30Z"), "DMY") is None
    assert parsing._column_shape(text("Jan 5, 2026"), "MDY") is None
    assert parsing._column_shape(text("2026-02-30"), "YMD") is None


def test_dates_keep_the_written_day_unless_a_zone_is_given():
    values, _ = to_date(text("31/12/2026", "2026-12-31T23:30:00Z"), tz="Europe/Rome")
    # 23:30 UTC on 31 December is already 1 January in Rome.
    assert values.tolist() == [pd.Timestamp(2026, 12, 31), pd.Timestamp(2027, 1, 1)]


def test_xlsx_datetimes_and_serials():
    cells = pd.Series([dt.datetime(2026, 1, 1, 12), 45291, "2026-01-02", "45292"], dtype=object)
    # Excel serial day 45291 = 2023-12-31 (Rome midnight = 23:00 UTC the day before), read
    # so only when the mapping declares serial dates.
    values, bad = to_timestamp(cells, tz="Europe/Rome", serial="excel")
    assert values.tolist() == [
        utc(2026, 1, 1, 11),
        utc(2023, 12, 30, 23),
        utc(2026, 1, 1, 23),
        utc(2023, 12, 31, 23),
    ]
    assert not bad.any()
    # Otherwise a number is not a date (before: a day in 1900 or 2023, silently).
    values, bad = to_timestamp(cells, tz="Europe/Rome")
    assert bad.tolist() == [False, True, False, True]


def test_a_column_has_one_date_order_inferred_from_all_its_values():
    # Before, 12/31/2016 was read month-first (dateutil swapped it) and 01/02/2017
    # day-first, in one column. 12/31/2016 only fits month-first, so the column is MDY.
    values, bad = to_timestamp(text("12/31/2016", "01/02/2017", "2017-01-05"), tz="UTC")
    assert values.tolist() == [utc(2016, 12, 31), utc(2017, 1, 2), utc(2017, 1, 5)]
    assert not bad.any()
    # 31/12/2016 only fits day-first: the whole column is DMY.
    values, _ = to_timestamp(text("31/12/2016", "01/02/2017"), tz="UTC")
    assert values.tolist() == [utc(2016, 12, 31), utc(2017, 2, 1)]


def test_a_column_that_fits_both_orders_stops_with_examples():
    with pytest.raises(AmbiguousDates) as raised:
        to_timestamp(text("01/02/2017", "03/04/2017", "05/05/2017", ""), tz="UTC")
    assert raised.value.examples == ["01/02/2017", "03/04/2017"]  # 05/05 reads the same
    assert "date_order: DMY" in str(raised.value) and "date_order: MDY" in str(raised.value)
    # Declared, it is read that way; a cell that does not fit it is refused, not swapped.
    values, bad = to_timestamp(text("01/02/2017", "12/31/2016"), order="DMY", tz="UTC")
    assert values.iloc[0] == utc(2017, 2, 1)
    assert bad.tolist() == [False, True]


def test_booleans_in_three_languages():
    values, bad = to_bool(text("Sì", "no", "x", "", "sim", "não", "TRUE", "forse"))
    assert values.tolist()[:4] == [True, False, True, pd.NA]
    assert values.tolist()[4:7] == [True, False, True]
    assert bad.tolist() == [False] * 7 + [True]
