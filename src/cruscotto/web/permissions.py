"""Who may change what: the one check every write goes through, and its audit entry.

Reading is scoped by `cruscotto.web.access`; writing is decided here, per role and action:

| action            | admin | manager                                   | rep | viewer |
| ----------------- | ----- | ----------------------------------------- | --- | ------ |
| `import`          | all   | rows of their teams' reps (setting below) | no  | no     |
| `users.manage`    | yes   | no                                        | no  | no     |
| `settings.change` | yes   | no                                        | no  | no     |
| `targets.set`     | all   | their teams only²                         | no  | no     |
| `goals.set`       | all   | their teams only                          | own¹| no     |
| `alerts.manage`   | all   | their teams only                          | no  | no     |

Everyone may change their own language and log out; those are not company writes.
¹ A rep sets goals on their own scope only when `goals.reps_set_own` is true (cruscotto.yaml).
² A KPI's target holds for the whole company today, so in practice only the admin sets one.

There is no other check: routes, the goal and alert-rule stores and the admin pages all
ask `authorize` / `authorize_scope` (or a `Write` from `may`), never the role directly.

A write scoped to one dimension value (a goal for a team, a rep, a channel…) goes through
`authorize_scope`: a team is checked as itself, a rep by the team the rep is in, and a
company-wide scope (the company, a channel, a segment…) is the admin's alone.

Import scope. `security.manager_imports` (cruscotto.yaml) is `own_teams` (default) or
`never`. With `own_teams` a manager may import only tables whose rows belong to one rep
(TEAM_ROWS below: the column naming that rep), and only rows whose rep is, in the stored
`reps` table, in one of their teams — both the incoming row and, when the record exists,
the stored one (so a deal cannot be moved into or out of their teams). Company tables
(reps and their team membership, campaigns, contracts, invoices, financials/P&L,
fx_rates, projects, surveys, …) are admin-only: a manager importing them, or a file that
would create new records in them (a deals file naming an owner not yet known), is refused
with 403 and nothing is written.

Routes use it in one of two ways:

    @router.post("/api/goals")
    def set_goal(..., write: Write = Depends(may("goals.set"))):
        write.require_teams([team])                    # scope of this particular change
        ...
        write.audit(warehouse, target=goal_id, before=old, after=new)   # in the transaction

or, for a check outside a route, `authorize(who, action, teams=...)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import ibis
import pandas as pd
from fastapi import Depends, HTTPException, Request

from cruscotto import audit
from cruscotto.ingest import Incoming, audited
from cruscotto.warehouse import Warehouse
from cruscotto.web.access import Access, access, team_reps
from cruscotto.web.auth import client_address

ADMIN_ONLY = ("users.manage", "settings.change")
TEAM_SCOPED = ("import", "targets.set", "goals.set", "alerts.manage")
ACTIONS = ADMIN_ONLY + TEAM_SCOPED

# The tables a manager may import, and the column naming the rep each row belongs to.
TEAM_ROWS = {
    "accounts": "owner_id",
    "leads": "owner_id",
    "opportunities": "owner_id",
    "activities": "rep_id",
    "tickets": "agent_id",
    "tasks": "assignee_id",
    "timesheets": "person_id",
    "forecasts": "rep_id",
}


def authorize(who: Access, action: str, *, teams: Iterable[str] | None = None) -> None:
    """403 unless `who` may do `action` (on `teams`, for a team-scoped action)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; the actions are {', '.join(ACTIONS)}")
    role = who.user.role
    if role == "admin":
        return
    allowed = role == "manager" and action in TEAM_SCOPED
    if allowed and action == "import":
        allowed = who.security.manager_imports == "own_teams"
    if not allowed:
        raise HTTPException(403, who.t("error.not_allowed"))
    if teams is not None and not set(teams) <= set(who.user.teams):
        raise HTTPException(403, who.t("error.out_of_scope", dimension="team"))


