"""The records behind a number as a manager reads them: names, not ids.

A page of records from the engine holds ids (`account_id A00004185`, `owner_id R00000035`)
and raw codes. This module adds, for the ids on that page only, the names people know
(`names_of`), decides which columns come first (`column_order`) and turns the JSON page
into header and cell texts in the user's language (`present`). The ids stay in the JSON
and in exports; on the page they are the tooltip of the name.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from cruscotto.reports.csv_dialect import DEFAULT_DIGITS, DIGITS
from cruscotto.web.i18n import Formatter
from cruscotto.web.values import VALUE_KINDS, ValueText

# id column → (table, key column, name column) it is named from.
NAMED_IDS = {
    "account_id": ("accounts", "account_id", "name"),
    "owner_id": ("reps", "rep_id", "name"),
    "rep_id": ("reps", "rep_id", "name"),
    "agent_id": ("reps", "rep_id", "name"),
    "person_id": ("reps", "rep_id", "name"),
    "assignee_id": ("reps", "rep_id", "name"),
    "campaign_id": ("campaigns", "campaign_id", "name"),
}
# The columns a manager looks at first, in this order; the others are behind a toggle.
FIRST_COLUMNS = (
    "name",
    "account_id",
    "owner_id",
    "rep_id",
    "agent_id",
    "person_id",
    "assignee_id",
    "campaign_id",
    "product",
    "amount",
    "spend",
    "mrr",
    "was",
    "now",
    "status",
    "stage",
    "lost_reason",
    "cancel_reason",
    "closed_at",
    "channel",
    "type",
    "kind",
    "score",
    "priority",
    "category",
    "created_at",
    "opened_at",
    "occurred_at",
    "responded_at",
    "issued_at",
    "worked_on",
    "resolved_at",
    "due_at",
    "completed_at",
    "hours",
    "billable",
    "measured_value",
    "counted_in_numerator",
    "sla_met",
    "on_time",
    "hit",
    "days_in_stage",
    "touches",
    "since",
    "engagement",
    "satisfaction",
    "service",
    "contract",
    "outcome",
    "team",
    "period",
)
SHOWN_FIRST = 9
# Amount columns written in the record's own currency (its `currency` column).
MONEY_COLUMNS = ("amount", "spend", "mrr", "direct_cost")
# Above this many ids, their names are read from the whole table rather than looked up.
WHOLE_TABLE_ABOVE = 2_000
# Columns that only carry the engine's working (a conversion's rate and day).
INTERNAL_PREFIX = "fx__"


def names_of(kpis, frame: pd.DataFrame) -> dict[str, dict[str, str]]:
    """{id column: {id: name}} for the named ids in `frame` (one small query per column)."""
    names: dict[str, dict[str, str]] = {}
    tables: dict[tuple[str, str, str], set[str]] = {}
    for column in frame.columns:
        if column in NAMED_IDS:
            ids = {str(v) for v in frame[column].dropna().unique()}
            tables.setdefault(NAMED_IDS[column], set()).update(ids)
    looked_up: dict[tuple[str, str, str], dict[str, str]] = {}
    for (table_name, key, name), ids in tables.items():
        if not ids:
            looked_up[(table_name, key, name)] = {}
            continue
        table = kpis.table(table_name)
        if len(ids) > WHOLE_TABLE_ABOVE:  # an export: one scan beats a huge IN list
            table = table.filter(table[key].notnull())
        else:
            table = table.filter(table[key].cast("string").isin(sorted(ids)))
        query = table.select(key=table[key].cast("string"), name=table[name].cast("string"))
        found = kpis.execute(query)
        looked_up[(table_name, key, name)] = {
            str(k): str(n) for k, n in zip(found["key"], found["name"], strict=True) if n
        }
    for column in frame.columns:
        if column in NAMED_IDS:
            ids = {str(v) for v in frame[column].dropna().unique()}
            known = looked_up[NAMED_IDS[column]]
            names[column] = {i: known[i] for i in ids if i in known}
    return names


def column_order(columns: Iterable[str]) -> tuple[list[str], list[str]]:
    """(shown first, behind the toggle): the record's key and internal columns go last."""
    columns = [c for c in columns if not c.startswith(INTERNAL_PREFIX)]
    key = columns[0] if columns else None
    ranked = [c for c in FIRST_COLUMNS if c in columns and (c != key or c in NAMED_IDS)]
    first = ranked[:SHOWN_FIRST]
    return first, [c for c in columns if c not in first]


