"""Open deals without an expected close date get one from how long similar won deals took.

Today is 2026-03-10. Six won deals in "New business", all worth 10,000 (one size band),
entered "proposal" and closed 5, 20, 30, 40, 50 and 60 days later, each opened 100 days
before it closed.
"""

import datetime as dt

import pandas as pd
import pytest

from cruscotto.reports.forecast import sales_forecast
from tests.reports.company import context, day, reps, rows, ts

NB = "New business"
CLOSED_AT = dt.datetime(2026, 2, 1, 10, 0)
PROPOSAL_DAYS = [5, 20, 30, 40, 50, 60]


def _deal(opp_id, stage, status, created_at, **more):
    return {
        "opportunity_id": opp_id,
        "owner_id": "r1",
        "account_id": "a1",
        "pipeline": NB,
        "stage": stage,
        "status": status,
        "amount": 10000.0,
        "currency": "EUR",
        "created_at": created_at,
        **more,
    }


@pytest.fixture(scope="module")
def company(module_warehouse):
    won = [
        _deal(f"w{n}", "closed_won", "won", CLOSED_AT - dt.timedelta(days=100), closed_at=CLOSED_AT)
        for n in range(len(PROPOSAL_DAYS))
    ]
    history = [
        {
            "opportunity_id": f"w{n}",
            "stage": "proposal",
            "entered_at": CLOSED_AT - dt.timedelta(days=days),
        }
        for n, days in enumerate(PROPOSAL_DAYS)
    ]
    open_deals = [
        # In proposal for 10 days, no close date.
        _deal("u1", "proposal", "open", ts("2026-02-01T09:00:00")),
        # In a stage no won deal reached, opened 15 days ago, no close date.
        _deal("u2", "discovery", "open", ts("2026-02-23T09:00:00")),
        _deal(
            "d1",
            "proposal",
            "open",
            ts("2026-02-01T09:00:00"),
            expected_close_date=day("2026-03-20"),
        ),
    ]
    history.append(
        {"opportunity_id": "u1", "stage": "proposal", "entered_at": ts("2026-02-28T09:00:00")}
    )
    module_warehouse.load(
        {
            "reps": reps(("r1", "Anna", "North")),
            "accounts": rows(
                "accounts", [{"account_id": "a1", "name": "Acme", "created_at": ts("2025-01-01")}]
            ),
            "opportunities": rows("opportunities", won + open_deals),
            "stage_history": rows("stage_history", history),
        }
    )
    return context(module_warehouse, "2026-03-10")


def test_undated_deals_get_a_close_date_from_similar_won_deals(company):
    report = sales_forecast(company)
    deals = report.table("deals").frame.set_index("opportunity_id")
    # u1: 10 days (28 Feb 09:00 → 10 Mar 00:00 is 9.6 days) into proposal; the won deals
    # that stayed longer took 20, 30, 40, 50, 60 days: remaining 10.4 … 50.4, median 30.4,
    # rounded up to 31 days → 10 March + 31 = 10 April.
    assert pd.Timestamp(deals.loc["u1", "close_date"]) == pd.Timestamp("2026-04-10")
    assert deals.loc["u1", "close_date_basis"] == "estimated_stage_size"
    # u2: no won deal reached "discovery": the pipeline's won deals took 100 days from
    # creation; u2 is 14.6 days old → 85.4 → 86 days → 4 June.
    assert pd.Timestamp(deals.loc["u2", "close_date"]) == pd.Timestamp("2026-06-04")
    assert deals.loc["u2", "close_date_basis"] == "estimated_pipeline"
    # The CRM's own date is kept and said to be the CRM's.
    assert pd.Timestamp(deals.loc["d1", "close_date"]) == pd.Timestamp("2026-03-20")
    assert deals.loc["d1", "close_date_basis"] == "crm"
    assert report.facts["estimated_count"] == 2 and report.facts["undated_count"] == 0
    assert any(note.key == "estimated_close" for note in report.notes)