def authorize_scope(
    who: Access,
    action: str,
    dimension: str | None,
    value: str | None,
    *,
    rep_team: str | None = None,
    rep_may_own: bool = False,
) -> None:
    """403 unless `who` may do `action` on the scope `dimension`=`value` (None: company).

    `rep_team` is the team of the rep when the scope is a rep (the caller looks it up);
    `rep_may_own` lets a rep act on their own rep scope (the company's setting).
    """
    role = who.user.role
    if role == "rep" and rep_may_own and dimension == "rep" and value == who.user.rep_id:
        return
    if dimension == "team":
        teams = [value]
    elif dimension == "rep":
        teams = [rep_team or ""]
    elif role != "admin":
        authorize(who, action)  # the role itself first: a viewer is "not allowed"
        raise HTTPException(403, who.t("error.company_scope"))
    else:
        teams = None
    authorize(who, action, teams=teams)


@dataclass
class Write:
    """A permitted write in progress: who, the action, and where the request came from."""

    who: Access
    action: str
    address: str | None

    def require_teams(self, teams: Iterable[str]) -> None:
        authorize(self.who, self.action, teams=list(teams))

    def require_scope(
        self, dimension: str | None, value: str | None, *, rep_team: str | None = None
    ) -> None:
        """This write's scope (see `authorize_scope`; None: the whole company)."""
        authorize_scope(self.who, self.action, dimension, value, rep_team=rep_team)

    def audit(
        self,
        warehouse: Warehouse,
        *,
        target: str | None = None,
        before: Any = None,
        after: Any = None,
        action: str | None = None,
    ) -> None:
        """Record the change (call inside its transaction, so both land or neither)."""
        audit.record(
            warehouse,
            username=self.who.user.username,
            action=action or self.action,
            target=target,
            before=before,
            after=after,
            address=self.address,
        )

    def import_guard(self) -> Callable[[Warehouse, list[Incoming]], None]:
        """The check `import_files` runs on the rows it is about to write; it records the
        import in the audit trail once allowed."""

        record = audited(self.who.user.username, self.address)

        def guard(warehouse: Warehouse, incoming: list[Incoming]) -> None:
            if self.who.user.role != "admin":
                for part in incoming:
                    self._check_rows(warehouse, part)
            record(warehouse, incoming)

        return guard

    def _check_rows(self, warehouse: Warehouse, part: Incoming) -> None:
        name = part.table.name
        rows = part.rows
        if part.only_missing:
            rows = _not_stored(warehouse, part)
            if rows.empty:
                return
        label = self.who.t(f"security.table.{name}")
        owner = TEAM_ROWS.get(name)
        if owner is None:
            raise HTTPException(403, self.who.t("error.company_table", table=label))
        allowed = team_reps(warehouse, self.who.user.teams)
        outside = set(rows[owner].dropna()) - allowed
        unowned = int(rows[owner].isna().sum())
        if not part.only_missing:
            outside |= _stored_owners(warehouse, part, owner) - allowed
        if outside or unowned:
            examples = ", ".join(sorted(map(str, outside))[:5]) or "—"
            raise HTTPException(
                403,
                self.who.t(
                    "error.rows_outside_teams",
                    file=part.file,
                    table=label,
                    owners=examples,
                    unowned=unowned,
                ),
            )


def may(action: str) -> Callable[..., Write]:
    """A route dependency: the request's `Write` if its user may do `action`, else 403."""

    def dependency(request: Request, who: Access = Depends(access)) -> Write:
        authorize(who, action)
        return Write(who, action, client_address(request))

    return dependency


def _stored_owners(warehouse: Warehouse, part: Incoming, owner: str) -> set[str]:
    """The owners stored today of the records these rows would overwrite."""
    keys = list(part.table.primary_key)
    if owner in keys:  # the owner is part of the key: a stored match has the same owner
        return set()
    stored = warehouse.con.table(part.table.name)
    incoming = ibis.memtable(part.rows[keys].drop_duplicates())
    matched = stored.semi_join(incoming, keys).select(owner).distinct()
    return set(matched.execute()[owner].dropna())


def _not_stored(warehouse: Warehouse, part: Incoming) -> pd.DataFrame:
    keys = list(part.table.primary_key)
    stored = warehouse.con.table(part.table.name).select(keys).execute()
    present = part.rows[keys].merge(stored, on=keys, how="left", indicator=True)
    return part.rows[(present["_merge"] == "left_only").to_numpy()]
