"""One month of new business: leads, their companies, deals, stage history and quotes.

Each lead climbs the funnel (MQL, SQL, opportunity) with its channel's odds; a deal's
chance of being won depends on the channel, the company's segment and the owner. The
story lines live here: paid search leads qualify ever less often, and one rep's win
rate climbs month after month.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from cruscotto.demo import accounts, marketing, pipelines
from cruscotto.demo import activities as act
from cruscotto.demo import columns as col
from cruscotto.demo import company as co
from cruscotto.demo.run import FUNNEL, Run
from cruscotto.demo.timeline import DAY, HOUR
from cruscotto.model.tables import QUOTE_STATUSES

RESPONSE_SHARE = 0.93  # leads that ever get an answer
DEGRADED_TO = 0.35  # paid search's SQL rate by today, relative to the start of the window
LEAD_TOUCHES = 0.5  # mean follow-up touches after the first response
DEAL_TOUCHES = 2.5  # mean activities on a deal besides the proposal
WON_TOUCHES, LOST_TOUCHES = 1.35, 0.6  # × DEAL_TOUCHES for deals that will be won / lost
LOST_ACTIVE_SHARE = 0.55  # a deal that will be lost sees no activity after this share of its life


@dataclass(frozen=True)
class WonDeals:
    """Deals won before today, with what the customer bought."""

    opportunity: np.ndarray
    account: np.ndarray
    owner: np.ndarray
    closed_at: np.ndarray
    product: np.ndarray
    amount: np.ndarray  # in the deal currency
    currency: np.ndarray
    segment: np.ndarray


def _steps(channel: np.ndarray, progress: np.ndarray) -> tuple[np.ndarray, ...]:
    table = np.array([[c.to_mql, c.to_sql, c.to_opportunity, c.to_won] for c in co.CHANNELS])
    to_mql, to_sql, to_opportunity, to_won = table[channel].T
    decay = 1.0 - (1.0 - DEGRADED_TO) * progress
    to_sql = np.where(channel == co.DEGRADING_CHANNEL, to_sql * decay, to_sql)
    return to_mql, to_sql, to_opportunity, to_won


def lead_count(run: Run, month: int) -> int:
    tl = run.timeline
    lo, hi = tl.month_starts[month], min(tl.month_starts[month + 1], tl.cutoff)
    share = tl.weight_between(lo, hi) / tl.weight_between(tl.start, tl.cutoff)
    return round(co.LEADS_PER_MONTH * run.scale * (tl.n_months - 1) * share)


def month_of_leads(run: Run, month: int) -> WonDeals:
    rng = run.rng(FUNNEL, month)
    tl = run.timeline
    n = lead_count(run, month)
    lo, hi = tl.month_starts[month], min(tl.month_starts[month + 1], tl.cutoff)
    created = np.sort(tl.spread(rng, np.full(n, lo), np.full(n, hi - 1)))
    channel = co.pick(rng, tuple(c.share for c in co.CHANNELS), n)
    staff, aes = run.staff, run.staff.by_role["ae"]
    # Accounts show their owner today; leads go to the SDRs still there when they arrive.
    company = accounts.create(
        run, rng, created, channel, staff.on_duty(rng.choice(aes, n), tl.cutoff - 1)
    )
    sdr = staff.on_duty(rng.choice(staff.by_role["sdr"], n), created)
    numbers = run.numbering.take("lead", n)

    to_mql, to_sql, to_opportunity, to_won = _steps(channel, tl.progress(created))
    delay = np.clip(co.lognormal(rng, 2.5 * HOUR, 1.1, n), 180, 96 * HOUR).astype(np.int64)
    first_response = created + delay
    responded = (rng.random(n) < RESPONSE_SHARE) & (first_response < tl.cutoff)
    is_mql = rng.random(n) < to_mql
    mql_at = created + co.lognormal(rng, 1.5 * DAY, 0.8, n).astype(np.int64)
    is_sql = is_mql & (rng.random(n) < to_sql)
    sql_at = mql_at + co.lognormal(rng, 6 * DAY, 0.7, n).astype(np.int64)
    has_deal = is_sql & (rng.random(n) < to_opportunity)
    deal_at = sql_at + co.lognormal(rng, 2 * DAY, 0.8, n).astype(np.int64)
    dropped_from = np.select([~is_mql, ~is_sql, ~has_deal], [created, mql_at, sql_at], -1)
    disqualified_at = dropped_from + co.lognormal(rng, 9 * DAY, 0.6, n).astype(np.int64)
    # What the CRM knows today.
    is_mql &= mql_at < tl.cutoff
    is_sql &= sql_at < tl.cutoff
    has_deal &= deal_at < tl.cutoff
    disqualified = (dropped_from >= 0) & (disqualified_at < tl.cutoff)

    # When the lead stops needing its SDR: its deal, its disqualification or three quiet
    # weeks after the first answer.
    ended = np.select(
        [has_deal, disqualified], [deal_at, disqualified_at], first_response + 21 * DAY
    )

    d = np.nonzero(has_deal)[0]
    deal_numbers = run.numbering.take("opportunity", len(d))
    owner = staff.on_duty(rng.choice(aes, len(d)), deal_at[d])
    segment = company.segment[d]
    p_win = (
        to_won[d]
        * np.asarray(co.SEGMENT_WIN_FACTOR)[segment]
        * run.staff.win_multiplier(owner, tl.progress(deal_at[d]))
    )
    won = rng.random(len(d)) < np.minimum(p_win, 0.95)
    deals = pipelines.simulate(rng, tl, pipelines.NEW_BUSINESS, deal_at[d], won)
    # Whoever has the deal when it closes (or today): a colleague once its owner left.
    closer = staff.on_duty(owner, np.minimum(deals.closes_at, tl.cutoff - 1))
    currency = company.currency[d]
    amount_eur = co.lognormal(rng, np.asarray(co.SEGMENT_DEAL_EUR)[segment], 0.5, len(d))
    rate = run.fx.per_day[currency, tl.day_of(deal_at[d])]
    amount = np.maximum(np.round(amount_eur / rate, -2), 500.0)
    product = co.pick(rng, co.PRODUCT_SHARE, len(d))
    run.ledger.book_won(
        closer[won],
        tl.month_of(deals.closes_at[won]),
        run.fx.to_base(amount[won], currency[won], deals.closes_at[won]),
    )

    deal_of_lead = np.zeros(n, dtype=np.int64)
    deal_of_lead[d] = deal_numbers
    converted = np.zeros(n, dtype=bool)
    converted[d] = deals.won_now
    converted_at = np.zeros(n, dtype=np.int64)
    converted_at[d] = deals.closes_at
    campaign = marketing.campaign_numbers(channel, month, tl.n_months)
    run.sink.write(
        "leads",
        pa.table(
            {
                "lead_id": col.ids("L", numbers),
                "created_at": col.timestamps(created),
                "channel": col.labels(co.CHANNEL_NAMES, channel),
                "campaign_id": col.ids("C", campaign, campaign > 0),
                "owner_id": col.ids("R", staff.on_duty(sdr, np.minimum(ended, tl.cutoff - 1))),
                "mql_at": col.timestamps(mql_at, is_mql),
                "sql_at": col.timestamps(sql_at, is_sql),
                "first_response_at": col.timestamps(first_response, responded),
                "disqualified_at": col.timestamps(disqualified_at, disqualified),
                "converted_at": col.timestamps(converted_at, converted),
                "account_id": col.ids("A", company.numbers),
                "opportunity_id": col.ids("O", deal_of_lead, has_deal),
            }
        ),
    )
    run.sink.write(
        "opportunities",
        pipelines.opportunities(
            rng,
            tl,
            deals,
            numbers=deal_numbers,
            account=company.numbers[d],
            lead=numbers[d],
            owner=closer,
            amount=amount,
            currency=currency,
            product=product,
            lost_reason=co.pick(rng, co.LOST_REASON_SHARE, len(d)),
        ),
    )
    run.sink.write("stage_history", pipelines.stage_history(deal_numbers, deals))
    write_quotes(run, rng, deals, deal_numbers, company.numbers[d], amount, currency)

    # Prospecting: the first response, then a few more touches until the lead moves on.
    r = np.nonzero(responded)[0]
    moved_on = ended[r]
    extra = rng.poisson(LEAD_TOUCHES, len(r))
    touch_of = np.repeat(r, extra)
    # Spread over the lead's whole life, then cut at today (squeezing them into the part
    # lived so far piled the touches of today's young leads into the last weeks).
    touched_at = tl.spread(rng, first_response[touch_of], moved_on.repeat(extra))
    done = touched_at < tl.cutoff
    touch_of, touched_at = touch_of[done], touched_at[done]
    lead_rows = np.concatenate([r, touch_of])
    lead_occurred = np.concatenate([first_response[r], touched_at])
    write_deal_and_lead_activities(
        run,
        rng,
        kind=np.concatenate(
            [
                act.kinds(rng, (0.45, 0.40, 0, 0, 0, 0.15, 0), len(r)),
                act.kinds(rng, (0.40, 0.40, 0.05, 0, 0, 0.15, 0), len(touch_of)),
            ]
        ),
        occurred=lead_occurred,
        rep=staff.on_duty(sdr[lead_rows], lead_occurred),
        lead=numbers[lead_rows],
        opportunity=np.zeros(len(lead_rows), dtype=np.int64),
        account=company.numbers[lead_rows],
        # The first response is by definition outbound; later touches may be either way.
        outbound=np.concatenate([np.ones(len(r), dtype=bool), rng.random(len(touch_of)) < 0.8]),
    )
    work_on_deals(run, rng, deals, deal_numbers, owner, company.numbers[d])

    w = np.nonzero(deals.won_now)[0]
    return WonDeals(
        opportunity=deal_numbers[w],
        account=company.numbers[d][w],
        owner=closer[w],
        closed_at=deals.closes_at[w],
        product=product[w],
        amount=amount[w],
        currency=currency[w],
        segment=segment[w],
    )


def write_deal_and_lead_activities(run: Run, rng: np.random.Generator, **rows: np.ndarray):
    numbers = run.numbering.take("activity", len(rows["kind"]))
    run.sink.write("activities", act.activity_table(rng, run.timeline.cutoff, numbers, **rows))


def work_on_deals(
    run: Run,
    rng: np.random.Generator,
    deals: pipelines.Deals,
    numbers: np.ndarray,
    owner: np.ndarray,
    account: np.ndarray,
) -> None:
    """Activities on deals: calls, e-mails, meetings, demos… and the proposal sent.

    They name the deal and the company, not the lead: the lead's own activities are the
    prospecting ones, so its first outbound activity is its first response.
    """
    tl = run.timeline
    created = deals.entered[:, 0]
    closes = deals.closes_at
    # The signal a sales manager knows (docs/demo-company.md): deals that will be won are
    # worked more and see more demos; deals that will be lost go quiet well before the end.
    # It follows each deal's (hidden) outcome, so open deals carry it too.
    won = deals.won
    count = rng.poisson(DEAL_TOUCHES * np.where(won, WON_TOUCHES, LOST_TOUCHES))
    of = np.repeat(np.arange(len(numbers)), count)
    active_until = created + (np.where(won, 1.0, LOST_ACTIVE_SHARE) * (closes - created))
    # Spread over the deal's whole (simulated) life and cut at today below: an open deal
    # has had only the work of the part it has lived so far.
    until = np.maximum(active_until.astype(np.int64), created)
    occurred = tl.spread(rng, created[of], until[of])
    kind = np.where(
        won[of],
        act.kinds(rng, act.WON_DEAL_WORK, len(of)),
        act.kinds(rng, act.LOST_DEAL_WORK, len(of)),
    )
    keep = occurred < tl.cutoff
    of, occurred, kind = of[keep], occurred[keep], kind[keep]
    proposal_at = deals.reached("proposal")
    proposed = np.nonzero((proposal_at >= 0) & (proposal_at < tl.cutoff))[0]
    rows = np.concatenate([of, proposed])
    occurred = np.concatenate([occurred, proposal_at[proposed]])
    write_deal_and_lead_activities(
        run,
        rng,
        kind=np.concatenate([kind, np.full(len(proposed), act.PROPOSAL)]),
        occurred=occurred,
        rep=run.staff.on_duty(owner[rows], occurred),
        lead=np.zeros(len(rows), dtype=np.int64),
        opportunity=numbers[rows],
        account=account[rows],
    )


def write_quotes(
    run: Run,
    rng: np.random.Generator,
    deals: pipelines.Deals,
    deal_numbers: np.ndarray,
    account: np.ndarray,
    amount: np.ndarray,
    currency: np.ndarray,
) -> None:
    """A quote for each deal that reached the proposal: asked during discovery, sent on entry."""
    tl = run.timeline
    sent = deals.reached("proposal")
    asked_from = deals.entered[:, max(0, deals.pipeline.stages.index("proposal") - 1)]
    requested = asked_from + (rng.uniform(0.3, 0.9, len(sent)) * (sent - asked_from)).astype(
        np.int64
    )
    q = np.nonzero((sent >= 0) & (requested < tl.cutoff))[0]
    is_sent = sent[q] < tl.cutoff
    won, lost = deals.won_now[q], deals.closed[q] & ~deals.won[q]
    expired = rng.random(len(q)) < 0.25
    status = np.select(
        [~is_sent, won, lost & expired, lost], [0, 2, 4, 3], 1
    )  # index into QUOTE_STATUSES
    run.sink.write(
        "quotes",
        pa.table(
            {
                "quote_id": col.ids("Q", run.numbering.take("quote", len(q))),
                "opportunity_id": col.ids("O", deal_numbers[q]),
                "account_id": col.ids("A", account[q]),
                "requested_at": col.timestamps(requested[q]),
                "sent_at": col.timestamps(sent[q], is_sent),
                "amount": col.numbers(np.round(amount[q] * rng.uniform(1.0, 1.12, len(q)), -1)),
                "currency": col.labels(co.CURRENCIES, currency[q]),
                "status": col.labels(QUOTE_STATUSES, status),
            }
        ),
    )
