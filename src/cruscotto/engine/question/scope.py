"""What one computation covers: a period, filters, and how results are grouped.

A KPI's value, trend and breakdown are the same computation grouped three ways: not at
all, by sub-period (a bucket index), or by a dimension's value. Each is one grouped query
per source, never one query per sub-period.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cruscotto.engine.question.period import Period

Filters = Mapping[str, Sequence[str]]

# The key of the single group when nothing is grouped.
TOTAL = None


@dataclass(frozen=True)
class Scope:
    period: Period
    filters: Filters = field(default_factory=dict)
    buckets: tuple[Period, ...] | None = None  # a trend: one group per sub-period
    dimension: str | None = None  # a breakdown: one group per value

    @property
    def grouped(self) -> bool:
        return self.buckets is not None or self.dimension is not None

    def expected_keys(self) -> list:
        """The groups that exist even without data (every sub-period of a trend)."""
        if self.buckets is not None:
            return list(range(len(self.buckets)))
        if self.dimension is not None:
            return []
        return [TOTAL]

    def period_of(self, key) -> Period:
        return self.buckets[key] if self.buckets is not None else self.period
