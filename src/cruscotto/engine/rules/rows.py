"""Row expressions of the catalog compiled into Ibis, over a source table and its joins."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import ibis
import ibis.expr.types as ir

from cruscotto.catalog.expression import Semantics, evaluate, parse
from cruscotto.catalog.relations import relations
from cruscotto.model import table as model_table


def joined_name(reference: str) -> str:
    """The column name a `table.column` reference gets in a joined view."""
    return reference.replace(".", "__")


def referenced(texts: Iterable[str | None]) -> set[str]:
    names: set[str] = set()
    for text in texts:
        if text:
            names |= parse(text).names
    return names


def source_view(
    table: Callable[[str], ir.Table],
    source: str,
    references: Iterable[str],
    base: ir.Table | None = None,
) -> ir.Table:
    """`source` (or `base`, derived from it) with related columns joined as `table__column`
    (a chain `accounts.reps.team` as `accounts__reps__team`, through each table in turn).

    `table` gives a canonical table by name (the engine's cached Warehouse.table).
    """
    view = table(source) if base is None else base
    wanted: dict[str, set[str]] = {}
    for reference in references:
        if "." in reference:
            target, column = reference.split(".", 1)
            wanted.setdefault(target, set()).add(column)
    links = relations(source)
    for target, columns in sorted(wanted.items()):
        link = links[target]
        key = f"{target}__{link.target_column}"
        other = source_view(table, target, [c for c in columns if "." in c])
        # The key of a related table is unique, so the left join never multiplies records.
        related = other.select(
            **{key: other[link.target_column]},
            **{
                f"{target}__{joined_name(c)}": other[joined_name(c)]
                for c in sorted(columns)
                if c != link.target_column
            },
        )
        view = view.left_join(related, view[link.local_column] == related[key])
    return view


class RowSemantics(Semantics):
    """Names are columns of `table`; `extra` binds other names (such as `at`)."""

    def __init__(self, table: ir.Table, extra: Mapping[str, Any] | None = None):
        self.table = table
        self.extra = dict(extra or {})

    def name(self, name: str) -> Any:
        if name in self.extra:
            return self.extra[name]
        return self.table[joined_name(name)]

    def constant(self, value: Any) -> Any:
        return ibis.literal(value)

    def divide(self, left: Any, right: Any) -> Any:
        # PostgreSQL raises on x / 0; a record with a zero denominator has no value instead.
        if isinstance(right, ir.NumericValue):
            right = right.nullif(0)
        return left / right

    def function(self, name: str, args: list[Any]) -> Any:
        if name == "isnull":
            return args[0].isnull()
        if name == "notnull":
            return args[0].notnull()
        if name in ("hours", "days"):
            seconds = _seconds(args[1]) - _seconds(args[0])
            return seconds / (3600.0 if name == "hours" else 86400.0)
        if name == "coalesce":
            return ibis.coalesce(*args)
        if name == "least":
            return ibis.least(*args)
        if name == "greatest":
            return ibis.greatest(*args)
        return super().function(name, args)


def _seconds(value: ir.Value) -> ir.NumericValue:
    if value.type().is_date():
        value = value.cast("timestamp")
    return value.epoch_seconds().cast("float64")


def compile_row(text: str, table: ir.Table, extra: Mapping[str, Any] | None = None) -> ir.Value:
    return evaluate(parse(text), RowSemantics(table, extra))


def column_type(source: str, reference: str) -> str:
    """The declared type (date, timestamp, string…) of a column or related column."""
    if "." in reference:
        target, column = reference.split(".", 1)
        return column_type(target, column)
    return model_table(source).column(reference).type
