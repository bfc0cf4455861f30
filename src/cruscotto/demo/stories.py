"""The story lines a manager should spot in the demo, and the one account that slides.

The other story lines are parameters where they act (the degrading channel in
`funnel`, the improving rep in `company`, the bottleneck in `pipelines`, the August dip
in `timeline`); this module names them all for the CLI summary and the docs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cruscotto.demo import accounts, contracts, service
from cruscotto.demo import company as co
from cruscotto.demo.run import STORY, Run
from cruscotto.demo.timeline import DAY

SLIDING_ACCOUNT = "Ferri Logistica S.p.A."
SLIDE_MONTHS = 9  # the slide starts this many months before today
SLIDING_MRR_EUR = 14_000.0


@dataclass(frozen=True)
class StoryLine:
    title: str
    how_to_see: str


def story_lines(run: Run) -> tuple[StoryLine, ...]:
    improving = run.staff.names[run.staff.improving_rep - 1]
    return (
        StoryLine(
            "Paid search degrades",
            "lead→customer conversion of channel paid_search halves over the 24 months "
            "while its spend grows (lead_conversion_rate by channel, cac)",
        ),
        StoryLine(
            f"{improving} improves",
            "this account executive's win rate climbs from about one in five to almost three "
            "in five, against a company average of one in three (win_rate by rep, trend)",
        ),
        StoryLine(
            "Proposal becomes a bottleneck",
            "days spent in stage 'proposal' of New business grow to 2.5 times the usual over "
            "the last 9 months (stage_duration by stage, trend)",
        ),
        StoryLine(
            f"{SLIDING_ACCOUNT} slides toward churn",
            "in the last 9 months its meetings and calls dry up, tickets and complaints "
            "pile up and its NPS turns detractor; its contract is still active (account_health)",
        ),
        StoryLine(
            "August dip",
            "leads, activities, tickets and won deals drop by about half every August "
            "(any volume KPI by month)",
        ),
    )


def sliding_account(run: Run) -> None:
    """A large, long-standing customer whose engagement fades while its complaints grow."""
    rng = run.rng(STORY)
    tl = run.timeline
    created = tl.start - 4 * 365 * DAY
    ae, manager = run.staff.by_role["ae"][-1], run.staff.by_role["account_manager"][0]
    company = accounts.create(
        run,
        rng,
        np.array([created]),
        np.array([co.CHANNEL_NAMES.index("referral")]),
        np.array([ae]),
        segment=np.array([co.SEGMENTS.index("enterprise")]),
        country=np.array([co.COUNTRIES.index("IT")]),
        names=[SLIDING_ACCOUNT],
    )
    contracts.sign(
        run,
        rng,
        account=company.numbers,
        product=np.array([0]),
        start=np.array([created + 30 * DAY]),
        mrr=np.array([SLIDING_MRR_EUR]),
        currency=np.array([0]),
        rep=np.array([manager]),
        ends_at=np.array([tl.cutoff + 60 * DAY]),  # it will leave, just not yet
    )
    months = tl.n_months
    start = tl.month_starts[:months]
    end = np.minimum(tl.month_starts[1 : months + 1], tl.cutoff) - 1
    slide = np.clip((np.arange(months) - (months - 1 - SLIDE_MONTHS)) / SLIDE_MONTHS, 0, 1)
    service.serve(
        run,
        rng,
        service.Periods(
            account=np.full(months, company.numbers[0]),
            manager=np.full(months, manager),
            segment=np.full(months, company.segment[0]),
            start=start,
            end=end,
            ticket_rate=1.5 + 5.0 * slide,
            care_rate=8.0 - 7.5 * slide,
            score_shift=np.round(-6 * slide).astype(np.int64),
            complaint_share=0.05 + 0.4 * slide,
            nps_rate=np.full(months, 3.0),
            post_sale=np.zeros(months, dtype=bool),
        ),
    )
