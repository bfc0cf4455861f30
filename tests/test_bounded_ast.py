"""Expressions too long or too deep are refused with a message, never a RecursionError."""

import pytest

from cruscotto.bounded_ast import MAX_DEPTH, TooComplex, parse_expression
from cruscotto.catalog.expression import ExpressionError
from cruscotto.catalog.expression import parse as parse_kpi_expression
from cruscotto.ingest.expressions import ExpressionError as MappingExpressionError
from cruscotto.ingest.expressions import parse as parse_mapping_expression


def test_a_thousand_term_sum_is_too_deep():
    # "x+x+…" with 1,000 terms: 1,999 characters (under the length bound), 999 levels deep.
    with pytest.raises(TooComplex, match="nested more than 100 levels"):
        parse_expression("+".join(["x"] * 1000))


def test_long_text_is_refused_before_parsing():
    with pytest.raises(TooComplex, match="the most is 5,000"):
        parse_expression("x" * 5001)


def test_ordinary_expressions_parse():
    terms = MAX_DEPTH // 2  # a sum of 50 terms is 49 BinOp levels deep (+ a few wrappers)
    assert parse_expression("+".join(["x"] * terms)) is not None


@pytest.mark.parametrize(
    ("parse", "error"),
    [
        (lambda text: parse_kpi_expression(text, "arithmetic"), ExpressionError),
        (parse_mapping_expression, MappingExpressionError),
    ],
)
@pytest.mark.parametrize("terms", [1000, 3000])
def test_both_expression_languages_refuse_with_their_own_error(parse, error, terms):
    with pytest.raises(error, match="split it into simpler parts"):
        parse("+".join(["deals_won"] * terms))
