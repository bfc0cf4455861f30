"""Periods: parsing, previous, last year, splitting by grain, labels."""

import datetime as dt

import pytest

from cruscotto.engine import Period, PeriodError


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("2026-Q3", "2026-07-01", "2026-10-01", "2026-Q3"),
        ("2026-03", "2026-03-01", "2026-04-01", "2026-03"),
        ("2026", "2026-01-01", "2027-01-01", "2026"),
        ("2026-W05", "2026-01-26", "2026-02-02", "2026-W05"),  # ISO week 5 starts Mon 26 Jan
        ("2026-03-15", "2026-03-15", "2026-03-16", "2026-03-15"),
        ("2026-01-01..2026-03-31", "2026-01-01", "2026-04-01", "2026-01-01..2026-03-31"),
    ],
)
def test_parse(text, start, end, label):
    period = Period.parse(text)
    assert (period.start, period.end, period.label) == (d(start), d(end), label)


def test_a_range_that_is_a_whole_quarter_keeps_its_dates_as_label():
    assert Period.between(d("2026-01-01"), d("2026-03-31")).label == "2026-01-01..2026-03-31"


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "March", "2026-03-31..2026-03-01", ""])
def test_bad_periods_say_what_to_write(text):
    with pytest.raises(PeriodError, match="period"):
        Period.parse(text)


def test_previous_follows_the_grain():
    assert Period.parse("2026-03").previous() == Period.parse("2026-02")
    assert Period.parse("2026-Q1").previous() == Period.parse("2025-Q4")
    assert Period.parse("2026").previous() == Period.parse("2025")
    assert Period.parse("2026-W01").previous() == Period.parse("2025-W52")
    # A 10-day range: the 10 days before it.
    ten = Period.between(d("2026-03-11"), d("2026-03-20"))
    assert ten.previous() == Period.between(d("2026-03-01"), d("2026-03-10"))


def test_last_year():
    assert Period.parse("2026-03").last_year() == Period.parse("2025-03")
    # 29 February 2028 a year earlier is 28 February 2027.
    assert Period.parse("2028-02-29").last_year().start == d("2027-02-28")
    assert Period.parse("2026-W10").last_year() == Period.parse("2025-W10")


def test_split_clips_to_the_period():
    parts = Period.between(d("2026-01-15"), d("2026-03-10")).split("month")
    assert [(p.start, p.end) for p in parts] == [
        (d("2026-01-15"), d("2026-02-01")),
        (d("2026-02-01"), d("2026-03-01")),
        (d("2026-03-01"), d("2026-03-11")),
    ]
    assert [p.label for p in Period.parse("2026-Q1").split("month")] == [
        "2026-01",
        "2026-02",
        "2026-03",
    ]
    assert len(Period.parse("2026").split("day")) == 365
    assert len(Period.parse("2026").split("week")) == 53  # partial first and last weeks


def test_fiscal_quarters_and_current():
    # Fiscal year from October: FY2026 is Oct 2026 – Sep 2027; 15 Nov 2026 is in its Q1.
    current = Period.current("quarter", d("2026-11-15"), fiscal_year_start_month=10)
    assert (current.start, current.end, current.label) == (
        d("2026-10-01"),
        d("2027-01-01"),
        "FY2026-Q1",
    )
    year = Period.current("year", d("2026-09-30"), fiscal_year_start_month=10)
    assert (year.start, year.label) == (d("2025-10-01"), "FY2025")
    assert Period.parse("FY2026-Q2", 10) == Period(d("2027-01-01"), d("2027-04-01"))
