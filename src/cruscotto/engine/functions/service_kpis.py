"""Satisfaction and support KPIs that a declaration cannot express: NPS, complaints, SLA.

(CSAT, ticket response and resolution time, follow-ups and first-contact resolution are
plain declarations in catalog/kpis/customer.yaml.)
"""

from __future__ import annotations

import math
from typing import Any

import ibis
import ibis.expr.types as ir

from cruscotto.engine.functions.kpi_scope import TOTAL, KpiScope
from cruscotto.engine.functions.measured import Z_95, Measured, computes, rate

PROMOTER_MIN = 9  # NPS bands (Reichheld 2003; seed 002): 9–10 promoters,
DETRACTOR_MAX = 6  # 7–8 passives, 0–6 detractors.
CSAT_SATISFIED_MIN = 4  # CSAT: share of 4–5 on a 1–5 scale.
CSAT_NEGATIVE_MAX = 2  # a CSAT of 1–2 is negative feedback.
COMPLAINT_CATEGORY = "complaint"


def hours_between(earlier: ir.TimestampValue, later: ir.TimestampValue) -> ir.FloatingValue:
    return (later.epoch_seconds() - earlier.epoch_seconds()) / 3600.0


def survey_answers(scope: KpiScope, kind: str) -> ir.Table:
    """Every answer to surveys of `kind`, whenever it came."""
    surveys = scope.table("surveys")
    return surveys.filter(surveys.kind == kind)


def answers(scope: KpiScope, kind: str) -> ir.Table:
    data = survey_answers(scope, kind)
    return data.filter(scope.within(data.responded_at))


NPS_COUNTS = {
    "answers": lambda t: t.count(),
    "promoters": lambda t: (t.score >= PROMOTER_MIN).sum(),
    "detractors": lambda t: (t.score <= DETRACTOR_MAX).sum(),
}


def nps_trend(scope: KpiScope, parts) -> list[Measured]:
    rows = scope.per_part(survey_answers(scope, "nps"), "responded_at", parts, NPS_COUNTS)
    return [_nps_of(row) for row in rows]


def _nps(scope: KpiScope) -> dict[Any, Measured]:
    rows = scope.per_group(survey_answers(scope, "nps"), "responded_at", NPS_COUNTS)
    return {group: _nps_of(row) for group, row in rows.items()}


@computes("nps", records=lambda scope: answers(scope, "nps"), trend=nps_trend, grouped=_nps)
def nps(scope: KpiScope) -> Measured:
    return _nps(scope)[TOTAL]


def _nps_of(row: dict) -> Measured:
    n, promoters, detractors = (
        int(row.get(k) or 0) for k in ("answers", "promoters", "detractors")
    )
    details = {
        "promoters": promoters,
        "passives": n - promoters - detractors,
        "detractors": detractors,
    }
    if n == 0:
        return Measured(None, sample_size=0, details=details)
    p, d = promoters / n, detractors / n
    score = p - d
    # NPS is a difference of two shares of one sample: Var = (p + d − (p − d)²) / n.
    half = Z_95 * math.sqrt(max(0.0, p + d - score * score) / n)
    details["ci_low"] = 100 * max(-1.0, score - half)
    details["ci_high"] = 100 * min(1.0, score + half)
    return Measured(value=100 * score, sample_size=n, details=details)


def complaint_tickets_ever(scope: KpiScope) -> ir.Table:
    tickets = scope.table("tickets")
    return tickets.filter(tickets.category == COMPLAINT_CATEGORY)


def complaint_tickets(scope: KpiScope) -> ir.Table:
    tickets = complaint_tickets_ever(scope)
    return tickets.filter(scope.within(tickets.opened_at))


COMPLAINT_KINDS = ("complaint_tickets", "negative_nps", "negative_csat")
COMPLAINT_COUNTS = {kind: lambda t, kind=kind: (t.kind == kind).sum() for kind in COMPLAINT_KINDS}


