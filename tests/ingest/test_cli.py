"""`cruscotto import` and `cruscotto data health` from the command line."""

from __future__ import annotations

import csv
import json

from typer.testing import CliRunner

from cruscotto.cli import app
from cruscotto.warehouse import connect
from tests.ingest.conftest import FILES

runner = CliRunner()
BAD = '"Record ID","Deal Name","Deal Stage","Create Date","Amount"\n'


def cli(db, *args: str):
    return runner.invoke(app, ["--db", str(db), *args], catch_exceptions=False)


def count(db, table: str) -> int:
    warehouse = connect(str(db))
    try:
        return int(warehouse.table(table).count().execute())
    finally:
        warehouse.close()


def test_import_then_reimport(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "c.duckdb"
    first = cli(db, "import", str(FILES / "hubspot-deals.csv"))
    assert first.exit_code == 0, first.output
    assert "hubspot-deals" in first.output and "imported" in first.output
    again = cli(db, "import", str(FILES / "hubspot-deals.csv"), "--source", "hubspot")
    assert again.exit_code == 0
    assert count(db, "opportunities") == 4


def test_refused_rows_exit_non_zero_and_write_the_rejects_csv(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "c.duckdb"
    path = tmp_path / "deals.csv"
    path.write_text(
        BAD + '"1","x","Contract Sent","2026-01-01","abc"\n"2","y","S","2026-01-01","5"\n'
    )
    result = cli(db, "import", str(path), "--rejects", str(tmp_path / "out.csv"))
    assert result.exit_code == 1
    assert "nothing was imported" in result.output
    with (tmp_path / "out.csv").open() as f:
        assert [r["value"] for r in csv.DictReader(f)] == ["abc"]
    assert count(db, "opportunities") == 0
    partial = cli(db, "import", str(path), "--allow-partial")
    assert partial.exit_code == 0
    assert (tmp_path / "rejects.csv").exists()  # the default place
    assert count(db, "opportunities") == 1


def test_dry_run_and_unreadable_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "c.duckdb"
    result = cli(db, "import", str(FILES / "zoho-deals.csv"), "--dry-run")
    assert result.exit_code == 0 and "dry run" in result.output
    assert count(db, "opportunities") == 0
    missing = cli(db, "import", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 1
    assert "no such file" in missing.output


def test_custom_mapping_and_health(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "c.duckdb"
    result = cli(
        db,
        "import",
        str(FILES / "gestionale-trattative.csv"),
        "--mapping",
        str(FILES / "gestionale-trattative.yaml"),
    )
    assert result.exit_code == 0, result.output
    shown = cli(db, "data", "health")
    assert shown.exit_code == 0
    assert "opportunities" in shown.output and "ok" in shown.output
    as_json = cli(db, "data", "health", "--json")
    tables = {t["table"]: t for t in json.loads(as_json.output)["tables"]}
    assert tables["opportunities"]["rows"] == 3
    assert tables["opportunities"]["rejected_rows"] == 0
