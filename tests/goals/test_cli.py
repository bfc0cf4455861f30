"""`cruscotto goal set/list/history` on the small goal company."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cruscotto.cli import app
from cruscotto.cli.context import console
from cruscotto.warehouse import connect
from tests.goals.company import load_goal_company

runner = CliRunner()


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no cruscotto.yaml: the defaults
    # A table wide enough to read, whatever terminal (or test worker) runs the suite.
    monkeypatch.setattr(console, "width", 200)
    path = str(tmp_path / "goals.duckdb")
    warehouse = connect(path)
    load_goal_company(warehouse)
    warehouse.close()
    return path


def goal(db, *args):
    return runner.invoke(app, ["--db", db, "goal", *args])


def test_set_then_list_as_json(db):
    result = goal(
        db,
        "set",
        "new_leads",
        "--period",
        "2026-11",
        "--target",
        "42",
        "--rep",
        "r1",
        "--owner",
        "anna",
        "--note",
        "two a day",
    )
    assert result.exit_code == 0, result.output
    assert "new_leads rep=r1 2026-11 target 42" in result.output
    listed = goal(db, "list", "--period", "2026-11", "--format", "json", "--as-of", "2026-11-14")
    assert listed.exit_code == 0, listed.output
    [row] = json.loads(listed.output)
    required = {
        "kpi",
        "scope",
        "period",
        "target",
        "actual",
        "expected_to_date",
        "projection",
        "projection_low",
        "projection_high",
        "probability",
        "status",
    }
    assert required <= set(row)
    # The same numbers as tests/goals/test_progress.py: 10 done, 20 expected, 21 projected.
    assert (row["kpi"], row["scope"], row["period"], row["target"]) == (
        "new_leads",
        "rep=r1",
        "2026-11",
        42,
    )
    assert row["actual"] == 10 and row["expected_to_date"] == pytest.approx(20.0)
    assert row["projection"] == pytest.approx(21.0)
    assert row["status"] == "behind_pace"
    assert (row["owner"], row["note"]) == ("anna", "two a day")
    history = json.loads(goal(db, "history", row["id"]).output)
    assert [v["target"] for v in history] == [42]
    assert history[0]["set_by"].startswith("cli:")


def test_the_table_lists_the_goal(db):
    goal(db, "set", "new_leads", "--period", "2026-11", "--target", "42")
    result = goal(db, "list", "--as-of", "2026-11-14")
    assert result.exit_code == 0, result.output
    assert "new_leads" in result.output and "behind_pace" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rep", "r1", "--team", "North"], "one scope"),
        (["--filter", "stage=won"], "cannot be 'stage'"),
        (["--filter", "channel"], "dimension=value"),
    ],
)
def test_bad_scopes_are_refused(db, args, message):
    result = goal(db, "set", "new_leads", "--period", "2026-11", "--target", "1", *args)
    assert result.exit_code == 1 and message in result.output


def test_a_bad_period_is_refused_and_nothing_is_stored(db):
    result = goal(db, "set", "new_leads", "--period", "2026-W05", "--target", "1")
    assert result.exit_code == 1 and "a month, a quarter or a fiscal year" in result.output
    assert json.loads(goal(db, "list", "--format", "json").output) == []
