"""Roll-up: do the child goals (reps) add up to their parent (the team)?

Only counts and sums add up; for a rate or an average the children's targets are not
summed (a team's win rate is not the sum of its reps'), and the check says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from cruscotto.engine import ADDITIVE
from cruscotto.goals.model import Goal

# Children within this fraction of the parent's target are taken as adding up (rounding).
TOLERANCE = 0.005


@dataclass(frozen=True)
class RollUp:
    parent: Goal
    children: tuple[Goal, ...]
    additive: bool

    @property
    def children_total(self) -> float | None:
        return sum(c.target for c in self.children) if self.additive else None

    @property
    def difference(self) -> float | None:
        """Children's total minus the parent's target (positive: they promise more)."""
        total = self.children_total
        return None if total is None else total - self.parent.target

    @property
    def verdict(self) -> str:
        if not self.children:
            return "no_children"
        if not self.additive:
            return "not_additive"
        if abs(self.difference) <= abs(self.parent.target) * TOLERANCE:
            return "adds_up"
        return "over" if self.difference > 0 else "short"

    def to_dict(self) -> dict:
        return {
            "parent_id": self.parent.id,
            "parent_target": self.parent.target,
            "children": [c.id for c in self.children],
            "children_total": self.children_total,
            "difference": self.difference,
            "verdict": self.verdict,
        }


def roll_up(parent: Goal, goals: list[Goal], kind: str) -> RollUp:
    """The check of `parent` against the goals among `goals` that name it as parent."""
    children = tuple(g for g in goals if g.parent_id == parent.id)
    return RollUp(parent, children, kind in ADDITIVE)
