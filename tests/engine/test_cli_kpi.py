"""`cruscotto kpi list/show/explain` on a small database."""

import json

import pytest
from typer.testing import CliRunner

from cruscotto.cli import app
from cruscotto.warehouse import connect
from tests.engine.test_sales import load_sales

runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("cli") / "sales.duckdb")
    warehouse = connect(path)
    load_sales(warehouse)
    warehouse.close()
    return path


def kpi(db, *args):
    result = runner.invoke(app, ["--db", db, "kpi", *args])
    return result


def test_show_json_for_a_rate(db):
    result = kpi(db, "show", "win_rate", "--period", "2026-03", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    # 2 won of 4 closed in March (see test_sales).
    assert (data["id"], data["value"], data["unit"]) == ("win_rate", 0.5, "percent")
    assert (data["numerator"], data["denominator"]) == (2, 4)
    assert data["ci_low"] == pytest.approx(0.15, abs=1e-3)


def test_show_by_and_grain(db):
    by = json.loads(
        kpi(
            db, "show", "open_pipeline", "--period", "2026-03", "--by", "rep", "--format", "json"
        ).output
    )
    assert [(r["group"], r["value"]) for r in by["rows"]] == [("r2", 4000.0), ("r1", 1000.0)]
    series = json.loads(
        kpi(
            db,
            "show",
            "open_pipeline",
            "--from",
            "2026-01-01",
            "--to",
            "2026-03-31",
            "--grain",
            "month",
            "--format",
            "json",
        ).output
    )
    assert [(r["period"], r["value"]) for r in series["series"]] == [
        ("2026-01", 1000.0),
        ("2026-02", 2500.0),
        ("2026-03", 5000.0),
    ]


def test_show_csv_with_a_filter(db):
    result = kpi(
        db, "show", "deals_won", "--period", "2026-03", "--filter", "rep=r1", "--format", "csv"
    )
    assert result.exit_code == 0, result.output
    header, row = result.output.strip().splitlines()
    assert header.startswith("id,period,value")
    assert row.startswith("deals_won,2026-03,2")


def test_table_output_and_errors(db):
    assert "Win rate" in kpi(db, "show", "win_rate", "--period", "2026-03").output
    bad = kpi(db, "show", "win_rate", "--period", "2026-13")
    assert bad.exit_code == 1 and "not a valid period" in bad.output
    unknown = kpi(db, "show", "nope")
    assert unknown.exit_code == 1 and "unknown KPI 'nope'" in unknown.output
    wrong = kpi(db, "show", "share_of_voice", "--period", "2026-03", "--by", "rep")
    assert wrong.exit_code == 1 and "cannot be broken down" in wrong.output


def test_list_and_explain(db):
    listed = json.loads(kpi(db, "list", "--area", "acquisition", "--format", "json").output)
    assert len(listed) == 16 and listed[0]["id"] == "new_leads"
    card = kpi(db, "explain", "lead_conversion_rate", "--lang", "pt").output
    # The benchmark's source is named by its article, not an internal seed number.
    assert "Taxa de conversão de leads" in card and "31 KPI di vendita" in card
    assert "seed" not in card
