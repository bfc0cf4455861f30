"""Calls, e-mails, chats, meetings, demos, InMails and proposals, with what came of them.

Every part of the generator that produces activities (prospecting of leads, work on
deals, account management of customers) hands its rows to `activity_table`, which gives
each one a direction, a duration and an outcome that fit its type.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from cruscotto.demo import columns as col
from cruscotto.demo.timeline import DAY
from cruscotto.model.tables import ACTIVITY_OUTCOMES, ACTIVITY_TYPES

CALL, EMAIL, CHAT, MEETING, DEMO, INMAIL, PROPOSAL = range(len(ACTIVITY_TYPES))
COMPLETED, NO_ANSWER, REPLIED, NO_REPLY, ACCEPTED, DECLINED, PROPOSED = range(
    len(ACTIVITY_OUTCOMES)
)
# Share of each type in the day-to-day work on deals and with customers; work on deals
# that will be won has more meetings and demos than on those that will be lost.
WON_DEAL_WORK = (0.22, 0.34, 0.04, 0.20, 0.13, 0.07, 0.0)
LOST_DEAL_WORK = (0.30, 0.42, 0.04, 0.10, 0.02, 0.12, 0.0)
ACCOUNT_CARE = (0.30, 0.40, 0.10, 0.20, 0.0, 0.0, 0.0)
MEETING_ACCEPTANCE = 0.72
# A meeting proposed in the last days before today has no answer yet.
PENDING_DAYS = 3


def activity_table(
    rng: np.random.Generator,
    cutoff: int,
    numbers: np.ndarray,
    kind: np.ndarray,
    occurred: np.ndarray,
    rep: np.ndarray,
    lead: np.ndarray,
    opportunity: np.ndarray,
    account: np.ndarray,
    outbound: np.ndarray | None = None,
) -> pa.Table:
    """Rows of `activities`; `lead`, `opportunity`, `account` use 0 for "none".

    The direction is drawn per type unless `outbound` fixes it.
    """
    n = len(numbers)
    draw = rng.random(n)
    if outbound is None:
        outbound = np.select(
            [kind == CHAT, kind == EMAIL, kind == CALL],
            [draw < 0.2, draw < 0.75, draw < 0.85],
            True,
        )
    answer = rng.random(n)
    outcome = np.full(n, COMPLETED)
    outcome[kind == CALL] = np.where(answer < 0.65, COMPLETED, NO_ANSWER)[kind == CALL]
    replies = outbound & ((kind == EMAIL) | (kind == INMAIL))
    reply_rate = np.where(kind == INMAIL, 0.22, 0.35)
    outcome[replies] = np.where(answer < reply_rate, REPLIED, NO_REPLY)[replies]
    meeting = kind == MEETING
    pending = meeting & (occurred > cutoff - PENDING_DAYS * DAY)
    outcome[meeting] = np.where(answer < MEETING_ACCEPTANCE, ACCEPTED, DECLINED)[meeting]
    outcome[pending] = PROPOSED

    median = np.array([8.0, 4.0, 9.0, 45.0, 60.0, 3.0, 120.0])[kind]
    minutes = median * np.exp(0.45 * rng.standard_normal(n))
    minutes = np.where(outcome == NO_ANSWER, 0.5, minutes)
    minutes = np.where(meeting & (outcome != ACCEPTED), 0.0, minutes)
    return pa.table(
        {
            "activity_id": col.ids("X", numbers),
            "type": col.labels(ACTIVITY_TYPES, kind),
            "occurred_at": col.timestamps(occurred),
            "rep_id": col.ids("R", rep),
            "lead_id": col.ids("L", lead, lead > 0),
            "opportunity_id": col.ids("O", opportunity, opportunity > 0),
            "account_id": col.ids("A", account, account > 0),
            "direction": col.labels(("inbound", "outbound"), outbound.astype(np.int64)),
            "duration_min": col.numbers(minutes, decimals=1),
            "outcome": col.labels(ACTIVITY_OUTCOMES, outcome),
        }
    )


def kinds(rng: np.random.Generator, shares: tuple[float, ...], n: int) -> np.ndarray:
    p = np.asarray(shares) / np.sum(shares)
    return rng.choice(len(p), size=n, p=p)
