"""Renders docs/data-model.md from the declarations, so the page cannot drift from the code."""

from __future__ import annotations

from cruscotto.model.declaration import Column, Table
from cruscotto.model.tables import TABLES

HEADER = """# Data model

Generated from `src/cruscotto/model/tables.py` by `cruscotto db docs`; do not edit by hand.

Timestamps are stored in UTC and reported in the company's time zone. Amounts are stored
in the record's own currency and converted to the base currency with `fx_rates`.
"""


def _constraints(column: Column) -> str:
    parts = []
    if column.references:
        parts.append(f"→ `{column.references}`")
    if column.allowed:
        parts.append("one of " + ", ".join(f"`{v}`" for v in column.allowed))
    if column.minimum is not None:
        parts.append(f"≥ {column.minimum:g}")
    if column.maximum is not None:
        parts.append(f"≤ {column.maximum:g}")
    return "; ".join(parts)


def _table_section(table: Table) -> str:
    lines = [f"## `{table.name}`", "", table.description, ""]
    lines.append(f"Key: {', '.join(f'`{k}`' for k in table.primary_key)}")
    if table.temporal_order:
        order = ", ".join(f"`{a}` ≤ `{b}`" for a, b in table.temporal_order)
        lines.append(f"  \nOrder: {order}")
    lines += [
        "",
        "| column | type | required | constraints | description |",
        "|---|---|---|---|---|",
    ]
    for c in table.columns:
        required = "yes" if not c.nullable else ""
        lines.append(
            f"| `{c.name}` | {c.type} | {required} | {_constraints(c)} | {c.description} |"
        )
    return "\n".join(lines)


def render() -> str:
    return "\n\n".join([HEADER.rstrip(), *(_table_section(t) for t in TABLES)]) + "\n"
