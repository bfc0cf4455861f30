"""Account health: a 0–100 score per customer account, to spot churn risk early (seed 004).

Seed 004 names the early signs of churn: engagement in interactions, response time to
requests, use of the service, and signs of dissatisfaction. The score weighs four parts,
each from 0 (bad) to 1 (good), for every customer on the period's last day:

* engagement, 30% — interactions in the period against the period before it, of the same
  length: none now is 0; some now and none before is 1; otherwise now ÷ before, at most 1;
* satisfaction, 30% — mean of the survey answers of the last 180 days to the period end,
  each on 0–1 (NPS score ÷ 10, CSAT (score − 1) ÷ 4); 0.5 without answers;
* service, 20% — share of the tickets opened in the last 90 days that were neither a
  complaint nor a missed SLA; 1 without tickets;
* contract, 20% — 0 when the customer has given notice (a cancellation dated after the
  period) or every running contract ends within 90 days of it; otherwise 1. A company
  without contracts scores 1 when the account was invoiced in the last 90 days, else 0.5.

An account scoring under 50 is at risk. The company's value is the mean score; the
number and share of accounts at risk are in the details.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import ibis
import ibis.expr.types as ir

from cruscotto.engine.functions.kpi_scope import TOTAL, KpiScope
from cruscotto.engine.functions.measured import Measured, as_float, computes, divide
from cruscotto.engine.functions.service_kpis import COMPLAINT_CATEGORY, sla_outcome
from cruscotto.engine.rules.customers import active_contracts
from cruscotto.engine.rules.parts import Part, customers_in_parts, groups_per_part, parts_table

WEIGHTS = {"engagement": 0.3, "satisfaction": 0.3, "service": 0.2, "contract": 0.2}
AT_RISK_BELOW = 50.0
SURVEY_DAYS = 180
TICKET_DAYS = 90
RENEWAL_DAYS = 90

# Each of the four scores below is a table (part, account_id, score) over the parts
# [start, end) of a trend (one part for a single period): the records are joined with the
# parts whose window holds them, so that one query scores every account in every part.


def _recent(scope: KpiScope, parts: Sequence[Part], name: str, column: str, days: int) -> ir.Table:
    """Records of table `name` whose `column` falls in the `days` days before a part's
    end, with that part (a record can be recent for several parts)."""
    records = scope.table(name, only=())
    in_utc = records[column].type().is_timestamp()

    def bound(day: dt.date) -> dt.date | dt.datetime:
        return scope.utc(day) if in_utc else day

    spans = parts_table(
        parts,
        recent_from=lambda start, end: bound(end - dt.timedelta(days=days)),
        recent_to=lambda start, end: bound(end),
    )
    return records.join(
        spans, (records[column] >= spans.recent_from) & (records[column] < spans.recent_to)
    )


def _engagement(scope: KpiScope, parts: Sequence[Part], customers: ir.Table) -> ir.Table:
    # The period before a part has the part's length (a month for a month, a week for a week).
    spans = parts_table(
        parts,
        before_from=lambda start, end: scope.utc(start - (end - start)),
        now_from=lambda start, end: scope.utc(start),
        now_to=lambda start, end: scope.utc(end),
    )
    activities = scope.table("activities", only=())
    activities = activities.filter(activities.account_id.isin(customers.account_id))
    timeline = activities.join(
        spans,
        (activities.occurred_at >= spans.before_from) & (activities.occurred_at < spans.now_to),
    )
    now = timeline.occurred_at >= timeline.now_from
    counts = timeline.group_by(["part", "account_id"]).aggregate(now=now.sum(), before=(~now).sum())
    score = ibis.cases(
        (counts.now == 0, 0.0),
        (counts.before == 0, 1.0),
        else_=ibis.least(1.0, counts.now.cast("float64") / counts.before),
    )
    return counts.select("part", "account_id", engagement=score)


def _satisfaction(scope: KpiScope, parts: Sequence[Part]) -> ir.Table:
    recent = _recent(scope, parts, "surveys", "responded_at", SURVEY_DAYS)
    normalised = ibis.ifelse(recent.kind == "nps", recent.score / 10.0, (recent.score - 1) / 4.0)
    return recent.group_by(["part", "account_id"]).aggregate(satisfaction=normalised.mean())


def _service(scope: KpiScope, parts: Sequence[Part]) -> ir.Table:
    recent = sla_outcome(scope, _recent(scope, parts, "tickets", "opened_at", TICKET_DAYS))
    bad = (recent.category == COMPLAINT_CATEGORY).fill_null(False) | recent.sla_missed
    return recent.group_by(["part", "account_id"]).aggregate(
        service=1.0 - ibis.ifelse(bad, 1.0, 0.0).sum() / recent.count()
    )


def uses_contracts(scope: KpiScope) -> bool:
    """Whether the company keeps contracts at all: then their state is the contract signal."""
    return scope.has_rows("contracts")


def _contract(scope: KpiScope, parts: Sequence[Part]) -> ir.Table:
    if not uses_contracts(scope):
        recent = _recent(scope, parts, "invoices", "issued_at", TICKET_DAYS)
        invoiced = recent.select("part", "account_id").distinct()
        return invoiced.mutate(contract=ibis.literal(1.0))
    spans = parts_table(parts, renewal_horizon=_renewal_horizon)
    timeline = scope.table("contracts", only=()).cross_join(spans)
    running = timeline.filter(active_contracts(timeline, timeline.part_last))
    notice = running.cancelled_at.notnull()
    lasting = running.end_date.isnull() | (running.end_date > running.renewal_horizon)
    per_account = running.group_by(["part", "account_id"]).aggregate(
        notice=notice.any(), lasting=(lasting & ~notice).any()
    )
    return per_account.select(
        "part",
        "account_id",
        contract=ibis.ifelse(per_account.notice | ~per_account.lasting, 0.0, 1.0),
    )


def _renewal_horizon(start: dt.date, end: dt.date) -> dt.date:
    """RENEWAL_DAYS after the part's last day."""
    return end - dt.timedelta(days=1) + dt.timedelta(days=RENEWAL_DAYS)


