"""The values offered in filter pickers, limited to what the user may choose.

A rep's scope is fixed (no rep or team picker); a manager picks among their teams and
the reps in them; everyone else gets every value the data has.
"""

from __future__ import annotations

from collections.abc import Iterable

from cruscotto.engine import Engine, pipeline_rank
from cruscotto.web.access import Access
from cruscotto.web.values import ValueText


def pickers(kpis: Engine, who: Access, dimensions: Iterable[str]) -> dict[str, list[list[str]]]:
    """{dimension: [[value, label], …]} for each dimension the user may filter by, labels in
    the user's language (a channel's `paid_search` is "Ricerca a pagamento"), sorted by them
    (stages in pipeline order)."""
    offered: dict[str, list[list[str]]] = {}
    forced = who.forced
    texts = ValueText(who.language)
    for dimension in dimensions:
        if who.user.role == "rep" and dimension in ("rep", "team"):
            continue
        values = kpis.dimension_values(dimension)
        if "team" in forced and dimension == "team":
            values = [(v, label) for v, label in values if v in forced["team"]]
        if "team" in forced and dimension == "rep":
            members = reps_in_teams(kpis, forced["team"])
            values = [(v, label) for v, label in values if v in members]
        named = [[v, texts.dimension(dimension, label)] for v, label in values]
        if dimension == "stage":  # in the order deals move through them
            rank = pipeline_rank(kpis.stage_positions())
            offered[dimension] = sorted(named, key=lambda pair: rank(pair[0]))
        else:
            offered[dimension] = sorted(named, key=lambda pair: (pair[1].lower(), pair[0]))
    return offered


def reps_in_teams(kpis: Engine, teams: list[str]) -> set[str]:
    reps = kpis.warehouse.table("reps")
    query = reps.filter(reps.team.isin(teams)).select("rep_id")
    return set(kpis.execute(query)["rep_id"])
