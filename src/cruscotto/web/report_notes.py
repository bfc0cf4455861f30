"""A report's notes in the reader's language, with every parameter as people read it.

Reports (cruscotto.reports) write their notes in English with plain parameters: period
labels ("2026-03"), ISO days, KPI ids, dimension codes. The page, its PDF and the JSON
twin's `said` put them in the reader's words: "marzo 2026", "1 apr 2026", the KPI's name,
"commerciale". A parameter not named here is a number (formatted) or text left as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cruscotto.catalog import Catalog
from cruscotto.web.access import Access

PERIODS = ("first", "last", "quarter", "period")
DAYS = ("day",)
COUNTS = ("count", "closed", "days")


def note_texts(notes: list[dict], who: Access, catalog: Catalog) -> list[str]:
    """Each note of a report's JSON (`{key, text, params}`) as the reader reads it."""
    return [note_text(note, who, catalog) for note in notes]


def note_text(note: dict, who: Access, catalog: Catalog) -> str:
    if not note.get("key"):
        return note["text"]
    params = {name: _param(name, value, who, catalog) for name, value in note["params"].items()}
    key = f"report.note.{note['key']}"
    said = who.t(key, **params)
    return note["text"] if said == key else said


def _param(name: str, value: Any, who: Access, catalog: Catalog) -> str:
    words: dict[str, Callable[[Any], str]] = {
        "kpis": lambda ids: ", ".join(_kpi_name(k, who, catalog) for k in ids),
        "kpi": lambda kpi: _kpi_name(kpi, who, catalog),
        "dimensions": lambda dims: ", ".join(who.t(f"dimension.{d}") for d in dims),
    }
    if value is None:
        return "–"
    if name in words:
        return words[name](value)
    if name in PERIODS:
        return who.fmt.period(str(value))
    if name in DAYS:
        return who.fmt.when(str(value))
    if name in COUNTS and isinstance(value, int | float):
        return who.fmt.number(value)
    return str(value)


def _kpi_name(kpi_id: str, who: Access, catalog: Catalog) -> str:
    return who.t.pick(catalog.get(kpi_id).name) if kpi_id in catalog else kpi_id
