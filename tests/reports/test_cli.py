"""`cruscotto report NAME`: the same reports printed, as JSON, CSV and XLSX files.

Two lost deals in March 2026 (Europe/Rome): l1 price 10,000 EUR (r1), l2 timing 5,000 EUR
(r2); one won deal w1 8,000 EUR (r1).
"""

import json

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from cruscotto.cli import app
from cruscotto.warehouse import connect
from tests.reports.company import reps, rows, ts

runner = CliRunner()


def _deal(opp_id, owner, status, reason, amount):
    return {
        "opportunity_id": opp_id,
        "owner_id": owner,
        "pipeline": "New business",
        "stage": status,
        "status": status,
        "lost_reason": reason,
        "amount": amount,
        "currency": "EUR",
        "created_at": ts("2026-01-10T09:00:00"),
        "closed_at": ts("2026-03-10T10:00:00"),
    }


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no cruscotto.yaml here: the default company settings
    path = tmp_path / "cli.duckdb"
    warehouse = connect(str(path))
    warehouse.load(
        {
            "reps": reps(("r1", "Anna", "North"), ("r2", "Bruno", "South")),
            "opportunities": rows(
                "opportunities",
                [
                    _deal("l1", "r1", "lost", "price", 10000.0),
                    _deal("l2", "r2", "lost", "timing", 5000.0),
                    _deal("w1", "r1", "won", None, 8000.0),
                ],
            ),
        }
    )
    warehouse.close()
    return str(path)


def _run(db, *args):
    return runner.invoke(app, ["--db", db, "report", *args])


def test_json_output(db):
    result = _run(db, "lost", "--period", "2026-03", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["report"] == "lost" and data["period"] == "2026-03"
    # 2 lost of 3 closed, 15,000 lost.
    assert data["facts"]["lost_count"] == 2 and data["facts"]["lost_value"] == 15000.0
    reasons = data["tables"][0]["rows"]
    assert [(r["reason"], r["count"], r["share"]) for r in reasons] == [
        ("price", 1, 0.5),
        ("timing", 1, 0.5),
    ]


def test_filters_csv_and_table_choice(db, tmp_path):
    out = tmp_path / "reasons.csv"
    result = _run(
        db, "lost", "--period", "2026-03", "--rep", "r1", "--format", "csv", "--output", str(out)
    )
    assert result.exit_code == 0, result.output
    assert out.read_text().splitlines() == [
        "Reason,Deals lost,Share of deals lost (%),Value lost (EUR),Share of value lost (%)",
        "price,1,100.0,10000.00,100.0",  # money to the cent (reports/csv_dialect.py)
    ]
    deals = _run(db, "lost", "--period", "2026-03", "--format", "csv", "--table", "deals")
    assert deals.exit_code == 0 and "l2" in deals.output and "Reason" in deals.output


def test_xlsx_file(db, tmp_path):
    out = tmp_path / "board.xlsx"
    result = _run(db, "leaderboard", "--period", "2026-03", "--format", "xlsx", "-o", str(out))
    assert result.exit_code == 0, result.output
    workbook = load_workbook(out)
    assert workbook.sheetnames == ["reps", "stages", "deals", "About"]
    assert workbook["reps"]["B2"].value == "Anna"  # 8,000 won ranks her first


def test_table_output_and_errors(db):
    printed = _run(db, "lost", "--period", "2026-03")
    assert printed.exit_code == 0 and "Lost opportunities by reason" in printed.output
    assert _run(db, "nonsense").exit_code == 1
    bad_period = _run(db, "lost", "--period", "March")
    assert bad_period.exit_code == 1 and "not a valid period" in bad_period.output
    assert _run(db, "lost", "--status", "won").exit_code == 1
    assert _run(db, "lost", "--format", "xlsx").exit_code == 1  # needs --output
