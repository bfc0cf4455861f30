"""What the engine answers: a KPI's value for a period, with what stands behind it.

Two shapes, one home: `Measured` is what every KPI type (declared or function) gives
per group key inside a question (`Results`), and `KpiResult` the public answer, with
the KPI id, period, unit, interval and status added.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from cruscotto.engine.question.period import Period


@dataclass
class Measured:
    """A KPI's value for one group of a question (the period, one sub-period of a trend,
    one value of a breakdown), as every KPI type computes it: declared measures and KPI
    functions alike. The engine adds the KPI id, period, unit, interval and status."""

    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    sample_size: int | None = None
    details: dict[str, Any] = field(default_factory=dict)
    # A cohort whose outcomes are still coming in: shown as maturing, not as final.
    maturing: bool = False
    # A function's own interval of its value, for its details; the answer's interval is
    # the engine's (the Wilson interval of numerator ÷ denominator for a rate KPI).
    ci_low: float | None = None
    ci_high: float | None = None


# {group key: Measured}: TOTAL, a sub-period's index, or a value of the dimension.
Results = dict[Any, Measured]


@dataclass
class KpiResult:
    kpi_id: str
    period: Period
    value: float | None  # None when undefined (zero denominator, no data)
    unit: str
    numerator: float | None = None
    denominator: float | None = None
    ci_low: float | None = None  # 95% Wilson interval, same scale as value
    ci_high: float | None = None
    sample_size: int | None = None
    maturing: bool = False
    status: str | None = None  # on_target | at_risk | off_target | None
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: plain floats (no NaN), the period as its label and its bounds."""
        return {
            "id": self.kpi_id,
            "period": self.period.label,
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
            "value": clean_number(self.value),
            "unit": self.unit,
            "numerator": clean_number(self.numerator),
            "denominator": clean_number(self.denominator),
            "ci_low": clean_number(self.ci_low),
            "ci_high": clean_number(self.ci_high),
            "sample_size": self.sample_size,
            "maturing": self.maturing,
            "status": self.status,
            "details": {key: clean_number(value) for key, value in self.details.items()},
        }


def clean_number(value: Any) -> Any:
    """A float for JSON: NaN and infinities become None, numpy scalars become Python ones."""
    if value is None:
        return None
    if isinstance(value, bool | str):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    if math.isnan(number) or math.isinf(number):
        return None
    if number.is_integer() and isinstance(value, int):
        return int(value)
    return number
