"""What a KPI function returns, and the arithmetic its results share.

A function computes one KPI for a `KpiScope` and returns a `Measured` (engine/question/result.py);
the engine adds the KPI id, period, unit and status to make the public `KpiResult`. It
is registered with `@computes` in the one registry (engine/functions/registry.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import ibis.expr.types as ir

from cruscotto.engine.functions.kpi_scope import TOTAL, KpiScope, Part
from cruscotto.engine.functions.registry import computes
from cruscotto.engine.question.result import Measured

__all__ = [
    "Z_95",
    "Measured",
    "as_float",
    "computes",
    "computes_summed",
    "divide",
    "known_total",
    "rate",
    "wilson",
]

Z_95 = 1.959963984540054


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


def known_total(total: Any, unknown: Any) -> tuple[float | None, dict[str, int]]:
    """A sum over records some of which may not know their amount: (the sum of the known
    amounts, details). The details say how many were unknown; when every record is
    unknown the sum is None ("no data"), never 0. No records at all is a real 0."""
    unknown = int(unknown or 0)
    details = {"unknown": unknown} if unknown else {}
    if total is None or (isinstance(total, float) and math.isnan(total)):
        return (None if unknown else 0.0), details
    return float(total), details


def computes_summed(
    kpi_id: str,
    records: Callable[[KpiScope, list[Part]], ir.Table],
    column: str,
    aggregates: Mapping[str, Callable[[ir.Table], ir.Scalar]],
    answer: Callable[[dict[str, Any]], Measured],
    listed: Callable[[KpiScope], ir.Table],
    details: Callable[[KpiScope], dict[str, Any]] | None = None,
) -> None:
    """Register KPI `kpi_id` as `answer(row)` of `aggregates` over the records whose
    `column` falls in the period: `records(scope, parts)` describes them once (`parts`:
    the consecutive [start, end) parts a record may need to know, the period alone when
    it is not a trend), and the value, trend and grouped forms all come from it.
    `listed` gives the records behind a value (the drill-down); `details`, more details
    of a period's value (not of a trend's or a breakdown's groups)."""

    def trend(scope: KpiScope, parts: list[Part]) -> list[Measured]:
        rows = scope.per_part(records(scope, parts), column, parts, aggregates)
        return [answer(row) for row in rows]

    def grouped(scope: KpiScope) -> dict[Any, Measured]:
        data = records(scope, [(scope.start, scope.end)])
        return {g: answer(row) for g, row in scope.per_group(data, column, aggregates).items()}

    def value(scope: KpiScope) -> Measured:
        result = grouped(scope)[TOTAL]
        if details is not None and scope.detailed:
            result.details.update(details(scope))
        return result

    value.__qualname__ = value.__name__ = kpi_id
    computes(kpi_id, records=listed, trend=trend, grouped=grouped)(value)
