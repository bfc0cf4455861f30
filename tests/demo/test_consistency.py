"""The demo company is internally consistent: keys, constraints, order in time."""

from __future__ import annotations

import pytest

from cruscotto.model import TABLES
from tests.demo.conftest import TODAY, scalar

FOREIGN_KEYS = [(t.name, c.name, c.references) for t in TABLES for c in t.foreign_keys]
TEMPORAL_PAIRS = [(t.name, a, b) for t in TABLES for a, b in t.temporal_order]
# Columns that hold plans or expectations rather than events may lie after today.
PLANNED = {
    ("opportunities", "expected_close_date"),
    ("contracts", "end_date"),
    ("projects", "planned_start"),
    ("projects", "planned_end"),
    ("tasks", "due_at"),
}
EVENT_COLUMNS = [
    (t.name, c.name)
    for t in TABLES
    for c in t.columns
    if c.type in ("date", "timestamp") and (t.name, c.name) not in PLANNED
]


@pytest.mark.parametrize("table", [t.name for t in TABLES])
def test_every_table_gets_rows(db, demo_company, table):
    stored = scalar(db, f'select count(*) from "{table}"')
    assert stored > 0
    assert stored == demo_company[1].rows[table]


@pytest.mark.parametrize(("table", "column", "target"), FOREIGN_KEYS, ids=str)
def test_every_foreign_key_resolves(db, table, column, target):
    orphans = scalar(
        db,
        f'select count(*) from "{table}" s where s."{column}" is not null and not exists '
        f'(select 1 from "{target.table}" t where t."{target.column}" = s."{column}")',
    )
    assert orphans == 0
    used = scalar(db, f'select count("{column}") from "{table}"')
    assert used > 0, "a foreign key that is never filled proves nothing"


@pytest.mark.parametrize("declared", [t for t in TABLES if t.primary_key], ids=lambda t: t.name)
def test_primary_keys_are_unique(db, declared):
    key = ", ".join(f'"{c}"' for c in declared.primary_key)
    total = scalar(db, f'select count(*) from "{declared.name}"')
    distinct = scalar(db, f'select count(*) from (select distinct {key} from "{declared.name}")')
    assert distinct == total


@pytest.mark.parametrize("declared", TABLES, ids=lambda t: t.name)
def test_values_respect_the_declarations(db, declared):
    for column in declared.columns:
        quoted = f'"{column.name}"'
        checks = []
        if not column.nullable:
            checks.append(f"{quoted} is null")
        if column.allowed:
            allowed = ", ".join(f"'{v}'" for v in column.allowed)
            checks.append(f"{quoted} not in ({allowed})")
        if column.minimum is not None:
            checks.append(f"{quoted} < {column.minimum}")
        if column.maximum is not None:
            checks.append(f"{quoted} > {column.maximum}")
        for check in checks:
            bad = scalar(db, f'select count(*) from "{declared.name}" where {check}')
            assert bad == 0, f"{declared.name}: {bad} rows where {check}"


@pytest.mark.parametrize(("table", "earlier", "later"), TEMPORAL_PAIRS)
def test_temporal_order_holds(db, table, earlier, later):
    wrong = scalar(db, f'select count(*) from "{table}" where "{later}" < "{earlier}"')
    assert wrong == 0
    both = scalar(db, f'select count(*) from "{table}" where "{later}" is not null')
    assert both > 0


@pytest.mark.parametrize(("table", "column"), EVENT_COLUMNS)
def test_nothing_happens_after_today(db, table, column):
    latest = scalar(db, f'select max("{column}")::date from "{table}"')
    assert latest is None or latest <= TODAY


