"""Bad rows: each one reported with file, row, column, value and reason; all or nothing."""

from __future__ import annotations

import csv

import pytest

from cruscotto.ingest import Reject
from tests.ingest.conftest import rows, run

HEADER = '"Record ID","Deal Name","Deal Stage","Close Date","Deal owner","Amount","Create Date"'


def hubspot_file(tmp_path, *lines: str, name: str = "deals.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def good(i: int) -> str:
    return (
        f'"{i}","Deal {i}","Contract Sent","2026-05-01 00:00","Ann","{100 + i}","2026-01-10 09:30"'
    )


def test_each_problem_is_reported_with_file_row_column_value_reason(duckdb_warehouse, tmp_path):
    path = hubspot_file(
        tmp_path,
        good(1),
        '"2","Bad amount","Contract Sent","","Ann","dieci","2026-01-10 09:30"',
        '"3","Bad date","Contract Sent","","Ann","10","31/02/2026"',
        '"4","Closed before created","Closed Won","2026-01-01 00:00","Ann","10","2026-02-01 10:00"',
        '"5","Negative","Contract Sent","","Ann","-5","2026-01-10 09:30"',
    )
    report = run(duckdb_warehouse, path)
    assert not report.applied
    assert report.rejects == [
        Reject(str(path), 3, "Amount", "dieci", "amount: not a number"),
        Reject(str(path), 4, "Create Date", "31/02/2026", "created_at: not a date/time"),
        Reject(str(path), 6, "Amount", "-5", "amount: below 0"),
        Reject(
            str(path),
            5,
            'when(col("Deal Stage") in ("Closed Won", "Closed Lost", "Chiuso vinto", '
            '"Chiuso perso", "Fechado ganho", "Fechado perdido"), col("Close Date"), "")',
            "2026-01-01 00:00",
            "closed_at (2025-12-31 23:00:00) is before created_at (2026-02-01 09:00:00)",
        ),
    ]
    assert report.files[0].rejected_rows == 4
    # All or nothing: the good row did not go in either.
    assert rows(duckdb_warehouse, "opportunities").empty


def test_allow_partial_loads_the_valid_rows(duckdb_warehouse, tmp_path):
    path = hubspot_file(
        tmp_path, good(1), '"2","x","Contract Sent","","Ann","abc","2026-01-10 09:30"', good(3)
    )
    report = run(duckdb_warehouse, path, allow_partial=True)
    assert report.applied
    [file] = report.files
    assert (file.rows_read, file.inserted, file.rejected_rows) == (3, 2, 1)
    assert sorted(rows(duckdb_warehouse, "opportunities")["opportunity_id"]) == ["1", "3"]


def test_one_bad_row_among_ten_thousand(duckdb_warehouse, tmp_path):
    lines = [good(i) for i in range(1, 10_001)]
    lines[6_999] = '"7000","x","Contract Sent","","Ann","12,34,56","2026-01-10 09:30"'
    path = hubspot_file(tmp_path, *lines)
    report = run(duckdb_warehouse, path)
    # Record 7000 is on spreadsheet row 7001 (the header is row 1).
    assert [(r.row, r.column, r.value) for r in report.rejects] == [(7001, "Amount", "12,34,56")]
    assert not report.applied
    assert rows(duckdb_warehouse, "opportunities").empty
    partial = run(duckdb_warehouse, path, allow_partial=True)
    assert partial.files[0].inserted == 9_999


def test_rejects_csv(duckdb_warehouse, tmp_path):
    path = hubspot_file(tmp_path, '"2","x","Contract Sent","","Ann","abc","2026-01-10 09:30"')
    report = run(duckdb_warehouse, path)
    written = report.write_rejects_csv(tmp_path / "out" / "rejects.csv")
    with written.open(encoding="utf-8") as f:
        assert list(csv.reader(f)) == [
            ["file", "row", "column", "value", "reason"],
            [str(path), "2", "Amount", "abc", "amount: not a number"],
        ]


def test_duplicate_keys_in_a_file_and_across_files(duckdb_warehouse, tmp_path):
    first = hubspot_file(tmp_path, good(1), good(2), good(1), name="a.csv")
    second = hubspot_file(tmp_path, good(2), name="b.csv")
    report = run(duckdb_warehouse, first, second)
    reasons = [(r.file, r.row, r.reason) for r in report.rejects]
    assert reasons == [
        (str(first), 4, "duplicate key 1: already on row 2"),
        (str(second), 2, f"duplicate key 2: already on row 3 of {first}"),
    ]


def test_allowed_values_and_required_fields(duckdb_warehouse, tmp_path):
    path = tmp_path / "reps.csv"
    path.write_text(
        "rep_id,name,role,active\nr1,Anna,ae,yes\nr2,,ae,yes\nr3,Bruno,boss,yes\nr4,Carla,sdr,forse\n"
    )
    report = run(duckdb_warehouse, path, table="reps")
    assert [(r.row, r.column, r.reason) for r in report.rejects] == [
        (5, "active", "active: not yes/no"),
        (3, "name", "name: required, but empty"),
        (
            4,
            "role",
            "role: boss is not one of sdr, ae, account_manager, support, consultant, manager",
        ),
    ]


def test_foreign_keys_are_checked_against_the_database_and_the_batch(warehouse, tmp_path):
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("account_id,name,created_at\na1,Acme,2026-01-01\n")
    deals = tmp_path / "deals.csv"
    deals.write_text(
        "opportunity_id,account_id,pipeline,stage,status,created_at\n"
        "d1,a1,p,s,open,2026-01-02\n"
        "d2,a2,p,s,open,2026-01-02\n"
    )
    # Alone, both deals refer to accounts nobody imported.
    alone = run(warehouse, deals, table="opportunities")
    assert [r.row for r in alone.rejects] == [2, 3]
    assert "a1 is not in accounts" in alone.rejects[0].reason
    # With the accounts file in the same command (tables told by the headers), only the
    # deal naming a2 is refused; nothing is written since the load is all or nothing.
    together = run(warehouse, accounts, deals)
    assert [(r.file, r.row, r.value) for r in together.rejects] == [(str(deals), 3, "a2")]
    assert [f.table for f in together.files] == ["accounts", "opportunities"]
    # Once the account is stored, the same holds for the deals file alone.
    run(warehouse, accounts, table="accounts")
    after = run(warehouse, deals, table="opportunities")
    assert [(r.row, r.value) for r in after.rejects] == [(3, "a2")]


def test_mixed_currencies_and_a_clash(duckdb_warehouse, tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text(
        "opportunity_id,pipeline,stage,status,created_at,amount,currency\n"
        "d1,p,s,open,2026-01-02,€ 1.000,\n"
        "d2,p,s,open,2026-01-02,$1000,\n"
        "d3,p,s,open,2026-01-02,1000,gbp\n"
        "d4,p,s,open,2026-01-02,€ 1000,USD\n"
        "d5,p,s,open,2026-01-02,1000,euro\n",
        encoding="utf-8",
    )
    report = run(duckdb_warehouse, path, table="opportunities", allow_partial=True)
    assert [(r.row, r.reason) for r in report.rejects] == [
        (5, "amount is written in EUR but currency says USD"),
        (6, "currency: not a 3-letter ISO 4217 code (EUR, USD…)"),
    ]
    stored = rows(duckdb_warehouse, "opportunities", "opportunity_id")
    assert stored["currency"].tolist() == ["EUR", "USD", "GBP"]


def test_bad_mapping_and_unsafe_expressions_are_refused(tmp_path):
    from cruscotto.ingest import ImportFileError, load_mapping

    unsafe = tmp_path / "unsafe.yaml"
    unsafe.write_text(
        'table: reps\ncolumns:\n  rep_id: {expr: \'__import__("os").system("true")\'}\n'
        "  name: Name\n  active: {value: yes}\n"
    )
    with pytest.raises(ImportFileError):
        load_mapping(unsafe)
    attribute = tmp_path / "attribute.yaml"
    attribute.write_text(
        "table: reps\ncolumns:\n  rep_id: {expr: 'col(\"x\").__class__'}\n  name: Name\n"
        "  active: {value: yes}\n"
    )
    with pytest.raises(ImportFileError, match="not allowed"):
        load_mapping(attribute)
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("table: reps\ncolumns:\n  rep_id: id\n  nickname: Nick\n")
    with pytest.raises(ImportFileError, match="reps has no column"):
        load_mapping(unknown)


def test_report_as_plain_data(duckdb_warehouse, tmp_path):
    path = hubspot_file(tmp_path, good(1), '"2","x","Contract Sent","","Ann","abc","2026-01-10"')
    data = run(duckdb_warehouse, path).as_dict()
    assert data["applied"] is False
    assert data["totals"] == {
        "rows_read": 2,
        "inserted": 0,
        "updated": 0,
        "unchanged": 0,
        "rejected_rows": 1,
    }
    assert data["rejects"] == [
        {
            "file": str(path),
            "row": 3,
            "column": "Amount",
            "value": "abc",
            "reason": "amount: not a number",
        }
    ]
