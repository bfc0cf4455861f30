"""The mapping expression language: what it computes, and what it refuses."""

from __future__ import annotations

import pandas as pd
import pytest

from cruscotto.ingest.expressions import ExpressionError, columns_used, evaluate

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
