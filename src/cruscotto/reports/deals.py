"""Deals as the reports see them: one row per opportunity, in the base currency, with the
names of its owner, team and account, under the caller's filters (a rep's scope included).

An open deal is valued at today's exchange rate (what it would bring if signed now); a
closed deal at the rate of the day it closed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

import ibis
import ibis.expr.types as ir

from cruscotto.reports._interim import Filters, apply_filters, count_if, to_base
from cruscotto.settings import CompanySettings
from cruscotto.warehouse import Warehouse

CLOSED = ("won", "lost")


class EngineLike(Protocol):
    """What the reports need from the KPI engine: its warehouse, settings and today."""

    warehouse: Warehouse
    settings: CompanySettings
    today: dt.date


@dataclass
class ReportContext:
    warehouse: Warehouse
    settings: CompanySettings
    today: dt.date


def deals(source: EngineLike, filters: Filters | None = None) -> ir.Table:
    """Opportunities under `filters`, with `amount_base`, `rep`, `team` and `account`."""
    warehouse = source.warehouse
    opportunities = apply_filters(
        warehouse, warehouse.table("opportunities"), "opportunities", filters
    )
    valued_on = ibis.cases(
        (
            opportunities.status.isin(CLOSED) & opportunities.closed_at.notnull(),
            opportunities.closed_at.date(),
        ),
        else_=ibis.literal(source.today),
    )
    valued = to_base(warehouse, opportunities, "amount", valued_on, source.settings.base_currency)
    reps = warehouse.table("reps").select(_rep_id="rep_id", rep="name", team="team")
    accounts = warehouse.table("accounts").select(_account_id="account_id", account="name")
    named = valued.left_join(reps, valued.owner_id == reps._rep_id).left_join(
        accounts, valued.account_id == accounts._account_id
    )
    return named.drop("_rep_id", "_account_id")


def stage_win_rates(source: EngineLike, filters: Filters | None = None) -> ir.Table:
    """Per pipeline and stage: of the closed deals that ever reached the stage, how many won.

    "Reached" means the stage appears in the deal's stage history or is its current stage.
    The deals are those under `filters` except a `stage` filter (which would keep only deals
    sitting in that stage now, and closed deals sit in no open stage): a rep's forecast is
    learned from the rep's own history, a team's from the team's.
    """
    history_filters = {k: v for k, v in (filters or {}).items() if k != "stage"}
    warehouse = source.warehouse
    opportunities = apply_filters(
        warehouse, warehouse.table("opportunities"), "opportunities", history_filters
    )
    closed = opportunities.filter(opportunities.status.isin(CLOSED)).select(
        "opportunity_id", "pipeline", "status"
    )
    history = warehouse.table("stage_history").select("opportunity_id", "stage")
    reached = history.union(opportunities.select("opportunity_id", "stage"), distinct=True)
    outcomes = closed.join(reached, "opportunity_id")
    return outcomes.group_by(["pipeline", "stage"]).aggregate(
        won=count_if(outcomes.status == "won"),
        closed=outcomes.count(),
    )


def pipeline_win_rates(source: EngineLike, filters: Filters | None = None) -> ir.Table:
    """Per pipeline: won ÷ closed among all its closed deals under `filters` (except stage)."""
    history_filters = {k: v for k, v in (filters or {}).items() if k != "stage"}
    warehouse = source.warehouse
    opportunities = apply_filters(
        warehouse, warehouse.table("opportunities"), "opportunities", history_filters
    )
    closed = opportunities.filter(opportunities.status.isin(CLOSED))
    return closed.group_by("pipeline").aggregate(
        won=count_if(closed.status == "won"), closed=closed.count()
    )
