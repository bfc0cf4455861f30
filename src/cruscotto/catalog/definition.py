"""The shape of a KPI declaration: what it means (for people) and how it is measured (types).

A KPI is one of a closed set of types; the engine implements the types, not the KPIs:

* `count`, `sum`, `mean`, `median` — one measure aggregated over the records dated in the period
* `duration` — the mean time between two timestamps of a record (median in details)
* `ratio` — one measure over another; `proportion: true` makes it a rate with a Wilson interval
* `conversion` — a cohort rate: of the records dated in the period, those converted so far
* `snapshot` — a measure over the records active at the end of the period (pipeline, MRR)
* `derived` — arithmetic over other KPIs' values
* `function` — a named Python computation, for the few KPIs no declaration can express
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LANGUAGES = ("en", "it", "pt")
AREAS = ("acquisition", "sales", "customer", "operations", "marketing", "profitability")
DASHBOARD_AREAS = ("sales", "customer", "operations", "profitability")
UNITS = (
    "percent",
    "count",
    "currency",
    "hours",
    "days",
    "ratio",
    "score",
    "currency_per_day",
    "units_per_hour",
)
DIRECTIONS = ("higher", "lower")
FREQUENCIES = ("daily", "weekly", "monthly", "quarterly")
DIMENSIONS = (
    "rep",
    "team",
    "channel",
    "campaign",
    "segment",
    "industry",
    "size_band",
    "country",
    "pipeline",
    "stage",
    "product",
    "priority",
    "category",
    "project",
)
AGGREGATIONS = ("count", "count_distinct", "sum", "mean", "median", "min", "max")
KPI_TYPES = (
    "count",
    "sum",
    "mean",
    "median",
    "duration",
    "ratio",
    "conversion",
    "snapshot",
    "derived",
    "function",
)


@dataclass(frozen=True)
class Measure:
    """An aggregation over the records of one canonical table.

    `date` is the column that places a record in a period (a timestamp is cut in the
    company's time zone, a date is taken as it is). `where` and `expr` are row expressions
    (see catalog.expression). With `money`, `expr` is an amount in the record's `currency`
    and is converted to the base currency at the rate of the record's day.
    """

    source: str
    date: str | None
    agg: str = "count"
    expr: str | None = None
    where: str | None = None
    money: bool = False


@dataclass(frozen=True)
class Simple:
    measure: Measure


@dataclass(frozen=True)
class Ratio:
    numerator: Measure
    denominator: Measure
    proportion: bool = False  # numerator ⊆ denominator: a rate with a Wilson interval
    # Cohort rates: the cohort is still maturing until `maturity_days` after the period ends.
    maturity_days: int | None = None


@dataclass(frozen=True)
class Snapshot:
    """`measure` over the records for which `active` holds at the end of the period.

    In `active`, the name `at` is the snapshot moment: the last day of the period when
    `at_kind` is "day", the instant the period ends when it is "instant".
    """

    measure: Measure
    active: str
    at_kind: str = "instant"


@dataclass(frozen=True)
class Derived:
    """Arithmetic over named inputs: its own `inputs`, else other KPIs by id."""

    expression: str
    inputs: dict[str, Computation] = field(default_factory=dict)


@dataclass(frozen=True)
class Function:
    name: str
    params: dict[str, Any] = field(default_factory=dict)


Computation = Simple | Ratio | Snapshot | Derived | Function


@dataclass
class Benchmark:
    low: float | None
    high: float | None
    source: str


@dataclass
class KpiDefinition:
    id: str
    area: str
    dashboard_area: str
    name: dict[str, str]
    description: dict[str, str]
    formula: dict[str, str]
    unit: str
    direction: str
    sources: list[str]
    frequency: str
    dimensions: list[str]
    target: float | None
    benchmark: Benchmark | None
    is_rate: bool
    type: str = "count"
    computation: Computation | None = None
    details: dict[str, Computation] = field(default_factory=dict)
    custom: bool = False  # declared by the company in cruscotto.yaml

    def text(self, field_name: str, language: str = "en") -> str:
        texts: dict[str, str] = getattr(self, field_name)
        return texts.get(language) or texts["en"]
