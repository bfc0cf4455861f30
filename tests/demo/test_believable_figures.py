"""The demo's headline figures sit where a B2B service SME's would (issue 14, item 3).

Each figure is computed here with plain SQL on the generated tables, independently of
the KPI engine, and each band says where it comes from. On the demo before this change
the win rate was 63%, campaign cohorts returned 15–30 times their cost, activities per
won deal rose by half in a year, data health counted thousands of accounts sharing a name
and every downgraded contract was billed twice in its first month.
"""

from __future__ import annotations

import datetime as dt

from cruscotto import health
from cruscotto.warehouse import connect
from tests.demo.conftest import TODAY, scalar

# Campaign leads close within about 110 days (95th percentile from lead to won deal), so a
# monthly campaign that ended 120 days before today has brought nearly all its deals.
MATURED_DAYS = 120
# The window starts with an empty pipeline: its first three months have few wins yet.
RAMP_UP_MONTHS = 3
WINDOW_START = dt.date(2024, 3, 1)


def test_about_a_third_of_closed_deals_are_won(db):
    # win_rate: won ÷ (won + lost) closed in the window, both pipelines. The seeds give no
    # band for it (seed 002 only works an example: 3 won of 25 opportunities, 12%); what
    # they do give is seed 000's 15–20% of leads becoming customers (tested in
    # test_business_rates.py). With most qualified leads getting a deal, that puts the win
    # rate at 25–40%, not the 63% the demo showed.
    rate = scalar(
        db,
        "select avg((status = 'won')::int) from opportunities where status in ('won', 'lost')",
    )
    assert 0.25 <= rate <= 0.40


def _cohorts(db):
    """(month, spend, won value in EUR) of each monthly campaign cohort that has matured."""
    return db.execute(
        """
        with spend as (
            select date_trunc('month', started_at) as month, sum(spend) as spend,
                   max(ended_at) as last_end
            from campaigns group by 1),
        won as (
            select date_trunc('month', c.started_at) as month,
                   sum(o.amount * fx.rate_to_base) as revenue
            from opportunities o
            join leads l using (lead_id)
            join campaigns c on c.campaign_id = l.campaign_id
            join fx_rates fx on fx.currency = o.currency and fx.day = o.closed_at::date
            where o.status = 'won' group by 1)
        select month, spend, coalesce(revenue, 0) from spend left join won using (month)
        where last_end <= ?::date - ?::int order by month
        """,
        [TODAY, MATURED_DAYS],
    ).fetchall()


def test_matured_campaign_cohorts_return_between_half_and_five_times_their_cost(db):
    # roi: (won value of a cohort's leads − its spend) ÷ its spend. Seed 000's worked
    # example (10,000 spent, 15,000 back) is 50%: the floor of campaigns worth running.
    # The issue asked for ROI near that rather than thousands of percent; a believable
    # SME's campaigns bring back two to five times their cost. Over all matured cohorts
    # the ROI is 50–500%; no single month loses money (a small August cohort may come
    # near it) or returns more than 500%.
    cohorts = _cohorts(db)
    assert len(cohorts) >= 15
    for month, spend, revenue in cohorts:
        roi = (revenue - spend) / spend
        assert 0.0 <= roi <= 5.0, (month, round(spend), round(revenue), roi)
    spend = sum(spend for _, spend, _ in cohorts)
    revenue = sum(revenue for _, _, revenue in cohorts)
    assert 0.5 <= (revenue - spend) / spend <= 5.0


