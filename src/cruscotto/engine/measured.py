"""What a KPI function returns, and the registry of KPI functions by id.

A function computes one KPI for a `KpiScope` and returns a `Measured`; the engine adds
the KPI id, period, unit and status to make the public `KpiResult`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ibis.expr.types as ir

from cruscotto.engine.kpi_scope import KpiScope

Z_95 = 1.959963984540054


@dataclass
class Measured:
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    sample_size: int | None = None
    details: dict[str, Any] = field(default_factory=dict)
    # A cohort whose outcomes are still coming in: shown as maturing, not as final.
    maturing: bool = False


KpiFunction = Callable[[KpiScope], Measured]
RecordsFunction = Callable[[KpiScope], ir.Table]
KPI_FUNCTIONS: dict[str, KpiFunction] = {}
RECORDS: dict[str, RecordsFunction] = {}
# A faster trend: every consecutive sub-period [start, end) at once, in order.
TrendFunction = Callable[[KpiScope, list[tuple[Any, Any]]], list[Measured]]
TRENDS: dict[str, TrendFunction] = {}
# A faster breakdown: for a scope broken down `by` a dimension, {group: Measured} of every
# value of it at once (groups without records may be left out).
GroupedFunction = Callable[[KpiScope], dict[Any, Measured]]
GROUPED: dict[str, GroupedFunction] = {}


def computes(
    kpi_id: str,
    records: RecordsFunction | None = None,
    trend: TrendFunction | None = None,
    grouped: GroupedFunction | None = None,
) -> Callable[[KpiFunction], KpiFunction]:
    """Register the decorated function as the computation of KPI `kpi_id`, and `records`
    as the list of records behind its value (the drill-down). `trend` and `grouped` are
    the same computation for many sub-periods or many groups in one query."""

    def register(function: KpiFunction) -> KpiFunction:
        if kpi_id in KPI_FUNCTIONS:
            raise ValueError(f"KPI {kpi_id!r} has two functions")
        KPI_FUNCTIONS[kpi_id] = function
        if records is not None:
            RECORDS[kpi_id] = records
        if trend is not None:
            TRENDS[kpi_id] = trend
        if grouped is not None:
            GROUPED[kpi_id] = grouped
        return function

    return register


def divide(numerator: float | None, denominator: float | None) -> float | None:
    """numerator ÷ denominator, or None when it is undefined (no data, zero denominator)."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def wilson(successes: float, trials: float, z: float = Z_95) -> tuple[float, float] | None:
    """95 % Wilson score interval of a proportion (Wilson 1927); None without trials."""
    if not trials:
        return None
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def rate(successes: float | None, trials: float | None, **details: Any) -> Measured:
    """A proportion with its sample and Wilson interval; value None with no trials."""
    successes, trials = float(successes or 0), float(trials or 0)
    interval = wilson(successes, trials)
    return Measured(
        value=divide(successes, trials),
        numerator=successes,
        denominator=trials,
        ci_low=interval[0] if interval else None,
        ci_high=interval[1] if interval else None,
        sample_size=int(trials),
        details=details,
    )


def as_float(value: Any) -> float | None:
    return None if value is None else float(value)
