"""Data health: freshness, counts, rejected rows and quality checks, on both engines."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from cruscotto import health
from cruscotto.model.tables import ACCOUNTS, REPS
from tests.ingest.conftest import run

NOW = dt.datetime(2026, 6, 1, 12, 0)
T = pd.Timestamp


def deal(opportunity_id, created, closed=None, amount=100.0, owner="r1", account="a1"):
    return {
        "opportunity_id": opportunity_id,
        "account_id": account,
        "lead_id": None,
        "owner_id": owner,
        "pipeline": "p",
        "stage": "s",
        "amount": amount,
        "currency": "EUR",
        "product": None,
        "created_at": T(created),
        "expected_close_date": None,
        "closed_at": T(closed) if closed else None,
        "status": "won" if closed else "open",
        "lost_reason": None,
        "probability": None,
        "forecast_category": None,
    }


def seed(warehouse) -> None:
    """Data with one of each problem; loaded directly, as another tool might have."""
    reps = pd.DataFrame(
        [
            {"rep_id": "r1", "name": "Ann", "email": "ann@x.it", "active": True},
            {"rep_id": "r2", "name": "Ann B", "email": "ANN@x.it ", "active": True},
        ]
    ).reindex(columns=REPS.column_names)
    accounts = pd.DataFrame(
        [
            {"account_id": "a1", "name": "Acme", "created_at": T("2026-01-01")},
            {"account_id": "a2", "name": "acme", "created_at": T("2026-01-02")},
            {"account_id": "a3", "name": "Beta", "created_at": T("2026-01-03")},
        ]
    ).reindex(columns=ACCOUNTS.column_names)
    deals = pd.DataFrame(
        [
            deal("d1", "2026-02-01", "2026-03-01"),
            deal("d2", "2026-03-01", "2026-02-15"),  # closed before it was created
            deal("d3", "2026-03-01", owner="ghost"),  # owner not in reps
            deal("d4", "2026-03-01", amount=-50.0),  # negative amount
            deal("d5", "2026-09-01"),  # created in the future
            deal("d5", "2026-04-01"),  # the same key twice
        ]
    )
    warehouse.load({"reps": reps, "accounts": accounts, "opportunities": deals})


def counts(report: health.HealthReport, table: str) -> dict[tuple[str, str], int]:
    return {(c.check, c.column): c.count for c in report.table(table).checks}


def test_quality_checks_count_each_problem(warehouse):
    seed(warehouse)
    report = health.check(warehouse, now=NOW)
    deals = counts(report, "opportunities")
    assert deals[("duplicate_key", "opportunity_id")] == 1  # d5 twice: one extra row
    assert deals[("out_of_order", "closed_at")] == 1  # d2
    assert deals[("orphan", "owner_id")] == 1  # d3 -> ghost
    assert deals[("orphan", "account_id")] == 0
    assert deals[("out_of_range", "amount")] == 1  # d4
    assert deals[("future", "created_at")] == 1  # 2026-09-01 after 2026-06-01
    # Acme and acme are one company entered twice; the rep e-mails differ only in case.
    assert counts(report, "accounts")[("duplicate_natural_key", "name")] == 1
    assert counts(report, "reps")[("duplicate_natural_key", "email")] == 1
    table = report.table("opportunities")
    assert table.rows == 6
    assert table.newest_record == dt.datetime(2026, 9, 1)
    assert table.issues == 5
    assert table.last_import is None  # loaded directly, not imported


def test_clean_import_shows_freshness_and_rejected_rows(warehouse, tmp_path):
    imported_at = dt.datetime(2026, 5, 20, 7, 30)
    run(warehouse, "hubspot-deals.csv", now=imported_at)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        '"Record ID","Deal Name","Deal Stage","Create Date","Amount"\n'
        '"1","x","Contract Sent","2026-01-01","abc"\n"2","y","Contract Sent","2026-01-01","def"\n'
    )
    later = imported_at + dt.timedelta(days=1)
    run(warehouse, bad, now=later)
    report = health.check(warehouse, now=NOW)
    deals = report.table("opportunities")
    assert deals.rows == 4
    assert deals.last_import == later  # the refused import is the latest attempt
    assert deals.rejected_rows == 2
    assert deals.last_import_file == str(bad)
    # Newest deal: created 2026-03-29 02:30 Rome, which is 01:00 UTC.
    assert deals.newest_record == dt.datetime(2026, 3, 29, 1, 0)
    assert deals.issues == 0
    assert report.table("stage_history").rows == 4


def test_empty_warehouse(warehouse):
    report = health.check(warehouse, now=NOW)
    assert all(t.rows == 0 and t.checks == [] and t.newest_record is None for t in report.tables)
    assert report.as_dict()["tables"][0]["table"] == "reps"
