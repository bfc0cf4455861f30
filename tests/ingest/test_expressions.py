"""The mapping expression language: what it computes, and what it refuses."""

from __future__ import annotations

import pandas as pd
import pytest

from cruscotto.ingest.expressions import ExpressionError, columns_used, evaluate
from cruscotto.ingest.parsing import DateReading

FRAME = pd.DataFrame(
    {
        "First": pd.Series(["Anna", "Bruno", ""], dtype="str"),
        "Last": pd.Series(["Rossi", "", "Neri"], dtype="str"),
        "Cents": pd.Series(["1050", "99", ""], dtype="str"),
        "Ids": pd.Series(["12;34", "56", ""], dtype="str"),
        "Stage": pd.Series(["Closed Won", " closed lost ", "Proposal"], dtype="str"),
    }
)


def values(text: str) -> list:
    return evaluate(text, FRAME, decimal=",").tolist()


def test_text_functions():
    assert values('concat(col("First"), " ", col("Last"))') == ["Anna Rossi", "Bruno ", " Neri"]
    assert values('coalesce(col("Last"), col("First"), "?")') == ["Rossi", "Bruno", "Neri"]
    assert values('upper(left(col("First"), 2))') == ["AN", "BR", ""]
    assert values('split(col("Ids"), ";", 0)') == ["12", "56", ""]
    assert values('split(col("Ids"), ";", 1)') == ["34", "", ""]
    assert values('lower(replace(col("First"), "n", "N"))') == ["anna", "bruno", ""]
    assert values('col("First") + "!"') == ["Anna!", "Bruno!", "!"]


def test_numbers_and_conditions():
    # 1050 cents = 10.50; 99 cents = 0.99; an empty cell stays empty.
    cents = values('number(col("Cents")) / 100')
    assert cents[:2] == [10.5, 0.99] and pd.isna(cents[2])
    won_or_lost = 'col("Stage") in ("closed won", "Closed Lost")'  # trimmed, any case
    assert values(f'when({won_or_lost}, "closed", "open")') == ["closed", "closed", "open"]
    assert values('when(not col("Stage") == "Proposal", col("First"), "")') == [
        "Anna",
        "Bruno",
        "",
    ]
    assert values('when(col("First") != "" and col("Last") != "", "both", "")') == [
        "both",
        "",
        "",
    ]


def test_headers_read_by_an_expression():
    assert columns_used('coalesce(col("A"), concat(col("B"), "x"))') == ["A", "B"]


@pytest.mark.parametrize(
    "text",
    [
        '__import__("os")',
        'col("First").upper()',
        "open('/etc/passwd')",
        "[x for x in (1, 2)]",
        "lambda: 1",
        'col("First")[0]',
        'concat(col("First"), sep=",")',
        "First",
    ],
)
def test_anything_outside_the_language_is_refused(text):
    with pytest.raises(ExpressionError):
        evaluate(text, FRAME)


DATES = pd.DataFrame(
    {
        "Start": pd.Series(["31/01/2026", "15/03/2026 10:30", ""], dtype="str"),
        "End": pd.Series(["28/02/2026", "14/03/2026", "01/04/2026"], dtype="str"),
        "Tenure": pd.Series(["1", "-3", "12"], dtype="str"),
    }
)


def dates(text: str) -> list:
    return evaluate(text, DATES, dates=DateReading(order="DMY")).tolist()


def test_date_arithmetic():
    ts = pd.Timestamp
    # 31 January + 1 month is the last day of February; 15 March - 3 months is 15 December.
    assert dates('add_months(col("Start"), col("Tenure"))')[:2] == [
        ts("2026-02-28"),
        ts("2025-12-15 10:30"),
    ]
    assert pd.isna(dates('add_months(col("Start"), col("Tenure"))')[2])  # no start date
    assert dates('add_days(col("Start"), 30)')[:2] == [ts("2026-03-02"), ts("2026-04-14 10:30")]
    # A start date from a tenure in months, as of a fixed day (the Telco dataset's case).
    assert dates('add_months(date("30/09/2019"), 0 - number(col("Tenure")))') == [
        ts("2019-08-30"),
        ts("2019-12-30"),
        ts("2018-09-30"),
    ]
    # Differences in days: 31 Jan -> 28 Feb = 28; 15 Mar 10:30 -> 14 Mar = -1.4375 days.
    assert dates('days_between(col("Start"), col("End"))')[:2] == [28.0, -1.4375]
    assert dates('date(col("End")) - date(col("Start"))')[:2] == [28.0, -1.4375]
    with pytest.raises(ExpressionError, match="add_days/add_months"):
        dates('date(col("End")) + 1')
