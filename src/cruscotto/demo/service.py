"""Looking after customers: support tickets, NPS and CSAT answers, account management.

A customer is served over periods (from signature to departure, or to today). Rates are
per month of period and can vary per period, which is how the account sliding toward
churn gets its falling engagement, rising tickets and sinking scores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from cruscotto.demo import activities as act
from cruscotto.demo import columns as col
from cruscotto.demo import company as co
from cruscotto.demo.contracts import MONTH
from cruscotto.demo.run import Run
from cruscotto.demo.timeline import DAY, HOUR
from cruscotto.model.tables import SURVEY_CONTEXTS, TICKET_PRIORITIES

PRIORITY_SHARE = (0.25, 0.50, 0.18, 0.07)
SLA_RESPONSE_HOURS = np.array([8.0, 4.0, 2.0, 1.0])
SLA_RESOLUTION_HOURS = np.array([72.0, 48.0, 24.0, 8.0])
CATEGORIES = ("how_to", "incident", "access", "billing", "change_request", "complaint")
CATEGORY_SHARE = (0.30, 0.25, 0.12, 0.10, 0.18, 0.05)
COMPLAINT = CATEGORIES.index("complaint")
TICKET_CHANNELS = ("email", "portal", "phone", "chat")
TICKET_CHANNEL_SHARE = (0.45, 0.25, 0.20, 0.10)
CSAT_SHARE = (0.04, 0.06, 0.12, 0.35, 0.43)  # scores 1..5
CSAT_RESPONSE = 0.35
NPS_SHARE = (0.01, 0.01, 0.01, 0.02, 0.03, 0.04, 0.06, 0.12, 0.20, 0.26, 0.24)  # 0..10
NPS_PER_QUARTER = 0.4  # periodic NPS answers per customer per quarter
POST_SALE_RESPONSE = 0.5
CARE_PER_MONTH = 0.35  # account-management touches per customer per month
CARE_DILUTION = 0.7  # by today a customer gets 1 ÷ 1.7 of the touches it got at the start
# A customer who will leave, in its last FADE_DAYS: fewer touches, more tickets and
# complaints, lower scores.
FADE_DAYS = 120
FADE_CARE, FADE_TICKETS = 0.2, 2.5
FADE_COMPLAINT_SHARE, FADE_SCORE_SHIFT = 0.25, -3
COMMENTS = (
    "Slow answers on urgent tickets",
    "Invoices are hard to read",
    "Good people, but projects run late",
    "Very responsive team",
    "Great expertise, would recommend",
)


@dataclass(frozen=True)
class Periods:
    account: np.ndarray
    manager: np.ndarray  # account manager
    segment: np.ndarray
    start: np.ndarray
    end: np.ndarray  # no later than today
    ticket_rate: np.ndarray  # tickets per month
    care_rate: np.ndarray  # account-management touches per month
    score_shift: np.ndarray  # added to survey scores (negative: unhappier)
    complaint_share: np.ndarray
    nps_rate: np.ndarray  # periodic NPS answers per quarter
    post_sale: np.ndarray  # ask an NPS question after the signature


def customer_periods(
    run: Run,
    rng: np.random.Generator,
    account: np.ndarray,
    segment: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    *,
    post_sale: bool,
    contract: np.ndarray | None = None,
    manager: np.ndarray | None = None,
) -> Periods:
    """Ordinary customers: the segment sets the ticket load, everything else is typical —
    but a customer who will leave fades first (docs/demo-company.md): in its last
    FADE_DAYS its account-care touches drop, its tickets and complaints rise and its
    scores sink, so churn can be seen coming (the churn-risk model learns it)."""
    n = len(account)
    end = np.minimum(end, run.timeline.cutoff - 1)
    fades_from = end - FADE_DAYS * DAY
    # Only a contract customer leaves (a project's aftercare simply ends).
    leaving = (end < run.timeline.cutoff - 1) & (fades_from > start)
    leaving &= np.zeros(n, dtype=bool) if contract is None else contract
    if manager is None:
        manager = rng.choice(run.staff.by_role["account_manager"], n)
    normal = Periods(
        account=account,
        manager=manager,
        segment=segment,
        start=start,
        end=np.where(leaving, fades_from, end),
        ticket_rate=np.asarray(co.SEGMENT_TICKETS_PER_MONTH)[segment],
        care_rate=np.full(n, CARE_PER_MONTH),
        score_shift=np.zeros(n, dtype=np.int64),
        complaint_share=np.full(n, CATEGORY_SHARE[COMPLAINT]),
        nps_rate=np.full(n, NPS_PER_QUARTER),
        post_sale=np.full(n, post_sale),
    )
    f = np.nonzero(leaving)[0]
    fading = Periods(
        account=account[f],
        manager=normal.manager[f],
        segment=segment[f],
        start=fades_from[f],
        end=end[f],
        ticket_rate=normal.ticket_rate[f] * FADE_TICKETS,
        care_rate=np.full(len(f), CARE_PER_MONTH * FADE_CARE),
        score_shift=np.full(len(f), FADE_SCORE_SHIFT, dtype=np.int64),
        complaint_share=np.full(len(f), FADE_COMPLAINT_SHARE),
        nps_rate=np.full(len(f), NPS_PER_QUARTER * 2),
        post_sale=np.zeros(len(f), dtype=bool),
    )
    return Periods(
        **{
            name: np.concatenate([getattr(normal, name), getattr(fading, name)])
            for name in normal.__dataclass_fields__
        }
    )


def serve(run: Run, rng: np.random.Generator, p: Periods) -> None:
    months = np.maximum(p.end - p.start, 0) / MONTH
    _tickets_and_csat(run, rng, p, rng.poisson(p.ticket_rate * months))
    _nps(run, rng, p, months)
    care = rng.poisson(p.care_rate * months)
    of = np.repeat(np.arange(len(p.account)), care)
    occurred = run.timeline.spread(rng, p.start[of], p.end[of])
    # The account managers are as many at the end of the window as at its start: as the
    # book of customers grows, each one gets a little less of their time.
    kept = rng.random(len(of)) * (1 + CARE_DILUTION * run.timeline.progress(occurred)) < 1
    of, occurred = of[kept], occurred[kept]
    numbers = run.numbering.take("activity", len(of))
    zeros = np.zeros(len(of), dtype=np.int64)
    run.sink.write(
        "activities",
        act.activity_table(
            rng,
            run.timeline.cutoff,
            numbers,
            kind=act.kinds(rng, act.ACCOUNT_CARE, len(of)),
            occurred=occurred,
            rep=p.manager[of],
            lead=zeros,
            opportunity=zeros,
            account=p.account[of],
        ),
    )


def _tickets_and_csat(run: Run, rng: np.random.Generator, p: Periods, count: np.ndarray) -> None:
    tl = run.timeline
    of = np.repeat(np.arange(len(p.account)), count)
    n = len(of)
    opened = tl.spread(rng, p.start[of], p.end[of])
    priority = co.pick(rng, PRIORITY_SHARE, n)
    category = co.pick(rng, CATEGORY_SHARE[:-1], n)
    complaint = rng.random(n) < p.complaint_share[of]
    category = np.where(complaint, COMPLAINT, category)
    sla_response, sla_resolution = SLA_RESPONSE_HOURS[priority], SLA_RESOLUTION_HOURS[priority]
    first_response = opened + (sla_response * co.lognormal(rng, 0.45, 0.7, n) * HOUR).astype(
        np.int64
    )
    followups = rng.poisson(np.where(complaint, 2.5, 1.0))
    resolution_hours = sla_resolution * co.lognormal(rng, 0.45, 0.8, n) * (1 + 0.3 * followups)
    resolved_at = first_response + (resolution_hours * HOUR).astype(np.int64)
    responded = first_response < tl.cutoff
    resolved = resolved_at < tl.cutoff
    run.sink.write(
        "tickets",
        pa.table(
            {
                "ticket_id": col.ids("H", run.numbering.take("ticket", n)),
                "account_id": col.ids("A", p.account[of]),
                "opened_at": col.timestamps(opened),
                "first_response_at": col.timestamps(first_response, responded),
                "resolved_at": col.timestamps(resolved_at, resolved),
                "agent_id": col.ids("R", rng.choice(run.staff.by_role["support"], n)),
                "priority": col.labels(TICKET_PRIORITIES, priority),
                "category": col.labels(CATEGORIES, category),
                "channel": col.labels(TICKET_CHANNELS, co.pick(rng, TICKET_CHANNEL_SHARE, n)),
                "followups": col.integers(followups),
                "resolved_on_first_contact": col.booleans((followups == 0) & ~complaint, resolved),
                "sla_response_hours": col.numbers(sla_response),
                "sla_resolution_hours": col.numbers(sla_resolution),
            }
        ),
    )
    answered_at = resolved_at + co.lognormal(rng, 0.5 * DAY, 0.8, n).astype(np.int64)
    asked = resolved & (answered_at < tl.cutoff) & (rng.random(n) < CSAT_RESPONSE)
    score = co.pick(rng, CSAT_SHARE, n) + 1 + np.where(complaint, -2, 0) + p.score_shift[of] // 2
    a = np.nonzero(asked)[0]
    _write_surveys(
        run,
        rng,
        p.account[of][a],
        "csat",
        np.clip(score[a], 1, 5),
        np.full(len(a), 1),
        answered_at[a],
    )


def _nps(run: Run, rng: np.random.Generator, p: Periods, months: np.ndarray) -> None:
    tl = run.timeline
    periodic = rng.poisson(p.nps_rate * months / 3)
    of = np.repeat(np.arange(len(p.account)), periodic)
    when = tl.spread(rng, p.start[of], p.end[of])
    after_sale = p.start + co.lognormal(rng, 14 * DAY, 0.4, len(p.account)).astype(np.int64)
    answers = rng.random(len(p.account)) < POST_SALE_RESPONSE
    s = np.nonzero(p.post_sale & (after_sale < p.end) & answers)[0]
    of = np.concatenate([of, s])
    when = np.concatenate([when, after_sale[s]])
    context = np.concatenate([np.full(len(when) - len(s), 2), np.zeros(len(s), dtype=np.int64)])
    score = np.clip(co.pick(rng, NPS_SHARE, len(of)) + p.score_shift[of], 0, 10)
    _write_surveys(run, rng, p.account[of], "nps", score, context, when)


def _write_surveys(
    run: Run,
    rng: np.random.Generator,
    account: np.ndarray,
    kind: str,
    score: np.ndarray,
    context: np.ndarray,
    when: np.ndarray,
) -> None:
    n = len(account)
    unhappy = score <= (6 if kind == "nps" else 2)
    happy = score >= (9 if kind == "nps" else 5)
    comment = np.where(unhappy, rng.integers(0, 3, n), rng.integers(3, 5, n))
    commented = (unhappy | happy) & (rng.random(n) < 0.2)
    run.sink.write(
        "surveys",
        pa.table(
            {
                "response_id": col.ids("S", run.numbering.take("survey", n)),
                "account_id": col.ids("A", account),
                "kind": pa.array([kind] * n, pa.string()),
                "score": col.integers(score),
                "context": col.labels(SURVEY_CONTEXTS, context),
                "responded_at": col.timestamps(when),
                "comment": col.labels(COMMENTS, comment, commented),
            }
        ),
    )
