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

import ibis
import ibis.expr.types as ir

from cruscotto.engine.customer_base import active_contracts, customers_on, uses_contracts
from cruscotto.engine.kpi_scope import KpiScope
from cruscotto.engine.measured import Measured, as_float, computes, divide
from cruscotto.engine.service_kpis import COMPLAINT_CATEGORY, sla_outcome

WEIGHTS = {"engagement": 0.3, "satisfaction": 0.3, "service": 0.2, "contract": 0.2}
AT_RISK_BELOW = 50.0
SURVEY_DAYS = 180
TICKET_DAYS = 90
RENEWAL_DAYS = 90


def _days_before_end(scope: KpiScope, days: int) -> dt.date:
    return scope.end - dt.timedelta(days=days)


def _engagement(scope: KpiScope) -> ir.Table:
    activities = scope.table("activities", only=())
    length = scope.end - scope.start
    now = scope.within(activities.occurred_at)
    before = scope.within(activities.occurred_at, scope.start - length, scope.start)
    counts = (
        activities.filter(now | before)
        .group_by("account_id")
        .aggregate(now=now.sum(), before=before.sum())
    )
    score = ibis.cases(
        (counts.now == 0, 0.0),
        (counts.before == 0, 1.0),
        else_=ibis.least(1.0, counts.now.cast("float64") / counts.before),
    )
    return counts.select("account_id", engagement=score)


def _satisfaction(scope: KpiScope) -> ir.Table:
    surveys = scope.table("surveys", only=())
    recent = surveys.filter(
        scope.within(surveys.responded_at, _days_before_end(scope, SURVEY_DAYS), scope.end)
    )
    normalised = ibis.ifelse(recent.kind == "nps", recent.score / 10.0, (recent.score - 1) / 4.0)
    return recent.group_by("account_id").aggregate(satisfaction=normalised.mean())


def _service(scope: KpiScope) -> ir.Table:
    tickets = scope.table("tickets", only=())
    recent = tickets.filter(
        scope.within(tickets.opened_at, _days_before_end(scope, TICKET_DAYS), scope.end)
    )
    recent = sla_outcome(scope, recent)
    bad = (recent.category == COMPLAINT_CATEGORY).fill_null(False) | recent.sla_missed
    return recent.group_by("account_id").aggregate(
        service=1.0 - ibis.ifelse(bad, 1.0, 0.0).sum() / recent.count()
    )


def _contract(scope: KpiScope) -> ir.Table:
    if not uses_contracts(scope):
        invoices = scope.table("invoices", only=())
        recent = invoices.filter(
            invoices.issued_at >= _days_before_end(scope, TICKET_DAYS),
            invoices.issued_at < scope.end,
        )
        return recent.select("account_id").distinct().mutate(contract=ibis.literal(1.0))
    contracts = scope.table("contracts", only=())
    running = active_contracts(contracts, scope.last_day, scope.last_day)
    horizon = scope.last_day + dt.timedelta(days=RENEWAL_DAYS)
    notice = running.cancelled_at.notnull()
    lasting = running.end_date.isnull() | (running.end_date > horizon)
    per_account = running.group_by("account_id").aggregate(
        notice=notice.any(), lasting=(lasting & ~notice).any()
    )
    return per_account.select(
        "account_id",
        contract=ibis.ifelse(per_account.notice | ~per_account.lasting, 0.0, 1.0),
    )


def health_scores(scope: KpiScope) -> ir.Table:
    """One row per customer on the period's last day: the four parts and the score.

    The filters pick the customers; each part then looks at everything about them.
    """
    customers = customers_on(scope, scope.last_day)
    defaults = {"engagement": 0.0, "satisfaction": 0.5, "service": 1.0, "contract": 0.5}
    if uses_contracts(scope):
        defaults["contract"] = 1.0  # every customer has a running contract, so a row
    joined = customers
    for part in (_engagement(scope), _satisfaction(scope), _service(scope), _contract(scope)):
        joined = joined.left_join(part, "account_id").drop("account_id_right")
    parts = {name: joined[name].fill_null(default) for name, default in defaults.items()}
    score = 100.0 * sum(WEIGHTS[name] * parts[name] for name in WEIGHTS)
    return joined.select("account_id", **parts, score=score)


@computes("account_health", records=health_scores)
def account_health(scope: KpiScope) -> Measured:
    scores = health_scores(scope)
    row = scope.row(
        scores.aggregate(
            accounts=scores.count(),
            mean=scores.score.mean(),
            at_risk=(scores.score < AT_RISK_BELOW).sum(),
        )
    )
    accounts, at_risk = int(row.get("accounts") or 0), int(row.get("at_risk") or 0)
    return Measured(
        value=as_float(row.get("mean")),
        sample_size=accounts,
        details={"accounts_at_risk": at_risk, "share_at_risk": divide(at_risk, accounts)},
    )
