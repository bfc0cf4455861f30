"""A goal's status, in words that never call unfinished work a failure.

| situation                                              | status                |
| ------------------------------------------------------ | --------------------- |
| the period has not started, or its cohort still matures | pending               |
| fewer than MIN_RECORDS records behind a rate/average   | too_few (with count)  |
| the period is over                                     | reached / missed      |
| in progress, projection meets the target               | on_pace               |
| in progress, projection falls short                    | behind_pace           |
| nothing to measure yet                                 | pending               |
"""

from __future__ import annotations

GOAL_STATUSES = ("pending", "too_few", "on_pace", "behind_pace", "reached", "missed")
# Below this many records a rate or an average says nothing about a goal yet.
MIN_RECORDS = 10


def goal_status(
    *,
    kind: str,
    started: bool,
    over: bool,
    maturing: bool,
    sample_size: int | None,
    value: float | None,
    projection: float | None,
    target: float,
    direction: str,
) -> str:
    if not started or maturing:
        return "pending"
    if kind in ("rate", "average") and sample_size is not None and sample_size < MIN_RECORDS:
        return "too_few"
    measured = value if over else projection
    if measured is None:
        return "pending"
    meets = measured >= target if direction == "higher" else measured <= target
    if over:
        return "reached" if meets else "missed"
    return "on_pace" if meets else "behind_pace"
