"""The small expression language of mapping files, evaluated on whole columns.

A mapping may compute a canonical column instead of copying one:

    name: concat(col("First Name"), " ", col("Last Name"))
    closed_at: when(col("Deal Stage") in ("Closed Won", "Closed Lost"), col("Close Date"), "")
    amount: number(col("Value in cents")) / 100

The text is parsed with Python's `ast` and only the nodes below are accepted: string and
number literals, tuples of literals, `col()` and the functions in `FUNCTIONS`, `+ - * /`,
comparisons (`==`, `!=`, `in`, `not in`; text compares trimmed and case-insensitive) and
`and`/`or`/`not`. Nothing is ever passed to `eval`, so a mapping file cannot run code.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable

import numpy as np
import pandas as pd

from cruscotto.bounded_ast import TooComplex, parse_expression
from cruscotto.ingest.parsing import DateReading, Decimal, as_text, to_number, to_timestamp


class ExpressionError(ValueError):
    """An expression that is not valid in the mapping language."""


Value = pd.Series | str | float | int | tuple


def per_distinct(text: pd.Series, function: Callable[[str], str]) -> pd.Series:
    """Apply a Python function once per distinct value (exports repeat values a lot)."""
    codes, values = pd.factorize(text)
    results = pd.array([function(v) for v in values], dtype="str")
    if not len(values):
        return pd.Series("", index=text.index, dtype="str")
    return pd.Series(results.take(codes, allow_fill=True, fill_value=""), index=text.index)


def _part(value: str, separator: str, index: int) -> str:
    parts = value.split(separator)
    return parts[index].strip() if -len(parts) <= index < len(parts) else ""


class _Evaluator:
    def __init__(
        self, frame: pd.DataFrame, decimal: Decimal | None, dates: DateReading | None = None
    ) -> None:
        self.frame = frame
        self.decimal = decimal
        self.dates = dates or DateReading()
        self.index = frame.index
        self.columns_used: list[str] = []
        self.functions: dict[str, Callable[..., Value]] = {
            "col": self._col,
            "concat": lambda *parts: self._concat(parts),
            "coalesce": lambda *parts: self._coalesce(parts),
            "lower": lambda s: self.text(s).str.lower(),
            "upper": lambda s: self.text(s).str.upper(),
            "trim": lambda s: self.text(s).str.strip(),
            "replace": lambda s, old, new: self.text(s).str.replace(
                str(old), str(new), regex=False
            ),
            "left": lambda s, n: self.text(s).str.slice(0, int(n)),
            "split": lambda s, sep, i: per_distinct(
                self.text(s), lambda v: _part(v, str(sep), int(i))
            ),
            "number": self._number,
            "when": self._when,
            "date": self._date,
            "add_days": lambda d, n: self._date(d) + pd.to_timedelta(self._count(n), unit="D"),
            "add_months": self._add_months,
            "days_between": lambda a, b: self._days(self._date(b) - self._date(a)),
        }

    def text(self, value: Value) -> pd.Series:
        return as_text(value, self.index)

    def _col(self, name: Value) -> pd.Series:
        if not isinstance(name, str):
            raise ExpressionError("col() takes the header of a column, in quotes")
        if name not in self.frame.columns:
            # The importer has already refused files missing a column a required value
            # needs; an optional one that is absent reads as empty.
            return pd.Series("", index=self.index, dtype="str")
        self.columns_used.append(name)
        return self.frame[name]

    def _concat(self, parts: tuple[Value, ...]) -> pd.Series:
        out = pd.Series("", index=self.index, dtype="str")
        for part in parts:
            out = out + self.text(part)
        return out

    def _coalesce(self, parts: tuple[Value, ...]) -> pd.Series:
        out = pd.Series("", index=self.index, dtype="str")
        for part in parts:
            text = self.text(part)
            out = out.where(out.str.strip() != "", text)
        return out

    def _number(self, value: Value) -> pd.Series:
        series = value if isinstance(value, pd.Series) else self.text(value)
        numbers, _bad, _currency = to_number(series, self.decimal)
        return numbers

    # -- dates: columns of naive wall times (the mapping's time zone applies on loading) --

    def _date(self, value: Value) -> pd.Series:
        """A date/time column from text read as the mapping reads dates (its order,
        formats, serial days), or from a date already computed."""
        series = value if isinstance(value, pd.Series) else self.text(value)
        if pd.api.types.is_datetime64_any_dtype(series):
            return series
        stamps, _bad = to_timestamp(
            series, order=self.dates.order, formats=self.dates.formats, serial=self.dates.serial
        )
        return stamps

    def _count(self, value: Value) -> pd.Series:
        """A whole number of days or months per row (text read as a number)."""
        if isinstance(value, pd.Series) and value.dtype == "float64":
            numbers = value
        elif isinstance(value, int | float):
            numbers = pd.Series(float(value), index=self.index)
        else:
            numbers = self._number(value)
        if (numbers.dropna() % 1 != 0).any():
            raise ExpressionError("add_days/add_months need whole numbers")
        return numbers

    def _add_months(self, value: Value, months: Value) -> pd.Series:
        """The same day `months` later (earlier if negative); the 31st becomes the last day
        of a shorter month, as a contract's monthly anniversary does."""
        stamps, count = self._date(value), self._count(months)
        ok = stamps.notna() & count.notna()
        out = pd.Series(pd.NaT, index=self.index, dtype="datetime64[us]")
        if not ok.any():
            return out
        s, n = stamps[ok], count[ok].astype("int64")
        total = s.dt.year * 12 + (s.dt.month - 1) + n
        first = pd.to_datetime(
            pd.DataFrame({"year": total // 12, "month": total % 12 + 1, "day": 1})
        )
        day = np.minimum(s.dt.day, first.dt.days_in_month)
        out[ok] = (first + pd.to_timedelta(day - 1, unit="D") + (s - s.dt.normalize())).astype(
            "datetime64[us]"
        )
        return out

    def _days(self, difference: pd.Series) -> pd.Series:
        return (difference.dt.total_seconds() / 86400).astype("float64")

    def _when(self, condition: Value, then: Value, otherwise: Value = "") -> pd.Series:
        if not isinstance(condition, pd.Series) or condition.dtype != bool:
            raise ExpressionError("when() needs a comparison as its first argument")
        if isinstance(then, pd.Series) and then.dtype == "float64":
            other = otherwise if isinstance(otherwise, pd.Series) else float("nan")
            return then.where(condition, other)
        return self.text(then).where(condition, self.text(otherwise))

    # -- the tree walk -----------------------------------------------------------------

    def eval(self, node: ast.AST) -> Value:
        match node:
            case ast.Expression(body=body):
                return self.eval(body)
            case ast.Constant(value=value) if isinstance(value, str | int | float) and not (
                isinstance(value, bool)
            ):
                return value
            case ast.Tuple(elts=elts) | ast.List(elts=elts):
                return tuple(self.eval(e) for e in elts)
            case ast.Call(func=ast.Name(id=name), args=args, keywords=[]) if name in self.functions:
                return self.functions[name](*(self.eval(a) for a in args))
            case ast.BinOp(left=left, op=op, right=right):
                return self._arithmetic(op, self.eval(left), self.eval(right))
            case ast.UnaryOp(op=ast.USub(), operand=operand):
                return self._arithmetic(ast.Sub(), 0, self.eval(operand))
            case ast.UnaryOp(op=ast.Not(), operand=operand):
                return ~self._bool(self.eval(operand))
            case ast.BoolOp(op=op, values=values):
                parts = [self._bool(self.eval(v)) for v in values]
                out = parts[0]
                for p in parts[1:]:
                    out = (out & p) if isinstance(op, ast.And) else (out | p)
                return out
            case ast.Compare(left=left, ops=[op], comparators=[right]):
                return self._compare(op, self.eval(left), self.eval(right))
        raise ExpressionError(f"not allowed in a mapping expression: {ast.unparse(node)!r}")

    def _bool(self, value: Value) -> pd.Series:
        if isinstance(value, pd.Series) and value.dtype == bool:
            return value
        raise ExpressionError("and/or/not need comparisons")

    def _arithmetic(self, op: ast.operator, left: Value, right: Value) -> Value:
        ops = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}
        ops[ast.Div] = operator.truediv
        function = ops.get(type(op))
        if function is None:
            raise ExpressionError("only + - * / are allowed")
        if _is_date(left) and _is_date(right) and isinstance(op, ast.Sub):
            return self._days(left - right)  # a difference of dates is in days
        if _is_date(left) or _is_date(right):
            raise ExpressionError("dates move with add_days/add_months; two dates subtract to days")
        if isinstance(op, ast.Add) and (_is_text(left) or _is_text(right)):
            return self.text(left) + self.text(right)
        return function(left, right)

    def _compare(self, op: ast.cmpop, left: Value, right: Value) -> pd.Series:
        def fold(v: Value) -> Value:
            if isinstance(v, tuple):
                return tuple(str(x).strip().lower() for x in v)
            return self.text(v).str.strip().str.lower()

        a, b = fold(left), fold(right)
        if isinstance(op, ast.In | ast.NotIn):
            if not isinstance(b, tuple):
                raise ExpressionError('`in` needs a list of values: x in ("a", "b")')
            result = a.isin(list(b))
            return result if isinstance(op, ast.In) else ~result
        if isinstance(op, ast.Eq | ast.NotEq) and isinstance(b, pd.Series):
            result = a == b
            return result.astype(bool) if isinstance(op, ast.Eq) else ~result.astype(bool)
        raise ExpressionError("comparisons allowed: ==, !=, in, not in")


def _is_date(value: Value) -> bool:
    return isinstance(value, pd.Series) and pd.api.types.is_datetime64_any_dtype(value)


def _is_text(value: Value) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, pd.Series) and value.dtype != "float64" and not _is_date(value)