def complaint_events(scope: KpiScope) -> ir.Table:
    """Every complaint ticket and negative NPS or CSAT answer, whenever it came, as (`at`,
    `kind`) (with the breakdown's GROUP): one table, so that the three kinds are counted
    in one query."""
    tickets = complaint_tickets_ever(scope)
    surveys = scope.table("surveys")
    negative = ibis.cases(
        ((surveys.kind == "nps") & (surveys.score <= DETRACTOR_MAX), "negative_nps"),
        ((surveys.kind == "csat") & (surveys.score <= CSAT_NEGATIVE_MAX), "negative_csat"),
    )
    surveys = surveys.mutate(negative=negative)
    surveys = surveys.filter(surveys.negative.notnull())
    return ibis.union(
        tickets.select(*scope.keys, at=tickets.opened_at, kind=ibis.literal("complaint_tickets")),
        surveys.select(*scope.keys, at=surveys.responded_at, kind=surveys.negative),
    )


def complaints_trend(scope: KpiScope, parts) -> list[Measured]:
    rows = scope.per_part(complaint_events(scope), "at", parts, COMPLAINT_COUNTS)
    return [_complaints_of(row) for row in rows]


def _complaints(scope: KpiScope) -> dict[Any, Measured]:
    rows = scope.per_group(complaint_events(scope), "at", COMPLAINT_COUNTS)
    return {group: _complaints_of(row) for group, row in rows.items()}


def _complaints_of(row: dict[str, Any]) -> Measured:
    counts = {kind: int(row.get(kind) or 0) for kind in COMPLAINT_KINDS}
    total = sum(counts.values())
    return Measured(value=float(total), sample_size=total, details=counts)


# The records behind complaints are the complaint tickets; the negative answers are in the
# NPS and CSAT records.
@computes("complaints", records=complaint_tickets, trend=complaints_trend, grouped=_complaints)
def complaints(scope: KpiScope) -> Measured:
    return _complaints(scope)[TOTAL]


def opened(scope: KpiScope) -> ir.Table:
    tickets = scope.table("tickets")
    return tickets.filter(scope.within(tickets.opened_at))


def sla_outcome(scope: KpiScope, data: ir.Table) -> ir.Table:
    """`data` with `sla_met` and `sla_missed` flags; both false while a promise is pending.

    A ticket misses its SLA when the answer (or resolution) came later than promised, or
    has not come and the promised time has already passed; it meets it when every promise
    it carries was kept. Tickets without any SLA get neither flag.
    """
    now = ibis.literal(scope.now, "timestamp")

    def promise(done_at: ir.TimestampValue, hours: ir.FloatingValue):
        took = hours_between(data.opened_at, done_at)
        elapsed = hours_between(data.opened_at, now)
        kept = hours.isnull() | (done_at.notnull() & (took <= hours))
        broken = hours.notnull() & ibis.ifelse(done_at.notnull(), took > hours, elapsed > hours)
        return kept, broken

    response_kept, response_broken = promise(data.first_response_at, data.sla_response_hours)
    resolution_kept, resolution_broken = promise(data.resolved_at, data.sla_resolution_hours)
    has_sla = data.sla_response_hours.notnull() | data.sla_resolution_hours.notnull()
    missed = has_sla & (response_broken | resolution_broken)
    return data.mutate(
        sla_met=has_sla & ~missed & response_kept & resolution_kept,
        sla_missed=missed,
    )


SLA_COUNTS = {"met": lambda t: t.sla_met.sum(), "missed": lambda t: t.sla_missed.sum()}


def sla_compliance_trend(scope: KpiScope, parts) -> list[Measured]:
    tickets = sla_outcome(scope, scope.table("tickets"))
    return [_sla_rate(row) for row in scope.per_part(tickets, "opened_at", parts, SLA_COUNTS)]


def _sla_compliance(scope: KpiScope) -> dict[Any, Measured]:
    rows = scope.per_group(sla_outcome(scope, scope.table("tickets")), "opened_at", SLA_COUNTS)
    return {group: _sla_rate(row) for group, row in rows.items()}


def _sla_rate(row: dict[str, Any]) -> Measured:
    met, missed = int(row.get("met") or 0), int(row.get("missed") or 0)
    return rate(met, met + missed, missed=missed)


@computes(
    "sla_compliance",
    records=lambda scope: sla_outcome(scope, opened(scope)),
    trend=sla_compliance_trend,
    grouped=_sla_compliance,
)
def sla_compliance(scope: KpiScope) -> Measured:
    return _sla_compliance(scope)[TOTAL]