def test_stage_history_is_ordered_and_ends_at_the_current_stage(db):
    broken = db.execute(
        """
        with h as (
            select opportunity_id, stage, entered_at,
                   row_number() over (partition by opportunity_id order by entered_at) as n,
                   row_number() over (partition by opportunity_id order by entered_at desc) as back
            from stage_history)
        select
            count(*) filter (where h.n = 1 and h.entered_at <> o.created_at) as bad_start,
            count(*) filter (where h.back = 1 and h.stage <> o.stage) as bad_end,
            count(*) filter (where h.back = 1 and o.status <> 'open'
                             and h.entered_at <> o.closed_at) as bad_close
        from h join opportunities o using (opportunity_id)
        """
    ).fetchone()
    assert broken == (0, 0, 0)
    # Stages come in pipeline order: no deal goes back (the order of first entry per stage).
    order = {
        "New business": ["qualification", "discovery", "proposal", "negotiation"],
        "Renewals/Upsell": ["identified", "proposal", "negotiation"],
    }
    rows = db.execute(
        """select o.pipeline, list(h.stage order by h.entered_at)
           from stage_history h join opportunities o using (opportunity_id)
           group by o.opportunity_id, o.pipeline"""
    ).fetchall()
    for pipeline, stages in rows:
        expected = order[pipeline][: len(stages) - (stages[-1] in ("won", "lost"))]
        assert stages[: len(expected)] == expected
        assert all(s not in ("won", "lost") for s in stages[:-1])
    without_history = scalar(
        db,
        "select count(*) from opportunities o where not exists "
        "(select 1 from stage_history h where h.opportunity_id = o.opportunity_id)",
    )
    assert without_history == 0


def test_closed_deals_have_a_close_and_open_ones_do_not(db):
    wrong = scalar(
        db,
        """select count(*) from opportunities
           where (status = 'open') = (closed_at is not null)
              or (status = 'lost') <> (lost_reason is not null)
              or (status = 'won' and (probability <> 1 or forecast_category <> 'closed'))""",
    )
    assert wrong == 0


def test_some_deals_are_still_open_with_a_close_expected_in_the_coming_months(db):
    open_future = scalar(
        db,
        "select count(*) from opportunities where status = 'open' and expected_close_date > ?",
        TODAY,
    )
    assert open_future >= 20


def test_won_deals_produce_contracts_or_projects_and_invoices_for_their_account(db):
    missing = scalar(
        db,
        """select count(*) from opportunities o
           where status = 'won' and closed_at < ?::date - interval 30 day
             and not exists (select 1 from invoices i where i.account_id = o.account_id
                             and i.issued_at >= o.closed_at::date)
             and not exists (select 1 from projects p where p.account_id = o.account_id)""",
        TODAY,
    )
    assert missing == 0


def test_lead_and_deal_link_both_ways(db):
    mismatched = scalar(
        db,
        """select count(*) from leads l join opportunities o on o.opportunity_id = l.opportunity_id
           where o.lead_id <> l.lead_id or o.account_id <> l.account_id
              or (o.status = 'won') <> (l.converted_at is not null)""",
    )
    assert mismatched == 0


def test_first_response_is_the_first_outbound_activity(db):
    wrong = scalar(
        db,
        """select count(*) from leads l
           where first_response_at is not null and first_response_at <> (
               select min(occurred_at) from activities a
               where a.lead_id = l.lead_id and a.direction = 'outbound')""",
    )
    assert wrong == 0


def test_tickets_are_answered_before_they_are_resolved(db):
    wrong = scalar(db, "select count(*) from tickets where resolved_at < first_response_at")
    assert wrong == 0


def test_monthly_pnl_revenue_is_the_invoiced_amount_in_euro(db):
    # Revenue per month = Σ invoice amount × that day's EUR rate (EUR itself at 1).
    gap = scalar(
        db,
        """with invoiced as (
               select date_trunc('month', i.issued_at)::date as month,
                      sum(i.amount * f.rate_to_base) as revenue
               from invoices i join fx_rates f on f.day = i.issued_at and f.currency = i.currency
               group by 1)
           select max(abs(invoiced.revenue - financials.revenue))
           from financials join invoiced using (month)""",
    )
    assert gap < 1.0  # cents of rounding at most
    months = scalar(db, "select count(*) from financials")
    assert months == 24


def test_ebitda_margin_is_plausible(db):
    margins = [
        m
        for (m,) in db.execute(
            "select (revenue - cogs - opex) / revenue from financials order by month"
        ).fetchall()
    ]
    assert all(0.10 <= m <= 0.30 for m in margins), margins
