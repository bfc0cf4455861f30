"""What every report returns: a few named tables of plain data, with the kind of each column.

One shape for all reports lets the CLI, the web pages, their JSON twins and the CSV/XLSX
exports render any report without knowing which one it is. The kind of a column decides
how it is formatted (a currency amount, a fraction shown as a percentage, a count…).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from cruscotto.engine import Period

# "kpi": a KPI value whose unit is in the row's `unit` column (the executive summary).
ColumnKind = Literal[
    "text", "count", "currency", "percent", "number", "days", "date", "kpi", "factors"
]


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    kind: ColumnKind = "text"


@dataclass(frozen=True)
class Note:
    """What the reader must know to trust a report; `key` names its translations."""

    key: str
    text: str  # in English, with the parameters filled in
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, key: str, template: str, **params: Any) -> Note:
        return cls(key, template.format(**params), params)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "text": self.text, "params": json_value(self.params)}


@dataclass
class ReportTable:
    """One table of a report: its rows in `frame`, its columns described in `columns`."""

    name: str  # a short identifier: the sheet name in XLSX, the table chosen for CSV
    title: str
    columns: list[Column]
    frame: pd.DataFrame

    def __post_init__(self) -> None:
        declared = [c.name for c in self.columns]
        missing = [name for name in declared if name not in self.frame.columns]
        if missing:
            raise ValueError(f"table {self.name}: the data lacks columns {', '.join(missing)}")
        self.frame = self.frame[declared].reset_index(drop=True)

    def records(self) -> list[dict[str, Any]]:
        """The rows as JSON-ready dictionaries (None for missing values, ISO dates)."""
        return [
            {c.name: json_value(typed_cell(row[c.name], c.kind)) for c in self.columns}
            for row in self.frame.to_dict("records")
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "columns": [{"name": c.name, "label": c.label, "kind": c.kind} for c in self.columns],
            "rows": self.records(),
        }


@dataclass
class Report:
    name: str
    title: str
    period: Period
    currency: str  # the base currency every amount is expressed in
    tables: list[ReportTable]
    notes: list[Note] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)  # headline numbers
    filters: dict[str, list[str]] = field(default_factory=dict)

    def table(self, name: str) -> ReportTable:
        for table in self.tables:
            if table.name == name:
                return table
        known = ", ".join(t.name for t in self.tables)
        raise KeyError(f"report {self.name} has no table {name!r}; its tables are: {known}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "report": self.name,
            "title": self.title,
            "period": self.period.label,
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
            "currency": self.currency,
            "filters": self.filters,
            "notes": [n.to_dict() for n in self.notes],
            "facts": {key: json_value(value) for key, value in self.facts.items()},
            "tables": [t.to_dict() for t in self.tables],
        }


def typed_cell(value: Any, kind: str) -> Any:
    # A date column read back from a database may arrive as a midnight timestamp.
    if kind == "date" and isinstance(value, dt.datetime):
        return value.date()
    if kind == "factors":  # stored as JSON text: [{feature, label, value, effect}, …]
        return json.loads(value) if isinstance(value, str) else []
    return value


def factors_text(factors: list[dict]) -> str:
    """The factors of a deal in plain English, for CSV and XLSX: "Demos: 2 (+8 pts); …"."""
    parts = []
    for factor in factors:
        value = factor.get("value")
        shown = f"{value:,.0f}" if isinstance(value, int | float) else str(value)
        parts.append(f"{factor['label']}: {shown} ({factor['effect'] * 100:+.0f} pts)")
    return "; ".join(parts)


def local_dates(utc_timestamps: pd.Series, tz) -> pd.Series:
    """Calendar days in the company's time zone of naive UTC timestamps (for display)."""
    stamps = pd.to_datetime(utc_timestamps)
    return stamps.dt.tz_localize("UTC").dt.tz_convert(tz).dt.date


def json_value(value: Any) -> Any:
    """A value JSON can carry: None for NaN/NaT, ISO text for dates, Python numbers."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool | str):
        return value
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value
