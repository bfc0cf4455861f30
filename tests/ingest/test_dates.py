"""Dates are decided per column: an ambiguous column stops the import, a number is not
a date unless the mapping says how it counts days."""

from __future__ import annotations

import pandas as pd
import pytest

from cruscotto import health
from cruscotto.ingest import ImportFileError, Settings, import_files

UTC = Settings(timezone="UTC", currency="EUR")
HEADER = "opportunity_id,pipeline,stage,status,created_at\n"


def write(tmp_path, name: str, text: str):
    file = tmp_path / name
    file.write_text(text, encoding="utf-8")
    return file


def test_an_ambiguous_date_column_stops_the_import_with_examples(duckdb_warehouse, tmp_path):
    deals = write(
        tmp_path, "deals.csv", HEADER + "d1,M,S,open,01/02/2017\nd2,M,S,open,03/04/2017\n"
    )
    with pytest.raises(ImportFileError) as raised:
        import_files(duckdb_warehouse, [deals], table="opportunities", settings=UTC)
    message = str(raised.value)
    assert "column 'created_at'" in message and "01/02/2017, 03/04/2017" in message
    assert "date_order: DMY" in message
    assert duckdb_warehouse.table("opportunities").count().execute() == 0
    [refused] = health.check(duckdb_warehouse).refused_files
    assert "both day-first and month-first" in refused.reason

    # With the setting the same file goes in, read day-first.
    mapping = write(
        tmp_path,
        "deals.yaml",
        "table: opportunities\ndate_order: DMY\ntimezone: UTC\ncolumns:\n"
        "  opportunity_id: opportunity_id\n  pipeline: pipeline\n  stage: stage\n"
        "  status: status\n  created_at: created_at\n",
    )
    report = import_files(duckdb_warehouse, [deals], mapping=mapping, settings=UTC)
    assert report.applied
    stored = duckdb_warehouse.table("opportunities").order_by("opportunity_id").execute()
    assert stored["created_at"].tolist() == [pd.Timestamp("2017-02-01"), pd.Timestamp("2017-04-03")]


def test_a_column_read_month_first_throughout(duckdb_warehouse, tmp_path):
    # The case: 12/31/2016 and 01/02/2017 in one column. Only month-first reads
    # 12/31/2016, so 01/02/2017 is 2 January too (before: 1 February).
    deals = write(tmp_path, "us.csv", HEADER + "d1,M,S,open,12/31/2016\nd2,M,S,open,01/02/2017\n")
    assert import_files(duckdb_warehouse, [deals], table="opportunities", settings=UTC).applied
    stored = duckdb_warehouse.table("opportunities").order_by("opportunity_id").execute()
    assert stored["created_at"].tolist() == [pd.Timestamp("2016-12-31"), pd.Timestamp("2017-01-02")]


def test_a_number_in_a_date_column_is_refused_unless_serial_dates(duckdb_warehouse, tmp_path):
    deals = write(tmp_path, "serial.csv", HEADER + "d1,M,S,open,45291\nd2,M,S,open,2026-01-05\n")
    report = import_files(duckdb_warehouse, [deals], table="opportunities", settings=UTC)
    [reject] = report.rejects
    assert (reject.row, reject.value) == (2, "45291")
    assert "a number, not a date" in reject.reason and "serial_dates: excel" in reject.reason
    mapping = write(
        tmp_path,
        "serial.yaml",
        "table: opportunities\nserial_dates: excel\ntimezone: UTC\ncolumns:\n"
        "  opportunity_id: opportunity_id\n  pipeline: pipeline\n  stage: stage\n"
        "  status: status\n  created_at: created_at\n",
    )
    assert import_files(duckdb_warehouse, [deals], mapping=mapping, settings=UTC).applied
    stored = duckdb_warehouse.table("opportunities").order_by("opportunity_id").execute()
    # Excel serial day 45291 is 2023-12-31.
    assert stored["created_at"].tolist() == [pd.Timestamp("2023-12-31"), pd.Timestamp("2026-01-05")]
