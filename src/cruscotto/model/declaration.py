"""The building blocks of the canonical data model: a table is a list of typed columns.

Everything that knows about the shape of the data (storage DDL, validation of imports,
the generated reference page) reads these declarations; nothing restates them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import ibis
import ibis.expr.datatypes as dt

ColumnType = Literal["string", "int", "float", "bool", "date", "timestamp"]

# Timestamps are stored in UTC without a zone on the column: every engine agrees on that
# representation, and the company's time zone is applied when a period is computed.
IBIS_TYPES: dict[ColumnType, dt.DataType] = {
    "string": dt.String(),
    "int": dt.Int64(),
    "float": dt.Float64(),
    "bool": dt.Boolean(),
    "date": dt.Date(),
    "timestamp": dt.Timestamp(),
}


@dataclass(frozen=True)
class ForeignKey:
    table: str
    column: str

    def __str__(self) -> str:
        return f"{self.table}.{self.column}"


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    description: str
    nullable: bool = True
    references: ForeignKey | None = None
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None

    @property
    def ibis_type(self) -> dt.DataType:
        return IBIS_TYPES[self.type].copy(nullable=self.nullable)


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    # Pairs (earlier, later) of timestamp/date columns whose order must hold when both are set.
    temporal_order: tuple[tuple[str, str], ...] = ()
    # The column a table is dated by, used for freshness and date ranges.
    date_column: str | None = None
    _by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {c.name: c for c in self.columns})
        if len(self._by_name) != len(self.columns):
            raise ValueError(f"table {self.name}: duplicate column names")
        for name in (*self.primary_key, *(n for pair in self.temporal_order for n in pair)):
            if name not in self._by_name:
                raise ValueError(f"table {self.name}: unknown column {name!r}")

    def column(self, name: str) -> Column:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"table {self.name} has no column {name!r}") from None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def foreign_keys(self) -> list[Column]:
        return [c for c in self.columns if c.references is not None]

    def ibis_schema(self) -> ibis.Schema:
        return ibis.schema({c.name: c.ibis_type for c in self.columns})


_KEY_OF = {"opportunities": "opportunity_id"}


def fk(table: str, column: str | None = None) -> ForeignKey:
    """A reference to another table's key; the key name defaults to `<singular>_id`."""
    return ForeignKey(table, column or _KEY_OF.get(table, f"{table.removesuffix('s')}_id"))