@dataclass(frozen=True)
class Cell:
    text: str
    title: str = ""  # the id behind a name, or the exact value
    numeric: bool = False


def present(records: dict, fmt: Formatter, *, all_columns: bool = False) -> dict:
    """Headers and cell texts for a page of records (see routes/kpi.py's `records`)."""
    values = ValueText(fmt.language)
    columns = records["columns"]
    first, rest = column_order(columns)
    shown = first + (rest if all_columns else [])
    index = {c: i for i, c in enumerate(columns)}
    names = records.get("names", {})
    currency_at = index.get("currency")
    rows = []
    for row in records["rows"]:
        currency = row[currency_at] if currency_at is not None else None
        key = row[0] if row else None
        cells = [_cell(c, row[index[c]], names, values, fmt, currency) for c in shown]
        rows.append({"key": key, "cells": cells})
    return {
        "columns": [
            {"name": c, "label": values.header(c), "sortable": c not in NAMED_IDS} for c in shown
        ],
        "rows": rows,
        "hidden": 0 if all_columns else len(rest),
    }


def _cell(column, value, names, values: ValueText, fmt: Formatter, currency) -> Cell:
    if value is None:
        return Cell("")
    if column in NAMED_IDS:
        name = names.get(column, {}).get(str(value))
        return Cell(name or str(value), title=str(value))
    if isinstance(value, bool):
        return Cell(values.value(column, value))
    if isinstance(value, int | float):
        if column in MONEY_COLUMNS and currency:
            return Cell(fmt.money_in(value, currency), numeric=True)
        digits = 0 if float(value).is_integer() else 2
        return Cell(fmt.number(value, digits), title=str(value), numeric=True)
    if isinstance(value, str) and _looks_like_time(value):
        return Cell(fmt.when(value), title=value)
    return Cell(values.value(column, value))


def _looks_like_time(text: str) -> bool:
    # Records carry dates as "2026-11-30" and instants as "2026-11-30 14:05" (company zone).
    if len(text) not in (10, 16) or text[4:5] != "-" or text[7:8] != "-":
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def csv_table(
    frame: pd.DataFrame, names: dict[str, dict[str, str]], values: ValueText, unit: str
) -> tuple[list[str], Iterable[list], list[int | None]]:
    """(header, rows, digits) of an export: every column, headers in the language, each
    named id followed by its name (ids are for exports, names for people), codes
    (statuses, channels, reasons…) and yes/no in the language, measured values rounded to
    the KPI unit's precision and amounts to the cent."""
    columns = [c for c in frame.columns if not c.startswith(INTERNAL_PREFIX)]
    header: list[str] = []
    digits: list[int | None] = []
    for column in columns:
        if column in NAMED_IDS:
            header += [
                values.t("records.id_of", column=values.header(column)),
                values.header(column),
            ]
            digits += [None, None]
        else:
            header.append(values.header(column))
            digits.append(_digits(column, unit))

    def rows():
        for record in frame[columns].itertuples(index=False):
            row: list = []
            for column, value in zip(columns, record, strict=True):
                value = _plain(value)
                row.append(_worded(column, value, values))
                if column in NAMED_IDS:
                    row.append(names.get(column, {}).get(str(value)) if value is not None else None)
            yield row

    return header, rows(), digits


def _worded(column: str, value, values: ValueText):
    """A yes/no or a code of a known kind as the reader reads it; anything else as it is
    (names, ids, numbers, dates: the export keeps them exact)."""
    if isinstance(value, bool) or (isinstance(value, str) and column in VALUE_KINDS):
        return values.value(column, value)
    return value


def _digits(column: str, unit: str) -> int | None:
    if column in MONEY_COLUMNS or column == "amount_in_base":
        return DIGITS["currency"]
    if column == "measured_value":
        return DIGITS.get(unit, DEFAULT_DIGITS) if unit != "percent" else 4
    return None


def _plain(value):
    """A CSV-friendly scalar: None for NaN/NaT, Python numbers instead of numpy's."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if not isinstance(value, str | bool) and pd.isna(value):
        return None
    return value.item() if hasattr(value, "item") else value
