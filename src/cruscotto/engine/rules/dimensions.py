"""Dimensions (SPEC §3) as columns of each canonical table, reached through joins: the one
(table, dimension) → column rule of the engine.

Declared KPIs, KPI functions (`KpiScope`), reports and records all cut a table by a
dimension through `reference`, so a filter or a breakdown means the same record set
whichever kind of KPI answers. A dimension is a list of candidate references tried in
order: the table's own column first, then a related record's column (`accounts.segment`
through the account key), or a chain of them (`accounts.reps.team`: the team of the
account's owner).

Which record a dimension is read from, where a table could reach several:
- `channel` is the channel that brought the business: a lead's own; a deal's, an
  activity's or a stage change's, that of the lead it came from (a manager asking "win
  rate by channel" means where the deals came from, which is also how the reports and the
  campaign KPIs read it); a ticket's, the channel it came in by; and for records of a
  customer with no lead (contracts, invoices, surveys, projects), the account's
  acquisition channel.
- `rep` is the person a record belongs to (its owner, agent, assignee…); a stage change
  or a quote belongs to its deal's owner, a contract, survey or project to the account's.
- `team` is the team of that person.
"""

from __future__ import annotations

from cruscotto.catalog.relations import has_column, relations
from cruscotto.engine.question.errors import DimensionError

# The person a record belongs to, its own column or else its deal's or account's owner.
PERSON_COLUMNS = ("owner_id", "rep_id", "agent_id", "assignee_id", "person_id")
PERSON_CANDIDATES = (*PERSON_COLUMNS, "opportunities.owner_id", "accounts.owner_id")

CANDIDATES: dict[str, tuple[str, ...]] = {
    "channel": (
        "channel",
        "acquisition_channel",
        "leads.channel",
        "opportunities.leads.channel",
        "campaigns.channel",
        "accounts.acquisition_channel",
    ),
    "campaign": ("campaign_id", "leads.campaign_id", "opportunities.leads.campaign_id"),
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
    """The column (or chain) naming the person a record of `source` belongs to."""
    if source == "reps":
        return "rep_id"
    return next((c for c in PERSON_CANDIDATES if has_column(source, c)), None)


def team_column(source: str) -> str | None:
    """The team of the person a record of `source` belongs to, through the same chain."""
    if source == "reps":
        return "team"
    person = person_column(source)
    if person is None:
        return None
    *path, column = person.split(".")
    holder = path[-1] if path else source
    link = relations(holder).get("reps")
    if link is None or link.local_column != column:
        return None
    return ".".join([*path, "reps", "team"])


def reference(source: str, dimension: str) -> str | None:
    """The column (or `table.column` chain) holding `dimension` for records of `source`;
    None when the dimension does not apply to them."""
    if dimension == "rep":
        return person_column(source)
    if dimension == "team":
        return team_column(source)
    if dimension not in CANDIDATES:
        raise DimensionError(f"unknown dimension {dimension!r}")
    return next((c for c in CANDIDATES[dimension] if has_column(source, c)), None)


def require(source: str, dimension: str) -> str:
    found = reference(source, dimension)
    if found is None:
        raise DimensionError(f"the dimension {dimension!r} does not apply to {source} records")
    return found
