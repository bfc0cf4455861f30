"""A small, safe expression language for KPI declarations and custom KPIs.

Expressions are parsed with Python's `ast` and only a whitelist of node types is accepted;
nothing is ever passed to `eval` or turned into SQL text. Two dialects:

* `arithmetic` — what a company may write in cruscotto.yaml for a custom KPI: names of
  declared measures (KPI ids), numbers, + − × ÷ and parentheses.
* `row` — what the catalog uses to describe a record: column names, `table.column` for a
  column of a related table, numbers and quoted strings, comparisons, `in [...]`,
  and/or/not, and the functions in ROW_FUNCTIONS.

`evaluate` walks a parsed expression with a `Semantics` object that says what names,
operators and functions mean, so the same tree can become an Ibis expression (rows) or
a Python number (custom KPIs over computed values).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cruscotto.bounded_ast import TooComplex, parse_expression

# name -> (minimum arguments, maximum arguments)
ROW_FUNCTIONS: dict[str, tuple[int, int]] = {
    "isnull": (1, 1),  # the value is missing
    "notnull": (1, 1),  # the value is present
    "hours": (2, 2),  # hours from the first timestamp to the second
    "days": (2, 2),  # days from the first timestamp/date to the second
    "coalesce": (2, 5),  # the first value that is present
    "least": (2, 5),
    "greatest": (2, 5),
}

_ARITHMETIC_NODES = (
    ast.Expression,
    ast.BinOp,
    ast.UnaryOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.USub,
    ast.UAdd,
    ast.Name,
    ast.Load,
    ast.Constant,
)
_ROW_NODES = (
    *_ARITHMETIC_NODES,
    ast.Attribute,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.Not,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Call,
    ast.List,
    ast.Tuple,
)


class ExpressionError(ValueError):
    """An expression that is not allowed or cannot be read."""


@dataclass(frozen=True)
class Expression:
    text: str
    tree: ast.Expression
    names: frozenset[str]  # plain names and "table.column" references

    def __str__(self) -> str:
        return self.text


@lru_cache(maxsize=4096)
def parse(text: str, dialect: str = "row") -> Expression:
    """Parse and check `text`; raise ExpressionError naming what is not allowed."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("an expression must be a non-empty string")
    try:
        tree = parse_expression(text.strip())
    except TooComplex as exc:
        raise ExpressionError(f"cannot use {text[:60]!r}…: {exc}") from None
    except SyntaxError as exc:
        raise ExpressionError(f"cannot read {text!r}: {exc.msg}") from None
    allowed = _ARITHMETIC_NODES if dialect == "arithmetic" else _ROW_NODES
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, allowed):
            what = type(node).__name__
            raise ExpressionError(
                f"{text!r}: {what} is not allowed here"
                + (" (use names, numbers and + - * / only)" if dialect == "arithmetic" else "")
            )
        if isinstance(node, ast.Constant):
            kinds = (int, float) if dialect == "arithmetic" else (int, float, str, bool)
            if not isinstance(node.value, kinds) or node.value is None:
                raise ExpressionError(f"{text!r}: the constant {node.value!r} is not allowed")
        if isinstance(node, ast.Attribute):
            if not isinstance(node.value, ast.Name):
                raise ExpressionError(f"{text!r}: only table.column references are allowed")
            names.add(f"{node.value.id}.{node.attr}")
        if isinstance(node, ast.Call):
            _check_call(text, node)
    functions = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for node in ast.walk(tree):
        is_column = isinstance(node, ast.Name) and id(node) not in functions
        if is_column and not _is_attribute_base(tree, node):
            names.add(node.id)
    return Expression(text.strip(), tree, frozenset(names))


def _is_attribute_base(tree: ast.AST, name: ast.Name) -> bool:
    return any(isinstance(n, ast.Attribute) and n.value is name for n in ast.walk(tree))


def _check_call(text: str, node: ast.Call) -> None:
    if not isinstance(node.func, ast.Name) or node.func.id not in ROW_FUNCTIONS:
        known = ", ".join(ROW_FUNCTIONS)
        raise ExpressionError(f"{text!r}: unknown function; the functions are {known}")
    low, high = ROW_FUNCTIONS[node.func.id]
    if node.keywords or not low <= len(node.args) <= high:
        raise ExpressionError(f"{text!r}: {node.func.id} takes {low}–{high} arguments")


class Semantics:
    """What an expression's parts mean; subclasses give names and functions a meaning."""

    def name(self, name: str) -> Any:
        raise NotImplementedError

    def constant(self, value: Any) -> Any:
        return value

    def function(self, name: str, args: list[Any]) -> Any:
        raise ExpressionError(f"function {name} is not available here")

    def divide(self, left: Any, right: Any) -> Any:
        return left / right

    def both(self, left: Any, right: Any) -> Any:
        return left & right

    def either(self, left: Any, right: Any) -> Any:
        return left | right

    def negate(self, value: Any) -> Any:
        return ~value

    def member(self, value: Any, options: list[Any]) -> Any:
        return value.isin(options)


_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
}


def evaluate(expression: Expression, semantics: Semantics) -> Any:
    return _walk(expression.tree.body, semantics)


def _walk(node: ast.AST, s: Semantics) -> Any:  # noqa: C901 - one branch per node type
    if isinstance(node, ast.Constant):
        return s.constant(node.value)
    if isinstance(node, ast.Name):
        return s.name(node.id)
    if isinstance(node, ast.Attribute):
        return s.name(f"{node.value.id}.{node.attr}")
    if isinstance(node, ast.UnaryOp):
        value = _walk(node.operand, s)
        if isinstance(node.op, ast.USub):
            return -value
        if isinstance(node.op, ast.Not):
            return s.negate(value)
        return value
    if isinstance(node, ast.BinOp):
        left, right = _walk(node.left, s), _walk(node.right, s)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        return s.divide(left, right)
    if isinstance(node, ast.BoolOp):
        values = [_walk(v, s) for v in node.values]
        combine = s.both if isinstance(node.op, ast.And) else s.either
        result = values[0]
        for value in values[1:]:
            result = combine(result, value)
        return result
    if isinstance(node, ast.Compare):
        return _compare(node, s)
    if isinstance(node, ast.Call):
        return s.function(node.func.id, [_walk(a, s) for a in node.args])
    if isinstance(node, ast.List | ast.Tuple):
        return [_walk(e, s) for e in node.elts]
    raise ExpressionError(f"unsupported expression part {type(node).__name__}")


def _compare(node: ast.Compare, s: Semantics) -> Any:
    result = None
    left = _walk(node.left, s)
    for op, comparator in zip(node.ops, node.comparators, strict=True):
        right = _walk(comparator, s)
        if isinstance(op, ast.In | ast.NotIn):
            if not isinstance(right, list):
                raise ExpressionError("`in` needs a list, e.g. status in ['won', 'lost']")
            test = s.member(left, right)
            if isinstance(op, ast.NotIn):
                test = s.negate(test)
        else:
            test = _COMPARE[type(op)](left, right)
        result = test if result is None else s.both(result, test)
        left = right
    return result