FUNCTION_NAMES = frozenset(
    {"col", "concat", "coalesce", "lower", "upper", "trim", "replace", "left", "split"}
    | {"number", "when", "date", "add_days", "add_months", "days_between"}
)
_ALLOWED_NODES = (
    ast.Expression,
    ast.Constant,
    ast.Tuple,
    ast.List,
    ast.Call,
    ast.Name,
    ast.Load,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.UnaryOp,
    ast.USub,
    ast.Not,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.In,
    ast.NotIn,
)


def parse(text: str) -> ast.Expression:
    """The syntax tree of an expression, refused unless every node is in the language."""
    try:
        tree = parse_expression(text)
    except TooComplex as exc:
        raise ExpressionError(f"cannot use expression {text[:60]!r}…: {exc}") from None
    except SyntaxError as exc:
        raise ExpressionError(f"cannot parse expression {text!r}: {exc.msg}") from exc
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise ExpressionError(f"not allowed in a mapping expression: {ast.unparse(node)!r}")
        if isinstance(node, ast.Name) and node.id not in FUNCTION_NAMES:
            raise ExpressionError(f'unknown name {node.id!r}; columns are read with col("…")')
        if isinstance(node, ast.Call) and (not isinstance(node.func, ast.Name) or node.keywords):
            raise ExpressionError(f"not allowed in a mapping expression: {ast.unparse(node)!r}")
    return tree


def evaluate(
    text: str,
    frame: pd.DataFrame,
    decimal: Decimal | None = None,
    dates: DateReading | None = None,
) -> pd.Series:
    """The column an expression computes over `frame` (the cells of one file)."""
    result = _Evaluator(frame, decimal, dates).eval(parse(text))
    if isinstance(result, pd.Series):
        return result
    if isinstance(result, tuple):
        raise ExpressionError(f"{text!r} gives a list, not a column")
    return pd.Series([result] * len(frame), index=frame.index, dtype=object)


def columns_used(text: str) -> list[str]:
    """The headers an expression reads, for checking a file has them before evaluating."""
    names = []
    for node in ast.walk(parse(text)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "col"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.append(str(node.args[0].value))
    return names