def test_acquisition_cost_is_steady_and_under_a_third_of_a_customers_first_deal(db):
    # cac: marketing spend of the month ÷ accounts whose first contract or invoice falls
    # in it. Catalog (clv_to_cac, SPEC §3): CAC below a third of the lifetime value. A
    # customer's first won deal (a year of a contract, or a project) is less than its
    # lifetime value, so it must already cover three CACs. And no month stands out: every
    # month's CAC within twice the median month's.
    monthly = db.execute(
        """
        with firsts as (
            select account_id, min(day) as since from (
                select account_id, start_date as day from contracts
                union all select account_id, issued_at::date from invoices) group by 1),
        customers as (
            select date_trunc('month', since) as month, count(*) as n from firsts group by 1),
        spend as (
            select date_trunc('month', started_at) as month, sum(spend) as spend
            from campaigns group by 1)
        select month, spend / n from spend join customers using (month)
        where month >= ?::date + to_months(?) and month < date_trunc('month', ?::date)
        order by month
        """,
        [WINDOW_START, RAMP_UP_MONTHS, TODAY],
    ).fetchall()
    first_deal = scalar(
        db,
        """select avg(o.amount * fx.rate_to_base) from opportunities o
           join fx_rates fx on fx.currency = o.currency and fx.day = o.closed_at::date
           where o.status = 'won' and o.pipeline = 'New business'""",
    )
    cac = sorted(value for _, value in monthly)
    assert len(cac) >= 18
    median = cac[len(cac) // 2]
    assert first_deal >= 3 * cac[-1], (first_deal, monthly)
    assert cac[-1] <= 2 * median and cac[0] >= median / 2, monthly


def _activities_and_wins(db, first: str, last: str) -> tuple[int, int]:
    activities = scalar(
        db,
        "select count(*) from activities where occurred_at >= ?::date and occurred_at < ?::date",
        first,
        last,
    )
    won = scalar(
        db,
        """select count(*) from opportunities where status = 'won'
           and closed_at >= ?::date and closed_at < ?::date""",
        first,
        last,
    )
    return activities, won


def test_activities_per_won_deal_change_mildly_from_one_year_to_the_next(db):
    # activity_to_result_ratio: activities ÷ deals won, against the same days a year
    # earlier. The demo showed +154% for the month so far: open deals and young leads had
    # all their work squeezed into the part of their life before today, so the weeks
    # before today were crowded. Now the month so far grows no faster than the three
    # months before it did, and the ratio moves by a quarter at most, both for the month
    # so far and for the last three full months (the team grows little and sells a little
    # more each year).
    month = TODAY.replace(day=1)
    now, then = (
        _activities_and_wins(db, str(day), str(day + (TODAY - month)))
        for day in (month, month.replace(year=month.year - 1))
    )
    recent, before = (
        _activities_and_wins(db, first, last)
        for first, last in (("2025-12-01", "2026-03-01"), ("2024-12-01", "2025-03-01"))
    )
    assert now[0] / then[0] <= 1.15 * recent[0] / before[0], (now, then, recent, before)
    for this_year, last_year in ((now, then), (recent, before)):
        change = (this_year[0] / this_year[1]) / (last_year[0] / last_year[1])
        assert 0.75 <= change <= 1.33, (this_year, last_year)


def test_accounts_share_a_name_only_where_planted(db):
    # docs/demo-company.md: about one account in a thousand is a company typed in again,
    # in capitals, when it came back through a new lead. Every other name is its own.
    groups = db.execute(
        """select list(name order by account_id) from accounts
           group by lower(trim(name)) having count(*) > 1"""
    ).fetchall()
    accounts = scalar(db, "select count(*) from accounts")
    duplicates = sum(len(names) - 1 for (names,) in groups)
    assert 0 < duplicates <= 0.002 * accounts
    for (names,) in groups:
        original, *retyped = names
        assert original != original.upper()
        assert retyped == [original.upper()] * len(retyped)


def test_data_health_reports_only_the_planted_duplicates(demo_company):
    warehouse = connect(str(demo_company[0]), read_only=True)
    try:
        report = health.check(warehouse, now=dt.datetime.combine(TODAY, dt.time()))
    finally:
        warehouse.close()
    failing = {(t.table, c.check): c.count for t in report.tables for c in t.checks if c.count}
    assert list(failing) == [("accounts", "duplicate_natural_key")]
    assert failing[("accounts", "duplicate_natural_key")] < 100


def test_a_downgraded_contract_is_billed_once_in_the_month_it_changes(db):
    # The old contract's bill on the first of the month covers it; the cheaper contract
    # that replaces it is billed from the next month on (it was billed at signature too).
    # Accounts with another contract for the same product are left out of the count.
    bills = db.execute(
        """
        with replaced as (
            select new.account_id, new.product, new.start_date
            from contracts old join contracts new
              on new.account_id = old.account_id and new.product = old.product
             and new.start_date = old.cancelled_at and new.contract_id <> old.contract_id
            where old.cancel_reason = 'Downgrade to a smaller plan'
              and (select count(*) from contracts c where c.account_id = new.account_id
                   and c.product = new.product) = 2)
        select r.account_id, count(i.invoice_id)
        from replaced r left join invoices i
          on i.account_id = r.account_id and i.product = r.product
         and date_trunc('month', i.issued_at) = date_trunc('month', r.start_date)
        group by r.account_id, r.start_date
        """
    ).fetchall()
    assert len(bills) > 5
    assert {count for _, count in bills} == {1}


def test_some_reps_have_left_and_left_nothing_behind(db):
    # docs/demo-company.md: an account executive left four months before today's month and
    # an SDR nine months before; `active` is false for them and a colleague took over.
    # They worked before leaving, and since then nothing is theirs: no activity, no open
    # deal or lead, no account, no forecast.
    left = db.execute(
        """
        select r.role, max(a.occurred_at), count(a.activity_id)
        from reps r left join activities a using (rep_id)
        where not r.active group by r.rep_id, r.role order by r.role
        """
    ).fetchall()
    assert [role for role, _, _ in left] == ["ae", "sdr"]
    for role, last, activities in left:
        assert activities > 50, role
        months_away = (TODAY.year - last.year) * 12 + TODAY.month - last.month
        assert months_away >= (4 if role == "ae" else 9), (role, last)
    leftovers = scalar(
        db,
        """
        with gone as (
            select r.rep_id, max(a.occurred_at) as last
            from reps r join activities a using (rep_id) where not r.active group by 1)
        select (select count(*) from opportunities o join gone g on o.owner_id = g.rep_id
                where o.status = 'open')
             + (select count(*) from accounts x join gone g on x.owner_id = g.rep_id)
             + (select count(*) from leads l join gone g on l.owner_id = g.rep_id
                where l.converted_at is null and l.disqualified_at is null
                  and l.opportunity_id is null and l.created_at > g.last)
             + (select count(*) from forecasts f join gone g on f.rep_id = g.rep_id
                where f.submitted_at > g.last)
        """,
    )
    assert leftovers == 0
