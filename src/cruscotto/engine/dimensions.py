"""Dimensions (SPEC §3) as columns of each canonical table, reached through joins.

A dimension is a list of candidate references tried in order: the table's own column
first, then a related table's column (`accounts.segment` through the account key).
"""

from __future__ import annotations

from cruscotto.catalog.relations import has_column, relations
from cruscotto.engine.errors import DimensionError

# The person a record belongs to; every table has at most one of these (SPEC: "rep").
PERSON_COLUMNS = ("owner_id", "rep_id", "agent_id", "assignee_id", "person_id")

CANDIDATES: dict[str, tuple[str, ...]] = {
    "channel": ("channel", "leads.channel", "campaigns.channel", "acquisition_channel"),
    "campaign": ("campaign_id", "leads.campaign_id"),
    "segment": ("segment", "accounts.segment"),
    "industry": ("industry", "accounts.industry"),
    "size_band": ("size_band", "accounts.size_band"),
    "country": ("country", "accounts.country"),
    "pipeline": ("pipeline", "opportunities.pipeline"),
    "stage": ("stage", "opportunities.stage"),
    "product": ("product", "opportunities.product"),
    "priority": ("priority",),
    "category": ("category",),
    "project": ("project_id", "tasks.project_id"),
}

# Where the values of a dimension are listed for filter pickers: (table, value, label).
VALUE_SOURCES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "rep": (("reps", "rep_id", "name"),),
    "team": (("reps", "team", "team"),),
    "channel": (("leads", "channel", "channel"), ("campaigns", "channel", "channel")),
    "campaign": (("campaigns", "campaign_id", "name"),),
    "segment": (("accounts", "segment", "segment"),),
    "industry": (("accounts", "industry", "industry"),),
    "size_band": (("accounts", "size_band", "size_band"),),
    "country": (("accounts", "country", "country"),),
    "pipeline": (("opportunities", "pipeline", "pipeline"),),
    "stage": (("opportunities", "stage", "stage"), ("stage_history", "stage", "stage")),
    "product": (
        ("opportunities", "product", "product"),
        ("contracts", "product", "product"),
        ("invoices", "product", "product"),
    ),
    "priority": (("tickets", "priority", "priority"),),
    "category": (("tickets", "category", "category"),),
    "project": (("projects", "project_id", "project_id"),),
}


def person_column(source: str) -> str | None:
    """The column naming the person a record of `source` belongs to."""
    if source == "reps":
        return "rep_id"
    own = next((c for c in PERSON_COLUMNS if has_column(source, c)), None)
    # A stage change belongs to the owner of its deal.
    if own is None and has_column(source, "opportunities.owner_id"):
        return "opportunities.owner_id"
    return own


def reference(source: str, dimension: str) -> str | None:
    """The column (or `table.column`) holding `dimension` for records of `source`."""
    if dimension == "rep":
        return person_column(source)
    if dimension == "team":
        if source == "reps":
            return "team"
        person = person_column(source)
        related = relations(source).get("reps")
        return "reps.team" if person and related and related.local_column == person else None
    if dimension not in CANDIDATES:
        raise DimensionError(f"unknown dimension {dimension!r}")
    return next((c for c in CANDIDATES[dimension] if has_column(source, c)), None)


def require(source: str, dimension: str) -> str:
    found = reference(source, dimension)
    if found is None:
        raise DimensionError(f"the dimension {dimension!r} does not apply to {source} records")
    return found
