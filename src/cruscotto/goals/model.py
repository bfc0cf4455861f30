"""What a goal is: a target for one KPI, in one scope, for one period, with an owner.

A goal is SMART (seed 002): specific (a KPI and a scope), measurable (the engine computes
the KPI), achievable (see `achievability`), relevant (an optional rationale) and
time-bound (a month, a quarter or a fiscal year).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, replace

from cruscotto.engine import Engine, Period, PeriodError
from cruscotto.refusal import Refusal

# The scopes a goal can have besides the whole company (issue 10).
SCOPE_DIMENSIONS = ("team", "rep", "channel", "segment", "pipeline", "product")
GOAL_GRAINS = ("month", "quarter", "year")


class GoalError(Refusal):
    """A goal that cannot be set: unknown KPI, scope the KPI cannot be cut by, bad period."""


@dataclass(frozen=True)
class Scope:
    """The whole company (no dimension) or one value of one dimension."""

    dimension: str | None = None
    value: str | None = None

    @property
    def filters(self) -> dict[str, list[str]]:
        return {self.dimension: [self.value]} if self.dimension else {}

    @property
    def label(self) -> str:
        return f"{self.dimension}={self.value}" if self.dimension else "company"

    @classmethod
    def parse(cls, text: str | None) -> Scope:
        """ "company", "" or None for the company; "dimension=value" otherwise."""
        if not text or text == "company":
            return cls()
        dimension, sep, value = text.partition("=")
        dimension, value = dimension.strip(), value.strip()
        if not sep or not value:
            raise GoalError(f"a scope is written dimension=value (e.g. team=North), not {text!r}")
        if dimension not in SCOPE_DIMENSIONS:
            raise GoalError(
                f"a goal's scope cannot be {dimension!r}; use the company or one of "
                + ", ".join(SCOPE_DIMENSIONS)
            )
        return cls(dimension, value)


@dataclass(frozen=True)
class Goal:
    kpi: str
    scope: Scope
    period: str  # a period label: 2026-11, 2026-Q4, FY2026
    target: float
    owner: str | None = None
    note: str | None = None
    parent_id: str | None = None
    set_by: str | None = None
    set_at: dt.datetime | None = None
    version: int = 0  # 0: a default from cruscotto.yaml, never stored

    @property
    def id(self) -> str:
        return goal_id(self.kpi, self.scope, self.period)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "kpi": self.kpi,
            "scope": self.scope.label,
            "scope_dimension": self.scope.dimension,
            "scope_value": self.scope.value,
            "period": self.period,
            "target": self.target,
            "owner": self.owner,
            "note": self.note,
            "parent_id": self.parent_id,
            "set_by": self.set_by,
            "set_at": self.set_at.isoformat() if self.set_at else None,
            "version": self.version,
        }


def goal_id(kpi: str, scope: Scope, period: str) -> str:
    """A stable id: the same KPI, scope and period are the same goal (a new target is a
    new version of it, and the history keeps the old ones)."""
    key = "|".join([kpi, scope.dimension or "", scope.value or "", period])
    return "g" + hashlib.sha256(key.encode()).hexdigest()[:12]


def goal_period(engine: Engine, text: str) -> Period:
    """A whole month, quarter or (fiscal) year; anything else is refused with a reason."""
    try:
        period = engine.period(text)
    except (PeriodError, ValueError) as exc:
        raise GoalError(str(exc), code="goal_period", period=text) from None
    if period.grain not in GOAL_GRAINS or not period.is_whole:
        raise GoalError(
            f"a goal's period is a month, a quarter or a fiscal year (2026-11, 2026-Q4, "
            f"FY2026), not {text!r}",
            code="goal_period",
            period=text,
        )
    return period


def check_goal(engine: Engine, goal: Goal) -> Goal:
    """The goal with its period label normalised, or GoalError saying what is wrong."""
    if goal.kpi not in engine.catalog:
        raise GoalError(
            f"unknown KPI {goal.kpi!r}; `cruscotto kpi list` shows them", code="kpi", kpi=goal.kpi
        )
    kpi = engine.catalog.get(goal.kpi)
    if goal.scope.dimension and goal.scope.dimension not in kpi.dimensions:
        raise GoalError(
            f"{goal.kpi} cannot be cut by {goal.scope.dimension}; its dimensions are "
            + (", ".join(kpi.dimensions) or "none"),
            code="split",
            dimension=goal.scope.dimension,
        )
    if goal.scope.dimension:
        known = dict(engine.dimension_values(goal.scope.dimension))
        if goal.scope.value not in known:
            raise GoalError(
                f"there is no {goal.scope.dimension} {goal.scope.value!r} in the data",
                code="no_such_value",
                dimension=goal.scope.dimension,
                value=goal.scope.value,
            )
    if goal.target is None or goal.target != goal.target:
        raise GoalError("a goal needs a numeric target", code="target")
    if kpi.unit == "percent" and not 0 <= goal.target <= 1:
        raise GoalError(
            f"{goal.kpi} is a rate: write its target as a fraction (0.25 for 25%), "
            f"not {goal.target}"
        )
    period = goal_period(engine, goal.period)
    return replace(goal, period=period.label)
