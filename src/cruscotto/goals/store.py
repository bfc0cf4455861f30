"""Where goals live: an append-only table of versions, so nothing a user set is ever lost.

Every `set` appends a version (who, when, the target, owner, rationale, parent); the
current goal is the newest version of its id; removing one appends a version marked
removed. Each write is recorded in the audit trail inside the same transaction.
Goals declared in `cruscotto.yaml` (see `config.py`) are defaults: they show until a
user sets the same KPI, scope and period.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime

import pyarrow as pa

from cruscotto import audit
from cruscotto.goals.model import Goal, GoalError, Scope
from cruscotto.model import Column as C
from cruscotto.model import Table
from cruscotto.warehouse import Warehouse, conform

GOALS = Table(
    "goals",
    "One version of a goal: a target for a KPI in a scope and period (the newest wins).",
    (
        C("goal_id", "string", "Stable id of the KPI × scope × period", nullable=False),
        C("version", "int", "1 for the first target set, then 2, 3…", nullable=False),
        C("kpi", "string", "The KPI's id", nullable=False),
        C("scope_dimension", "string", "team, rep, channel…; empty for the whole company"),
        C("scope_value", "string", "The team, rep id, channel… the goal is for"),
        C("period", "string", "2026-11, 2026-Q4 or FY2026", nullable=False),
        C("target", "float", "The value to reach (rates as fractions)"),
        C("owner", "string", "Who answers for the goal"),
        C("note", "string", "Why this target (the rationale)"),
        C("parent_id", "string", "The goal this one rolls up into"),
        C("removed", "bool", "This version removes the goal", nullable=False),
        C("set_by", "string", "Who set this version", nullable=False),
        C("set_at", "timestamp", "When (UTC)", nullable=False),
    ),
    primary_key=("goal_id", "version"),
)


class GoalStore:
    """Set, list and trace goals on one warehouse."""

    def __init__(self, warehouse: Warehouse, defaults: Iterable[Goal] = ()) -> None:
        self.warehouse = warehouse.state_store
        self.defaults = list(defaults)
        self.warehouse.ensure_tables([GOALS])

    def set(
        self, goal: Goal, *, username: str, address: str | None = None, removed: bool = False
    ) -> Goal:
        """Store `goal` as the newest version of its id (audited); returns what was stored.

        The caller checks the goal (model.check_goal) and the user's right to write its
        scope (web/access.py) first; this only stores.
        """
        with self.warehouse.transaction():
            rows = sorted(self._rows(goal.id), key=lambda r: r["version"])
            before = _goal(rows[-1]) if rows and not rows[-1]["removed"] else None
            stored = replace(
                goal,
                version=(rows[-1]["version"] if rows else 0) + 1,
                set_by=username,
                set_at=datetime.now(UTC).replace(tzinfo=None, microsecond=0),
            )
            row = {**_row(stored), "removed": removed}
            self.warehouse.append(GOALS.name, conform(GOALS, pa.Table.from_pylist([row])))
            audit.record(
                self.warehouse,
                username=username,
                address=address,
                action="goal.remove" if removed else "goal.set",
                target=f"{goal.kpi} {goal.scope.label} {goal.period}",
                before=_audited(before) if before else None,
                after=None if removed else _audited(stored),
            )
        return stored

    def remove(self, goal: Goal, *, username: str, address: str | None = None) -> None:
        if self.get(goal.id) is None:
            raise GoalError(f"there is no goal {goal.kpi} {goal.scope.label} {goal.period}")
        self.set(goal, username=username, address=address, removed=True)

    def get(self, goal_id: str) -> Goal | None:
        return next((g for g in self.list() if g.id == goal_id), None)

    def list(self, period: str | None = None) -> list[Goal]:
        """The current goals (stored ones, then the defaults not overridden), by KPI."""
        rows = self._rows()
        newest: dict[str, dict] = {}
        for row in rows:
            if row["goal_id"] not in newest or row["version"] > newest[row["goal_id"]]["version"]:
                newest[row["goal_id"]] = row
        goals = [_goal(r) for r in newest.values() if not r["removed"]]
        taken = set(newest)
        goals += [g for g in self.defaults if g.id not in taken]
        if period is not None:
            goals = [g for g in goals if g.period == period]
        return sorted(goals, key=_order)

    def history(self, goal_id: str) -> list[dict]:
        """Every version of a goal, oldest first, with who set it and when."""
        return [
            {**_goal(r).to_dict(), "removed": bool(r["removed"])}
            for r in sorted(self._rows(goal_id), key=lambda r: r["version"])
        ]

    def children(self, parent: Goal) -> list[Goal]:
        return [g for g in self.list(parent.period) if g.parent_id == parent.id]

    def _rows(self, goal_id: str | None = None) -> list[dict]:
        with self.warehouse.lock:
            table = self.warehouse.con.table(GOALS.name)
            if goal_id is not None:
                table = table.filter(table.goal_id == goal_id)
            return self.warehouse.to_pyarrow(table).to_pylist()


def _order(goal: Goal) -> tuple:
    return (goal.period, goal.kpi, goal.scope.dimension or "", goal.scope.value or "")


def _row(goal: Goal) -> dict:
    return {
        "goal_id": goal.id,
        "version": goal.version,
        "kpi": goal.kpi,
        "scope_dimension": goal.scope.dimension,
        "scope_value": goal.scope.value,
        "period": goal.period,
        "target": float(goal.target),
        "owner": goal.owner,
        "note": goal.note,
        "parent_id": goal.parent_id,
        "set_by": goal.set_by,
        "set_at": goal.set_at,
    }


def _goal(row: dict) -> Goal:
    return Goal(
        kpi=row["kpi"],
        scope=Scope(row["scope_dimension"], row["scope_value"]),
        period=row["period"],
        target=row["target"],
        owner=row["owner"],
        note=row["note"],
        parent_id=row["parent_id"],
        set_by=row["set_by"],
        set_at=row["set_at"],
        version=row["version"],
    )


def _audited(goal: Goal) -> dict:
    return {k: v for k, v in goal.to_dict().items() if k not in ("set_by", "set_at", "id")}
