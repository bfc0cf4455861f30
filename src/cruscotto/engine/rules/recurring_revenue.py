"""Monthly recurring revenue at a date and how it moved over a period.

MRR on a day is the sum of `mrr` of the contracts active that day (see `customers`).
The movement of a period compares each account's MRR on the last day before the period
with its MRR on the period's last day: an account going from 0 to some is new, from some
to 0 churned, otherwise the difference is expansion or contraction. Those are measured at
constant rates (both snapshots at the rate of the period's last day), so a currency swing
never shows up as expansion or contraction. The MRR at the start is the previous period's
end, at the rates of its own day, and the currency effect is a movement of its own
(issue 17, item 10):
    start + currency effect + new + expansion − contraction − churned = end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir

from cruscotto.engine.functions.kpi_scope import KpiScope, remembered
from cruscotto.engine.rules.customers import active_contracts


def mrr_by_account(scope: KpiScope, day: dt.date, rate_day: dt.date) -> ir.Table:
    """(account_id, mrr) of the contracts active on `day`, in the base currency of `rate_day`
    (in a breakdown, per (GROUP, account_id): the account's MRR in that product, say)."""
    contracts = scope.table("contracts")
    active = contracts.filter(active_contracts(contracts, day))
    converted = scope.to_base(active, ["mrr"], day=rate_day, source="contracts")
    return converted.group_by([*scope.keys, "account_id"]).aggregate(mrr=converted.mrr.sum())


@dataclass(frozen=True)
class MrrMovement:
    at_start: float
    at_end: float
    new: float
    expansion: float
    contraction: float
    churned: float
    paying: float = 0.0  # accounts paying on the last day
    # The MRR at the start at its own day's rates (the previous period's end): `at_start`
    # is at the end's rates, so that the movements compare like with like.
    reported_start: float = 0.0

    @property
    def currency_effect(self) -> float:
        """How much the starting MRR moved with the exchange rates alone."""
        return self.at_start - self.reported_start

    @property
    def net_retained(self) -> float:
        """End-of-period MRR of the accounts that were paying at the start."""
        return self.at_start + self.expansion - self.contraction - self.churned


def mrr_by_account_movement(scope: KpiScope) -> ir.Table:
    """(account_id, was, now, was_then): each account's MRR on the day before and on the
    last day at the last day's rates, and on the day before at that day's rates."""
    rate_day, day_before = scope.last_day, scope.start - dt.timedelta(days=1)
    before = mrr_by_account(scope, day_before, rate_day)
    then = mrr_by_account(scope, day_before, day_before)
    after = mrr_by_account(scope, scope.last_day, rate_day)
    zero = ibis.literal(0.0)
    keys = [*scope.keys, "account_id"]
    tagged = ibis.union(
        before.select(*keys, was=before.mrr, now=zero, was_then=zero),
        after.select(*keys, was=zero, now=after.mrr, was_then=zero),
        then.select(*keys, was=zero, now=zero, was_then=then.mrr),
    )
    return tagged.group_by(keys).aggregate(
        was=tagged.was.sum(), now=tagged.now.sum(), was_then=tagged.was_then.sum()
    )


_FIELDS = (
    "at_start",
    "at_end",
    "new",
    "expansion",
    "contraction",
    "churned",
    "paying",
    "reported_start",
)


@remembered
def mrr_movement_per_group(scope: KpiScope) -> dict[Any, MrrMovement]:
    """The MRR movement of the scope's period for each group of a breakdown ({TOTAL: …}
    when not broken down; a group without MRR at either end is left out). MRR and revenue
    churn both use it."""
    per_account = mrr_by_account_movement(scope)
    rows = scope.summarise(per_account, **_movement_sums(per_account))
    return {group: _movement_of(row) for group, row in rows.items()}


def _movement_of(row: dict[str, Any]) -> MrrMovement:
    return MrrMovement(**{k: float(row.get(k) or 0.0) for k in _FIELDS})


def _movement_sums(per_account: ir.Table) -> dict[str, ir.Scalar]:
    """The aggregates of an MrrMovement over accounts' MRR (`was` → `now`)."""
    zero = ibis.literal(0.0)
    was, now = per_account.was, per_account.now
    change = now - was
    both = (was > 0) & (now > 0)
    return {
        "at_start": was.sum(),
        "at_end": now.sum(),
        "new": ibis.cases(((was == 0) & (now > 0), now), else_=zero).sum(),
        "expansion": ibis.cases((both & (change > 0), change), else_=zero).sum(),
        "contraction": ibis.cases((both & (change < 0), -change), else_=zero).sum(),
        "churned": ibis.cases(((was > 0) & (now == 0), was), else_=zero).sum(),
        "paying": (now > 0).sum(),
        "reported_start": per_account.was_then.sum(),
    }


def mrr_movements(scope: KpiScope, parts: list[tuple[dt.date, dt.date]]) -> list[MrrMovement]:
    """The MRR movement of each consecutive [start, end) in `parts`, from one query.

    Part i compares the accounts' MRR on boundary i (the day before it) and boundary i + 1
    (its last day), both converted at the rate of its last day, as `mrr_movement_per_group` does.
    """
    days = [parts[0][0] - dt.timedelta(days=1)] + [end - dt.timedelta(days=1) for _, end in parts]
    last = len(parts)
    moments = ibis.memtable(
        {"moment": list(range(len(days))), "at": days}, schema={"moment": "int64", "at": "date"}
    )
    # Only the contracts running on some day of the trend can be active at a moment: leave
    # the others out before multiplying the contracts by the moments.
    contracts = scope.table("contracts")
    running = contracts.filter(active_contracts(contracts, days[0], days[-1]))
    timeline = running.cross_join(moments)
    active = timeline.filter(active_contracts(timeline, timeline.at))
    # Moment m's MRR is the `was` of part m, at the rate of day m + 1, and, at the rate of
    # day m, the `now` of part m - 1 and the `was_then` (reported start) of part m. The
    # rates are looked up once per (moment, currency); each active contract then adds to
    # its parts, and one aggregate gives every account's MRR at both ends of every part.
    zero = ibis.literal(0.0)
    was = _rated(scope, active.filter(active.moment < last), days, 1)
    own = _rated(scope, active, days, 0)
    now, then = own.filter(own.moment >= 1), own.filter(own.moment < last)
    tagged = ibis.union(
        was.select("account_id", part=was.moment, was=was.mrr * was.rate, now=zero, was_then=zero),
        now.select(
            "account_id", part=now.moment - 1, was=zero, now=now.mrr * now.rate, was_then=zero
        ),
        then.select(
            "account_id", part=then.moment, was=zero, now=zero, was_then=then.mrr * then.rate
        ),
    )
    per_account = tagged.group_by(["part", "account_id"]).aggregate(
        was=tagged.was.sum(), now=tagged.now.sum(), was_then=tagged.was_then.sum()
    )
    totals = per_account.group_by("part").aggregate(**_movement_sums(per_account))
    rows = {int(r["part"]): r for r in scope.warehouse.execute(totals).to_dict("records")}
    return [_movement_of(rows.get(i, {})) for i in range(last)]


def _rated(scope: KpiScope, active: ir.Table, days: list[dt.date], shift: int) -> ir.Table:
    """`active` (contracts at a moment) with the `rate` into the base currency on day
    `moment + shift`, looked up once per (moment, currency)."""
    on = ibis.memtable(
        {"on_moment": list(range(len(days))), "rate_day": days[shift:] + [None] * shift},
        schema={"on_moment": "int64", "rate_day": "date"},
    )
    used = active.select("moment", "currency").distinct()
    dated = used.join(on, used.moment == on.on_moment).select(
        "moment", "currency", "rate_day", rate=ibis.literal(1.0)
    )
    rates = scope.to_base(dated, ["rate"], day=dated.rate_day, source="contracts")
    rates = rates.select(rate_moment="moment", rate_currency="currency", rate="rate")
    joined = active.left_join(
        rates, [active.moment == rates.rate_moment, active.currency == rates.rate_currency]
    )
    return joined.drop("rate_moment", "rate_currency")
