"""No silent loss: every row imported, refused with a reason or skipped by a named rule,
and every attempt, refused files included, in the import log and data health."""

from __future__ import annotations

import pandas as pd
import pytest

from cruscotto import health
from cruscotto.ingest import ImportFileError, Settings, import_files, import_log

UTC = Settings(timezone="UTC", currency="EUR")
DEALS = (
    "opportunity_id,pipeline,stage,status,amount,created_at,closed_at\n"
    "d1,Main,Won,won,100,2026-01-05,2026-02-01\n"
    "d2,Main,Prospecting,open,,,\n"  # no date at all: an open deal all the same
    "d3,Main,Lost,lost,20,,2026-03-10 09:30\n"  # closed, no opening date
    "d4,Main,Draft,open,5,2026-02-01,\n"  # left out by the mapping's skip rule
    "d5,Main,Won,won,-3,2026-01-05,2026-02-01\n"  # refused: a negative amount
)
MAPPING = """table: opportunities
timezone: UTC
skip: 'col("stage") == "Draft"'
columns:
  opportunity_id: opportunity_id
  pipeline: pipeline
  stage: stage
  status: status
  amount: amount
  created_at: created_at
  closed_at: closed_at
"""


@pytest.fixture
def deals(tmp_path):
    (tmp_path / "deals.yaml").write_text(MAPPING, encoding="utf-8")
    (tmp_path / "deals.csv").write_text(DEALS, encoding="utf-8")
    return tmp_path


def test_every_row_is_imported_refused_or_skipped_and_the_log_says_which(duckdb_warehouse, deals):
    report = import_files(
        duckdb_warehouse,
        [deals / "deals.csv"],
        mapping=deals / "deals.yaml",
        settings=UTC,
        allow_partial=True,
    )
    [file] = report.files
    # 5 rows in = 3 imported (d1, d2, d3) + 1 refused (d5) + 1 skipped (d4).
    assert (file.rows_read, file.inserted, file.rejected_rows, file.skipped) == (5, 3, 1, 1)
    assert file.skip_rule == 'col("stage") == "Draft"'
    [reject] = report.rejects
    assert (reject.row, reject.column, reject.reason) == (6, "amount", "amount: below 0")

    # The deals without an opening date are in, at the best date the file has, named.
    stored = duckdb_warehouse.table("opportunities").execute().set_index("opportunity_id")
    assert stored.loc["d3", "created_at"] == pd.Timestamp("2026-03-10 09:30")  # its close
    # d2: the latest event in the file, d3's close time.
    assert stored.loc["d2", "created_at"] == pd.Timestamp("2026-03-10 09:30")
    assert stored.loc["d2", "status"] == "open"
    assert "1 rows without created_at: created_at is their closed_at" in file.warnings[0]
    assert "latest date in the file, 2026-03-10 (from closed_at)" in file.warnings[1]

    log = import_log.log_table(duckdb_warehouse).execute().iloc[0]
    assert (log.rows_read, log.inserted, log.rejected, log.skipped) == (5, 3, 1, 1)
    assert (log.skip_rule, log.outcome) == ('col("stage") == "Draft"', "applied")
    checked = health.check(duckdb_warehouse).table("opportunities")
    assert (checked.rejected_rows, checked.skipped_rows) == (1, 1)
    assert checked.skip_rules == ['col("stage") == "Draft"']


def test_refused_files_are_logged_with_their_reason(duckdb_warehouse, deals):
    (deals / "no_key.csv").write_text("pipeline,stage\nMain,Won\n", encoding="utf-8")
    (deals / "bad.yaml").write_text("table: opportunities\ncolumns: {nope: x}\n")
    attempts = [
        ({"mapping": deals / "deals.yaml"}, "no_key.csv", "column 'opportunity_id' is missing"),
        ({"mapping": deals / "bad.yaml"}, "deals.csv", "invalid mapping"),
        ({}, "missing.csv", "no such file"),
    ]
    for options, name, reason in attempts:
        with pytest.raises(ImportFileError, match=reason):
            import_files(duckdb_warehouse, [deals / name], settings=UTC, **options)
    refused = health.check(duckdb_warehouse).refused_files
    # Newest first: each attempt with its reason, nothing written to the tables.
    assert [f.file for f in refused] == [str(deals / n) for _, n, _ in reversed(attempts)]
    for entry, (_, _, reason) in zip(refused, reversed(attempts), strict=True):
        assert reason in entry.reason
    assert refused[-1].table == "opportunities"  # the mapping had said which table
    assert duckdb_warehouse.table("opportunities").count().execute() == 0

    # Once the file goes in, it is no longer listed as refused.
    import_files(
        duckdb_warehouse,
        [deals / "deals.csv"],
        mapping=deals / "deals.yaml",
        settings=UTC,
        allow_partial=True,
    )
    names = [f.file for f in health.check(duckdb_warehouse).refused_files]
    assert str(deals / "deals.csv") not in names and str(deals / "no_key.csv") in names


def test_a_dry_run_that_fails_logs_nothing(duckdb_warehouse, deals):
    with pytest.raises(ImportFileError):
        import_files(duckdb_warehouse, [deals / "missing.csv"], settings=UTC, dry_run=True)
    assert not import_log.has_log(duckdb_warehouse)
