"""The one dependency every route goes through: who asks, in which language, seeing what.

`access` authenticates the request (session or bearer token), reads the dimension
filters from the query string and combines them with the user's forced scope (SPEC §8):

| role    | forced filters                 | drill-down records | exports |
| ------- | ------------------------------ | ------------------ | ------- |
| admin   | none                           | yes                | yes     |
| manager | {"team": their teams}          | their teams' reps' | yes     |
| rep     | {"rep": [their rep_id]}        | own only           | yes     |
| viewer  | none                           | no                 | no      |

A filter the URL asks for that falls outside the forced scope (a rep asking for another
rep, a manager for another team) is refused with 403; never quietly widened. A KPI whose
dimensions cannot carry the forced scope (a rep-scoped user and a KPI without `rep`, a
manager and a KPI without `team`) is not visible to that user at all: company-wide
numbers are not "own numbers".

Records are listed under the same filters and, for a rep or a manager, only those whose
own person is in scope (`people`): a number can count a colleague's record (engagement
counts every interaction with a rep's customers, whoever had it), and the list behind it
then says how many such records it leaves out rather than showing them.

Writes are decided in one place, `cruscotto.web.permissions`.

Routes use it like this (reports too):

    @router.get("/api/things")
    def things(who: Access = Depends(access)):
        filters = who.filters_for(kpi)        # or who.filters() for non-KPI data
        who.require_records()                 # before returning rows / exports
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request

from cruscotto.catalog.definition import DIMENSIONS
from cruscotto.settings import CompanySettings, SecuritySettings
from cruscotto.web.auth import require_user
from cruscotto.web.i18n import Formatter, Translator
from cruscotto.web.users import User

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The filters the overview offers as pickers (SPEC §4).
OVERVIEW_FILTERS = ("rep", "team", "channel", "segment", "pipeline")

FilterValue = Annotated[list[str] | None, Query(description="keep only these values")]


def requested_filters(
    rep: FilterValue = None,
    team: FilterValue = None,
    channel: FilterValue = None,
    campaign: FilterValue = None,
    segment: FilterValue = None,
    industry: FilterValue = None,
    size_band: FilterValue = None,
    country: FilterValue = None,
    pipeline: FilterValue = None,
    stage: FilterValue = None,
    product: FilterValue = None,
    priority: FilterValue = None,
    category: FilterValue = None,
    project: FilterValue = None,
) -> dict[str, list[str]]:
    """The dimension filters in the query string (`?rep=r1&channel=web&channel=ads`)."""
    given = locals()
    for values in given.values():
        if values and any(_CONTROL.search(v) for v in values):
            # A NUL byte would cut the value short in the database's parser (a 500).
            raise HTTPException(400, "a filter value holds a control character (e.g. NUL)")
    # An empty picker submits `rep=`; that means "no filter", not "rep is empty".
    return {d: [v for v in given[d] if v] for d in DIMENSIONS if given[d] and any(given[d])}


@dataclass
class Access:
    user: User
    settings: CompanySettings
    requested: dict[str, list[str]] = field(default_factory=dict)
    security: SecuritySettings = field(default_factory=SecuritySettings)

    # -- language -------------------------------------------------------------------------

    @property
    def language(self) -> str:
        return self.user.language

    @property
    def t(self) -> Translator:
        return Translator(self.language)

    @property
    def fmt(self) -> Formatter:
        return Formatter(self.language, self.settings.base_currency, self.settings.timezone)

    def refused(self, exc: Exception, catalog=None) -> str:
        """Why a request was refused (cruscotto.refusal.Refusal), in the user's language:
        a KPI by its name (from `catalog`), a dimension by its label."""
        params = getattr(exc, "params", {})
        words = {}
        if catalog is not None and (kpi := params.get("kpi")) in catalog:
            words["kpi"] = self.t.pick(catalog.get(kpi).name)
        if dimension := params.get("dimension"):
            label = self.t(f"dimension.{dimension}")  # a heading ("Canale"), said mid-sentence
            words["dimension"] = label[:1].lower() + label[1:]
        return self.t.refusal(exc, **words)

    # -- scope ----------------------------------------------------------------------------

    @property
    def forced(self) -> dict[str, list[str]]:
        if self.user.role == "rep":
            return {"rep": [self.user.rep_id or ""]}
        if self.user.role == "manager":
            return {"team": list(self.user.teams)}
        return {}

    @property
    def can_see_records(self) -> bool:
        return self.user.role != "viewer"

    @property
    def can_export(self) -> bool:
        return self.user.role != "viewer"

    def filters(self) -> dict[str, list[str]]:
        """The requested filters with the forced scope applied (403 if asked beyond it)."""
        combined = dict(self.requested)
        for dimension, allowed in self.forced.items():
            asked = self.requested.get(dimension)
            if asked and not set(asked) <= set(allowed):
                raise HTTPException(403, self.t("error.out_of_scope", dimension=dimension))
            combined[dimension] = list(asked or allowed)
        return combined

    def can_see(self, kpi) -> bool:
        return all(d in kpi.dimensions for d in self.forced)

    def visible(self, kpis: Iterable) -> list:
        return [k for k in kpis if self.can_see(k)]

    def filters_for(self, kpi) -> dict[str, list[str]]:
        """The engine filters for one KPI; 404 if the user may not see it."""
        if not self.can_see(kpi):
            raise HTTPException(404, self.t("error.kpi_not_visible", kpi=kpi.id))
        return self.filters()

    def inapplicable(self, kpi) -> list[str]:
        """Requested filters this KPI cannot be cut by (its numbers would ignore them)."""
        return [d for d in self.filters() if d not in kpi.dimensions]

    def people(self, data) -> list[str] | None:
        """The reps whose records this user may list (None: anyone's). A rep their own; a
        manager the reps of their teams. `data` is the engine or the warehouse."""
        if self.user.role == "rep":
            return [self.user.rep_id or ""]
        if self.user.role == "manager":
            return sorted(team_reps(data, self.user.teams))
        return None

    def require_records(self) -> None:
        if not self.can_see_records:
            raise HTTPException(403, self.t("error.no_records"))

    def require_export(self) -> None:
        if not self.can_export:
            raise HTTPException(403, self.t("error.no_export"))

    # -- things scoped to one dimension value (goals, alert rules) -----------------------

    def may_read_scope(
        self, dimension: str | None, value: str | None, rep_team: str | None
    ) -> bool:
        """May this user see something scoped to `dimension`=`value` (a goal, a rule)?
        Its forced scope decides: a manager their teams and their reps, a rep their own."""
        forced = self.forced
        if not forced:
            return True
        if "rep" in forced:
            return dimension == "rep" and value in forced["rep"]
        if dimension == "team":
            return value in forced["team"]
        return dimension == "rep" and rep_team in forced["team"]


def team_reps(data, teams: Iterable[str]) -> set[str]:
    """The rep ids of `teams`, as the stored `reps` table says today (`data`: the engine
    or the warehouse)."""
    reps = data.table("reps")
    chosen = reps.filter(reps.team.isin(list(teams))).select("rep_id")
    return {str(r) for r in data.execute(chosen)["rep_id"]}


def access(
    request: Request,
    user: User = Depends(require_user),
    requested: dict[str, list[str]] = Depends(requested_filters),
) -> Access:
    state = request.app.state
    return Access(user, state.settings, requested, state.security)
