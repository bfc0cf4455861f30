"""The values offered in filter pickers, limited to what the user may choose.

A rep's scope is fixed (no rep or team picker); a manager picks among their teams and
the reps in them; everyone else gets every value the data has.
"""

from __future__ import annotations

from collections.abc import Iterable

from cruscotto.engine import Engine, pipeline_rank
from cruscotto.web.access import Access
from cruscotto.web.cache import remembered
from cruscotto.web.values import ValueText


def pickers(kpis: Engine, who: Access, dimensions: Iterable[str]) -> dict[str, list[list[str]]]:
    """{dimension: [[value, label], …]} for each dimension the user may filter by, labels in
    the user's language (a channel's `paid_search` is "Ricerca a pagamento"), sorted by them
    (stages in pipeline order)."""
    forced = who.forced
    wanted = tuple(d for d in dimensions if not (who.user.role == "rep" and d in ("rep", "team")))
    choices = _choices(kpis, wanted, tuple(forced.get("team", ())))
    texts = ValueText(who.language)
    offered: dict[str, list[list[str]]] = {}
    left = choices.get("left", set())
    for dimension in wanted:
        named = [[v, texts.dimension(dimension, label)] for v, label in choices[dimension]]
        if dimension == "rep":  # people who left stay choosable for their past, marked
            named = [[v, who.t("picker.rep_left", name=n) if v in left else n] for v, n in named]
        if dimension == "stage":  # in the order deals move through them
            offered[dimension] = named  # already in pipeline order
        else:
            offered[dimension] = sorted(named, key=lambda pair: (pair[1].lower(), pair[0]))
    return offered


def _choices(kpis: Engine, dimensions: tuple[str, ...], teams: tuple[str, ...]) -> dict:
    """{dimension: [(value, label), …]} within `teams` (when a manager's), stages in
    pipeline order, and the reps who left ("left"): asked once per data version as a
    whole (every page's filter bar asks it, and each cached question reads the data's
    version first)."""

    def compute() -> dict:
        found = {}
        members = reps_in_teams(kpis, list(teams)) if teams else None
        for dimension in dimensions:
            values = kpis.dimension_values(dimension)
            if teams and dimension == "team":
                values = [(v, label) for v, label in values if v in teams]
            if members is not None and dimension == "rep":
                values = [(v, label) for v, label in values if v in members]
            if dimension == "stage":
                rank = pipeline_rank(kpis.stage_positions())
                values = sorted(values, key=lambda pair: rank(pair[0]))
            found[dimension] = values
        if "rep" in dimensions:
            found["left"] = inactive_reps(kpis)
        return found

    return remembered(kpis, ("pickers", dimensions, teams), compute)


def inactive_reps(kpis: Engine) -> set[str]:
    """The people who no longer work for the company (reps.active false)."""
    reps = kpis.warehouse.table("reps")
    return set(kpis.execute(reps.filter(~reps.active).select("rep_id"))["rep_id"])


def reps_in_teams(kpis: Engine, teams: list[str]) -> set[str]:
    reps = kpis.warehouse.table("reps")
    query = reps.filter(reps.team.isin(teams)).select("rep_id")
    return set(kpis.execute(query)["rep_id"])
