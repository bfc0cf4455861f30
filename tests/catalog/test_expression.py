"""The expression language accepts arithmetic and row conditions, and nothing else."""

import pytest

from cruscotto.catalog.expression import ExpressionError, parse
from cruscotto.engine.declared.computations import combine


def test_names_are_collected():
    assert parse("deals_won / new_leads", "arithmetic").names == {"deals_won", "new_leads"}
    assert parse("hours(created_at, accounts.created_at) > 2").names == {
        "created_at",
        "accounts.created_at",
    }


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('rm -rf /')",
        "deals_won.__class__",
        "open('x')",
        "[x for x in y]",
        "lambda: 1",
        "a ** 2",
        "a if b else c",
        "'text'",
        "a < b",
    ],
)
def test_custom_kpis_allow_only_names_numbers_and_four_operations(text):
    with pytest.raises(ExpressionError):
        parse(text, "arithmetic")


@pytest.mark.parametrize("text", ["eval('1')", "status.lower()", "getattr(a, 'b')", "a[0]"])
def test_row_expressions_refuse_unknown_calls_and_subscripts(text):
    with pytest.raises(ExpressionError):
        parse(text)


def test_combine_is_undefined_on_missing_inputs_and_zero_divisors():
    assert combine("a * b / c", {"a": 2, "b": 0.5, "c": 4}) == pytest.approx(0.25)
    assert combine("a / c", {"a": 2, "c": 0}) is None
    assert combine("a + b", {"a": 2, "b": None}) is None
    assert combine("-(a - b) * 12", {"a": 1, "b": 3}) == 24
