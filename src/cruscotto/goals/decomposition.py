"""Why a KPI moved: its change split by the segments of one dimension.

A rate R = Σ nᵢ / Σ dᵢ is the segments' rates rᵢ = nᵢ/dᵢ weighted by their shares of the
denominator wᵢ = dᵢ/D. Between two periods each segment's part of the change splits
(the symmetric, midpoint form — Kitagawa 1955) into

    mix  = (w₁ − w₀) · (r₀ + r₁)/2      more or fewer trials from the segment
    rate = (w₀ + w₁)/2 · (r₁ − r₀)      the segment converting better or worse

and mix + rate = w₁r₁ − w₀r₀, so the effects of all segments sum exactly to R₁ − R₀.
A segment present in one period only takes its one rate for both (no rate effect).
For a count or a sum the change is simply each segment's own change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Effect:
    key: str | None
    mix: float  # 0 for counts and sums
    rate: float  # the segment's own change for counts and sums

    @property
    def total(self) -> float:
        return self.mix + self.rate


@dataclass(frozen=True)
class Decomposition:
    dimension: str
    before: float
    after: float
    effects: tuple[Effect, ...]  # largest |total| first

    @property
    def change(self) -> float:
        return self.after - self.before

    @property
    def top(self) -> Effect | None:
        return self.effects[0] if self.effects else None

    def to_dict(self) -> dict:
        return {
            "dimension": self.dimension,
            "before": self.before,
            "after": self.after,
            "change": self.change,
            "effects": [
                {"key": e.key, "mix": e.mix, "rate": e.rate, "total": e.total} for e in self.effects
            ],
        }


Fractions = Mapping[str | None, tuple[float, float]]  # segment → (numerator, denominator)


def decompose_rate(dimension: str, before: Fractions, after: Fractions) -> Decomposition | None:
    """Mix and rate effects per segment; None when a period has no denominator at all."""
    total_before = sum(d for _, d in before.values())
    total_after = sum(d for _, d in after.values())
    if total_before <= 0 or total_after <= 0:
        return None
    effects = []
    for key in set(before) | set(after):
        n0, d0 = before.get(key, (0.0, 0.0))
        n1, d1 = after.get(key, (0.0, 0.0))
        r0 = n0 / d0 if d0 else None
        r1 = n1 / d1 if d1 else None
        if r0 is None and r1 is None:
            continue
        r0 = r1 if r0 is None else r0
        r1 = r0 if r1 is None else r1
        w0, w1 = d0 / total_before, d1 / total_after
        effects.append(Effect(key, (w1 - w0) * (r0 + r1) / 2, (w0 + w1) / 2 * (r1 - r0)))
    rate_before = sum(n for n, _ in before.values()) / total_before
    rate_after = sum(n for n, _ in after.values()) / total_after
    return Decomposition(dimension, rate_before, rate_after, _largest_first(effects))


def decompose_sum(
    dimension: str, before: Mapping[str | None, float], after: Mapping[str | None, float]
) -> Decomposition:
    """Each segment's own change of a count or a sum."""
    effects = [
        Effect(key, 0.0, (after.get(key) or 0.0) - (before.get(key) or 0.0))
        for key in set(before) | set(after)
    ]
    return Decomposition(
        dimension,
        sum(v or 0.0 for v in before.values()),
        sum(v or 0.0 for v in after.values()),
        _largest_first(effects),
    )


def _largest_first(effects: list[Effect]) -> tuple[Effect, ...]:
    return tuple(sorted(effects, key=lambda e: (-abs(e.total), str(e.key))))
