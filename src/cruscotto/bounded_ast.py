"""Parsing a user's expression (a mapping column, a custom KPI) without letting its size
take the process down: a 3,000-term sum is a syntax tree 3,000 levels deep, and Python's
parser, `ast.unparse` and every recursive walk over it then hit the recursion limit (a
raw traceback). So both expression languages parse through here: at most MAX_LENGTH
characters and MAX_DEPTH levels, or a `TooComplex` error that says so.
"""

from __future__ import annotations

import ast

MAX_LENGTH = 5_000
MAX_DEPTH = 100


class TooComplex(ValueError):
    """The expression is too long or too deeply nested to evaluate safely."""


def parse_expression(text: str) -> ast.Expression:
    """`ast.parse(text, mode="eval")`, refusing expressions beyond the bounds above
    (raises SyntaxError for text that is not an expression, as ast.parse does)."""
    if len(text) > MAX_LENGTH:
        raise TooComplex(
            f"the expression has {len(text):,} characters; the most is {MAX_LENGTH:,}: "
            "split it into simpler parts"
        )
    try:
        tree = ast.parse(text, mode="eval")
    except (RecursionError, MemoryError):
        raise TooComplex(_too_deep()) from None
    # Depth measured without recursion, so the check cannot itself hit the limit.
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise TooComplex(_too_deep())
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return tree


def _too_deep() -> str:
    return (
        f"the expression is nested more than {MAX_DEPTH} levels deep (e.g. a sum of hundreds "
        "of terms): split it into simpler parts"
    )
