"""Monthly recurring revenue at a date and how it moved over a period.

MRR on a day is the sum of `mrr` of the contracts active that day (see `customers`).
The movement of a period compares each account's MRR on the last day before the period
with its MRR on the period's last day: an account going from 0 to some is new, from some
to 0 churned, otherwise the difference is expansion or contraction. Both snapshots are
converted at the rate of the period's last day, so a currency swing never shows up as
expansion or contraction and start + new + expansion − contraction − churned = end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from cruscotto.engine.customer_base import active_contracts
from cruscotto.engine.kpi_scope import KpiScope


def mrr_by_account(scope: KpiScope, day: dt.date, rate_day: dt.date) -> ir.Table:
    """(account_id, mrr) of the contracts active on `day`, in the base currency of `rate_day`."""
    active = active_contracts(scope.table("contracts"), day, day)
    converted = scope.to_base(active, ["mrr"], day=rate_day)
    return converted.group_by("account_id").aggregate(mrr=converted.mrr.sum())


@dataclass(frozen=True)
class MrrMovement:
    at_start: float
    at_end: float
    new: float
    expansion: float
    contraction: float
    churned: float

    @property
    def net_retained(self) -> float:
        """End-of-period MRR of the accounts that were paying at the start."""
        return self.at_start + self.expansion - self.contraction - self.churned


def mrr_by_account_movement(scope: KpiScope) -> ir.Table:
    """(account_id, was, now): each account's MRR on the day before and the last day."""
    rate_day = scope.last_day
    before = mrr_by_account(scope, scope.start - dt.timedelta(days=1), rate_day)
    after = mrr_by_account(scope, scope.last_day, rate_day)
    zero = ibis.literal(0.0)
    tagged = ibis.union(
        before.select("account_id", was=before.mrr, now=zero),
        after.select("account_id", was=zero, now=after.mrr),
    )
    return tagged.group_by("account_id").aggregate(was=tagged.was.sum(), now=tagged.now.sum())


def mrr_movement(scope: KpiScope) -> MrrMovement:
    per_account = mrr_by_account_movement(scope)
    zero = ibis.literal(0.0)
    was, now = per_account.was, per_account.now
    change = now - was
    both = (was > 0) & (now > 0)
    totals = per_account.aggregate(
        at_start=was.sum(),
        at_end=now.sum(),
        new=ibis.cases(((was == 0) & (now > 0), now), else_=zero).sum(),
        expansion=ibis.cases((both & (change > 0), change), else_=zero).sum(),
        contraction=ibis.cases((both & (change < 0), -change), else_=zero).sum(),
        churned=ibis.cases(((was > 0) & (now == 0), was), else_=zero).sum(),
    )
    row = scope.row(totals)
    return MrrMovement(**{k: float(row.get(k) or 0.0) for k in MrrMovement.__dataclass_fields__})
