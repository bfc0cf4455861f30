"""The story lines of docs/demo-company.md are visible in the data."""

from __future__ import annotations

from cruscotto.demo.stories import SLIDING_ACCOUNT
from tests.demo.conftest import scalar

# Window months counted from 2024-03 (month 0) to 2026-03 (month 24, partial; today 03-18).
MONTH = "date_diff('month', date '2024-03-01', {}::date)"


def _rate_by_period(db, sql: str) -> dict[int, float]:
    return dict(db.execute(sql).fetchall())


def test_paid_search_degrades(db):
    # MQL→SQL is decided within days, so it shows the fall even for recent leads:
    # leads of months 0–5 vs months 18–23.
    sql_rate = _rate_by_period(
        db,
        f"""select {MONTH.format("created_at")} // 6 as half,
                   avg((sql_at is not null)::int) filter (where mql_at is not null)
            from leads where channel = 'paid_search' group by 1""",
    )
    assert sql_rate[3] < 0.6 * sql_rate[0]
    # Lead→customer on matured cohorts (months 12–17 have had 6+ months to close).
    conversion = _rate_by_period(
        db,
        f"""select {MONTH.format("created_at")} // 6 as half,
                   avg((converted_at is not null)::int)
            from leads where channel = 'paid_search' group by 1""",
    )
    assert conversion[2] < 0.8 * conversion[0]
    # Other channels hold steady.
    others = _rate_by_period(
        db,
        f"""select {MONTH.format("created_at")} // 6 as half,
                   avg((converted_at is not null)::int)
            from leads where channel in ('organic_search', 'referral', 'events') group by 1""",
    )
    assert others[2] > 0.85 * others[0]


def test_one_rep_improves(db):
    # company.Staff.improving_rep: the first account executive.
    rep = scalar(db, "select rep_id from reps where role = 'ae' order by rep_id limit 1")
    win_rate = _rate_by_period(
        db,
        f"""select {MONTH.format("closed_at")} // 8 as third, avg((status = 'won')::int)
            from opportunities
            where owner_id = ? and status <> 'open' and pipeline = 'New business'
            group by 1""".replace("?", f"'{rep}'"),
    )
    # Against the company's own New business win rate over the window (about 33%): he
    # starts well below it and ends well above it.
    company = scalar(
        db,
        """select avg((status = 'won')::int) from opportunities
           where status <> 'open' and pipeline = 'New business'""",
    )
    assert win_rate[0] < 0.7 * company
    assert win_rate[2] > 1.25 * company
    assert win_rate[0] < win_rate[1] < win_rate[2]


def test_proposal_becomes_a_bottleneck(db):
    # Days in 'proposal' for New business deals that left it, by the month they left.
    days = _rate_by_period(
        db,
        f"""with h as (
                select opportunity_id, stage, entered_at,
                       lead(entered_at) over (partition by opportunity_id
                                              order by entered_at) as left_at
                from stage_history)
            select {MONTH.format("left_at")} >= 18 as recent,
                   avg(date_diff('second', entered_at, left_at) / 86400.0)
            from h join opportunities o using (opportunity_id)
            where h.stage = 'proposal' and o.pipeline = 'New business' and left_at is not null
            group by 1""",
    )
    assert days[True] > 1.4 * days[False]
    # …and it is the slowest stage of the last months.
    slowest = scalar(
        db,
        f"""with h as (
                select opportunity_id, stage, entered_at,
                       lead(entered_at) over (partition by opportunity_id
                                              order by entered_at) as left_at
                from stage_history)
            select h.stage from h join opportunities o using (opportunity_id)
            where o.pipeline = 'New business' and left_at is not null
              and {MONTH.format("left_at")} >= 18
            group by h.stage order by avg(date_diff('second', entered_at, left_at)) desc
            limit 1""",
    )
    assert slowest == "proposal"


def test_an_account_slides_toward_churn(db):
    account = scalar(db, "select account_id from accounts where name = ?", SLIDING_ACCOUNT)

    def per_period(sql: str) -> dict[bool, float]:
        # Early = months 0–11, late = the last 6 full months (18–23).
        return _rate_by_period(db, sql.replace("?", f"'{account}'"))

    activities = per_period(
        f"""select {MONTH.format("occurred_at")} >= 18, count(*) / 6.0
            from activities where account_id = ?
              and {MONTH.format("occurred_at")} not between 6 and 17
              and {MONTH.format("occurred_at")} < 24 group by 1"""
    )
    tickets = per_period(
        f"""select {MONTH.format("opened_at")} >= 18, count(*) / 6.0
            from tickets where account_id = ?
              and {MONTH.format("opened_at")} not between 6 and 17
              and {MONTH.format("opened_at")} < 24 group by 1"""
    )
    nps = per_period(
        f"""select {MONTH.format("responded_at")} >= 18, avg(score)
            from surveys where account_id = ? and kind = 'nps'
              and {MONTH.format("responded_at")} not between 6 and 17 group by 1"""
    )
    assert activities[True] < 0.5 * activities[False]
    assert tickets[True] > 2 * tickets[False]
    assert nps[True] <= 6 < nps[False]  # detractor territory
    active = scalar(
        db,
        "select count(*) from contracts where account_id = ? and cancelled_at is null",
        account,
    )
    assert active >= 1  # not gone yet: the point is to catch it in time


def test_august_dips(db):
    # Leads per month: each August against the mean of its July and September.
    counts = dict(
        db.execute(
            "select strftime(created_at, '%Y-%m'), count(*) from leads group by 1"
        ).fetchall()
    )
    for year in (2024, 2025):
        neighbours = (counts[f"{year}-07"] + counts[f"{year}-09"]) / 2
        assert counts[f"{year}-08"] < 0.7 * neighbours
    tickets = dict(
        db.execute(
            "select strftime(opened_at, '%Y-%m'), count(*) from tickets group by 1"
        ).fetchall()
    )
    assert tickets["2025-08"] < 0.75 * (tickets["2025-07"] + tickets["2025-09"]) / 2
