"""How a canonical table reaches the tables it references (its foreign keys).

A KPI expression may name `accounts.segment` on opportunities: the engine joins the
account through `opportunities.account_id`. The joins come from the model's declared
foreign keys, so they are never restated here.
"""

from __future__ import annotations

from dataclasses import dataclass

from cruscotto.model import table as model_table


@dataclass(frozen=True)
class Relation:
    source: str
    local_column: str
    target: str
    target_column: str


def relations(source: str) -> dict[str, Relation]:
    """The tables `source` references, by table name (one foreign key per target table)."""
    found: dict[str, Relation] = {}
    for column in model_table(source).foreign_keys:
        ref = column.references
        if ref.table in found:
            raise ValueError(f"{source} references {ref.table} twice; the join is ambiguous")
        found[ref.table] = Relation(source, column.name, ref.table, ref.column)
    return found


def has_column(source: str, reference: str) -> bool:
    """True when `reference` exists: a column, `table.column` of a related table, or a
    chain through related tables (`accounts.reps.team`: the team of the account's owner)."""
    if "." not in reference:
        return reference in model_table(source).column_names
    target, column = reference.split(".", 1)
    return target in relations(source) and has_column(target, column)
