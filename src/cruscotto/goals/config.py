"""Goals in `cruscotto.yaml`: defaults that show until a user sets the same goal, and the
admin's choice whether reps may set goals for themselves.

```yaml
goals:
  reps_set_own: false          # true: a rep may set goals on their own scope
  defaults:
    - {kpi: deals_won, period: 2026-Q4, target: 120}
    - {kpi: win_rate, period: 2026-Q4, target: 0.3, scope: team=Sales Italy, owner: giulia}
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cruscotto.goals.model import Goal, GoalError, Scope


@dataclass(frozen=True)
class GoalSettings:
    reps_set_own: bool = False
    defaults: tuple[Goal, ...] = ()


def goal_settings(config: Mapping[str, Any]) -> GoalSettings:
    """The `goals:` section of a read config (GoalError naming the entry when it is wrong)."""
    section = config.get("goals") or {}
    if not isinstance(section, Mapping):
        raise GoalError("cruscotto.yaml: `goals` must be a mapping")
    unknown = set(section) - {"reps_set_own", "defaults"}
    if unknown:
        raise GoalError(f"cruscotto.yaml: unknown keys under goals: {', '.join(sorted(unknown))}")
    defaults = []
    for index, entry in enumerate(section.get("defaults") or [], start=1):
        where = f"cruscotto.yaml: goals.defaults entry {index}"
        if not isinstance(entry, Mapping):
            raise GoalError(f"{where}: expected a mapping with kpi, period and target")
        missing = [k for k in ("kpi", "period", "target") if k not in entry]
        if missing:
            raise GoalError(f"{where}: missing {', '.join(missing)}")
        try:
            target = float(entry["target"])
        except (TypeError, ValueError):
            raise GoalError(f"{where}: target {entry['target']!r} is not a number") from None
        try:
            scope = Scope.parse(entry.get("scope"))
        except GoalError as exc:
            raise GoalError(f"{where}: {exc}") from None
        defaults.append(
            Goal(
                kpi=str(entry["kpi"]),
                scope=scope,
                period=str(entry["period"]),
                target=target,
                owner=entry.get("owner"),
                note=entry.get("note"),
                set_by="cruscotto.yaml",
            )
        )
    return GoalSettings(bool(section.get("reps_set_own", False)), tuple(defaults))
