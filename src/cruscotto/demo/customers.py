"""What happens after a deal is won: contracts or projects, service, and upsell deals."""

from __future__ import annotations

import numpy as np

from cruscotto.demo import accounts, contracts, delivery, pipelines, service
from cruscotto.demo import company as co
from cruscotto.demo.funnel import WonDeals, work_on_deals, write_quotes
from cruscotto.demo.run import BASE, RENEWALS, SERVICE, Run
from cruscotto.demo.timeline import DAY

UPSELL_SHARE = 0.35  # recurring contracts that get an upsell deal at some point
UPSELL_WIN = 0.55
PROJECT_AFTERCARE_DAYS = 90  # a project customer is served this long after delivery
BASE_CHUNK = 1_000  # random-stream number of the customers signed before the window


def onboard(run: Run, won: WonDeals, chunk: int) -> None:
    """Turn the deals won in a chunk into contracts or projects, and serve the customers."""
    rng = run.rng(SERVICE, chunk)
    tl = run.timeline
    recurring = won.product < co.RECURRING_PRODUCTS
    r, p = np.nonzero(recurring)[0], np.nonzero(~recurring)[0]
    start = np.minimum(
        won.closed_at[r] + (rng.uniform(0, 10, len(r)) * DAY).astype(np.int64), tl.cutoff - 1
    )
    signed = contracts.sign(
        run,
        rng,
        account=won.account[r],
        product=won.product[r],
        start=start,
        mrr=np.round(won.amount[r] / 12, 0),
        currency=won.currency[r],
        rep=won.owner[r],
    )
    delivered_at = delivery.deliver(
        run,
        rng,
        account=won.account[p],
        product=won.product[p],
        won_at=won.closed_at[p],
        amount=won.amount[p],
        currency=won.currency[p],
        rep=won.owner[p],
    )
    periods = service.customer_periods(
        run,
        rng,
        np.concatenate([won.account[r], won.account[p]]),
        np.concatenate([won.segment[r], won.segment[p]]),
        np.concatenate([won.closed_at[r], won.closed_at[p]]),
        np.concatenate([signed.ends_at, delivered_at + PROJECT_AFTERCARE_DAYS * DAY]),
        post_sale=True,
        contract=np.arange(len(r) + len(p)) < len(r),
    )
    service.serve(run, rng, periods)
    upsell(run, chunk, signed, periods.manager[: len(r)])


def upsell(run: Run, chunk: int, signed: contracts.Contracts, manager: np.ndarray) -> None:
    """Renewals/Upsell deals on recurring customers; a win adds a contract to the account.

    A deal still open when the customer leaves is lost, and an add-on contract ends
    when the customer leaves.
    """
    rng = run.rng(RENEWALS, chunk)
    tl = run.timeline
    n = len(signed.numbers)
    # An upsell comes 2 to 18 months after signature; for the customers signed before the
    # window, at any time in it (bunching them at its start made upsells fade out by today).
    after_signature = signed.start + (rng.uniform(60, 540, n) * DAY).astype(np.int64)
    in_window = tl.start + (rng.random(n) * 1.25 * (tl.cutoff - tl.start)).astype(np.int64)
    created = np.where(signed.start < tl.start, in_window, after_signature)
    u = np.nonzero(
        (rng.random(n) < UPSELL_SHARE) & (created < tl.cutoff) & (created < signed.ends_at)
    )[0]
    deals = pipelines.simulate(
        rng, tl, pipelines.RENEWALS, created[u], rng.random(len(u)) < UPSELL_WIN
    )
    deals = pipelines.Deals(
        deals.pipeline,
        deals.entered,
        deals.closes_at,
        deals.won & (deals.closes_at < signed.ends_at[u]),
        deals.cutoff,
    )
    numbers = run.numbering.take("opportunity", len(u))
    currency = signed.currency[u]
    amount = np.maximum(np.round(signed.mrr[u] * 12 * rng.uniform(0.15, 0.5, len(u)), -2), 500)
    product = np.asarray(co.ADD_ON_PRODUCTS)[rng.integers(0, len(co.ADD_ON_PRODUCTS), len(u))]
    owner = manager[u]
    account = signed.account[u]
    won = deals.won
    run.ledger.book_won(
        owner[won],
        tl.month_of(deals.closes_at[won]),
        run.fx.to_base(amount[won], currency[won], deals.closes_at[won]),
    )
    run.sink.write(
        "opportunities",
        pipelines.opportunities(
            rng,
            tl,
            deals,
            numbers=numbers,
            account=account,
            lead=None,
            owner=owner,
            amount=amount,
            currency=currency,
            product=product,
            lost_reason=co.pick(rng, co.LOST_REASON_SHARE, len(u)),
        ),
    )
    run.sink.write("stage_history", pipelines.stage_history(numbers, deals))
    write_quotes(run, rng, deals, numbers, account, amount, currency)
    work_on_deals(run, rng, deals, numbers, owner, account)

    w = np.nonzero(deals.won_now)[0]
    start = np.minimum(
        deals.closes_at[w] + (rng.uniform(0, 10, len(w)) * DAY).astype(np.int64),
        np.minimum(signed.ends_at[u][w], tl.cutoff) - 1,
    )
    contracts.sign(
        run,
        rng,
        account=account[w],
        product=product[w],
        start=start,
        mrr=np.round(amount[w] / 12, 0),
        currency=currency[w],
        rep=owner[w],
        ends_at=np.maximum(signed.ends_at[u][w], start + DAY),
    )


def base_customers(run: Run) -> None:
    """Customers signed before the window (no CRM history): contracts and service only."""
    rng = run.rng(BASE)
    tl = run.timeline
    n = max(5, round(co.BASE_CUSTOMERS * run.scale))
    years = 5 * 365 * DAY
    created = tl.start - (rng.uniform(60 * DAY, years, n)).astype(np.int64)
    channel = co.pick(rng, tuple(c.share for c in co.CHANNELS), n)
    owner = run.staff.on_duty(rng.choice(run.staff.by_role["ae"], n), tl.cutoff - 1)
    company = accounts.create(run, rng, created, channel, owner)
    start = created + (rng.uniform(0.1, 0.9, n) * (tl.start - created)).astype(np.int64)
    product = rng.integers(0, co.RECURRING_PRODUCTS, n)
    amount = co.lognormal(rng, np.asarray(co.SEGMENT_DEAL_EUR)[company.segment], 0.5, n)
    currency = company.currency
    manager = rng.choice(run.staff.by_role["account_manager"], n)
    signed = contracts.sign(
        run,
        rng,
        account=company.numbers,
        product=product,
        start=start,
        mrr=np.round(amount / run.fx.per_day[currency, 0] / 12, 0),
        currency=currency,
        rep=manager,
    )
    periods = service.customer_periods(
        run,
        rng,
        company.numbers,
        company.segment,
        np.full(n, tl.start),
        signed.ends_at,
        post_sale=False,
        contract=np.ones(n, dtype=bool),
        manager=manager,
    )
    service.serve(run, rng, periods)
    upsell(run, BASE_CHUNK, signed, manager)