def _scores(scope: KpiScope, parts: Sequence[Part]) -> ir.Table:
    """(part, *keys, account_id, the four parts, score) of every customer on the last day
    of each part; in a breakdown the customers carry the group, the parts are per account."""
    customers = customers_in_parts(scope, parts, on_last_day=True)
    defaults = {"engagement": 0.0, "satisfaction": 0.5, "service": 1.0, "contract": 0.5}
    if uses_contracts(scope):
        defaults["contract"] = 1.0  # every customer has a running contract, so a row
    joined = customers
    for part in (
        _engagement(scope, parts, customers),
        _satisfaction(scope, parts),
        _service(scope, parts),
        _contract(scope, parts),
    ):
        joined = joined.left_join(part, ["part", "account_id"]).drop(
            "part_right", "account_id_right"
        )
    scores = {name: joined[name].fill_null(default) for name, default in defaults.items()}
    score = 100.0 * sum(WEIGHTS[name] * scores[name] for name in WEIGHTS)
    return joined.select("part", *scope.keys, "account_id", **scores, score=score)


def health_scores(scope: KpiScope) -> ir.Table:
    """One row per customer on the period's last day: the four parts and the score.

    The filters pick the customers; each part then looks at everything about them.
    """
    return _scores(scope, [(scope.start, scope.end)]).drop("part")


def _health(scope: KpiScope, parts: Sequence[Part]) -> list[dict[Any, Measured]]:
    """{group: Measured} of each part, from one query."""
    scores = _scores(scope, parts)
    query = scores.group_by(["part", *scope.keys]).aggregate(
        accounts=scores.count(),
        mean=scores.score.mean(),
        at_risk=(scores.score < AT_RISK_BELOW).sum(),
    )
    return [
        {group: _mean_health(row) for group, row in rows.items()}
        for rows in groups_per_part(scope, query, len(parts))
    ]


def _mean_health(row: dict[str, Any]) -> Measured:
    accounts, at_risk = int(row.get("accounts") or 0), int(row.get("at_risk") or 0)
    return Measured(
        value=as_float(row.get("mean")),
        sample_size=accounts,
        details={"accounts_at_risk": at_risk, "share_at_risk": divide(at_risk, accounts)},
    )


@computes(
    "account_health",
    records=health_scores,
    trend=lambda scope, parts: [groups[TOTAL] for groups in _health(scope, parts)],
    grouped=lambda scope: _health(scope, [(scope.start, scope.end)])[0],
)
def account_health(scope: KpiScope) -> Measured:
    return _health(scope, [(scope.start, scope.end)])[0][TOTAL]
