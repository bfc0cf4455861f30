"""Loading: idempotent re-imports, updates, stage history, dry runs, crashes, readers."""

from __future__ import annotations

import datetime as dt
import threading

import pandas as pd
import pytest

from cruscotto.ingest import importer
from cruscotto.ingest.import_log import IMPORT_LOG
from cruscotto.warehouse import connect
from tests.ingest.conftest import NOW, rows, run

HEADER = '"Record ID","Deal Name","Deal Stage","Close Date","Deal owner","Amount","Create Date"'


def export(tmp_path, name: str, *deals: tuple[str, str, str, str]) -> object:
    """A HubSpot deals export: (id, stage, amount, close date) per deal."""
    lines = [HEADER]
    for record_id, stage, amount, closed in deals:
        lines.append(
            f'"{record_id}","Deal {record_id}","{stage}","{closed}","Ann","{amount}",'
            '"2026-01-10 09:30"'
        )
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def snapshot(warehouse) -> dict[str, list]:
    out = {}
    for name in ("opportunities", "stage_history", "reps", "accounts"):
        frame = warehouse.con.table(name).execute()
        out[name] = sorted(map(str, frame.to_dict("records")))
    return out


def test_same_file_twice_changes_nothing(warehouse, tmp_path):
    path = export(
        tmp_path,
        "monday.csv",
        ("1", "Contract Sent", "100", "2026-05-01 00:00"),
        ("2", "Closed Won", "250.5", "2026-02-01 10:00"),
        # Decimals with no exact binary form must survive the trip through the engine
        # (PostgreSQL loads by COPY as text) and still compare equal.
        ("3", "Closed Won", "1234.57", "2026-02-01 10:00"),
        ("4", "Contract Sent", "0.1", "2026-05-01 00:00"),
    )
    first = run(warehouse, path)
    assert (first.files[0].inserted, first.files[0].unchanged) == (4, 0)
    before = snapshot(warehouse)
    second = run(warehouse, path, now=NOW + dt.timedelta(days=1))
    assert (second.files[0].inserted, second.files[0].updated) == (0, 0)
    assert second.files[0].unchanged == 4
    assert second.files[0].related_inserted == {"reps": 0}
    assert snapshot(warehouse) == before


def test_newer_export_updates_changed_rows_and_records_stage_moves(warehouse, tmp_path):
    monday = export(
        tmp_path,
        "monday.csv",
        ("1", "Contract Sent", "100", "2026-05-01 00:00"),
        ("2", "Appointment Scheduled", "200", "2026-05-01 00:00"),
        ("3", "Contract Sent", "300", "2026-05-01 00:00"),
    )
    run(warehouse, monday)
    friday = export(
        tmp_path,
        "friday.csv",
        ("1", "Contract Sent", "100", "2026-05-01 00:00"),  # same
        ("2", "Contract Sent", "200", "2026-05-01 00:00"),  # moved on
        ("3", "Closed Won", "320", "2026-05-20 16:00"),  # won, for a bit more
        ("4", "Appointment Scheduled", "50", "2026-07-01 00:00"),  # new
    )
    observed = dt.datetime(2026, 5, 22, 8, 0)
    report = run(warehouse, friday, now=observed)
    [file] = report.files
    assert (file.inserted, file.updated, file.unchanged) == (1, 2, 1)
    assert file.stage_changes == 2
    deals = rows(warehouse, "opportunities").set_index("opportunity_id")
    assert deals.loc["3", "amount"] == 320.0
    assert deals.loc["3", "status"] == "won"
    history = rows(warehouse, "stage_history")
    moves = {(r.opportunity_id, r.stage): pd.Timestamp(r.entered_at) for r in history.itertuples()}
    created = pd.Timestamp("2026-01-10 08:30")  # 09:30 Rome
    assert moves == {
        ("1", "Contract Sent"): created,
        ("2", "Appointment Scheduled"): created,
        ("2", "Contract Sent"): pd.Timestamp(observed),  # seen at the import
        ("3", "Contract Sent"): created,
        ("3", "Closed Won"): pd.Timestamp("2026-05-20 14:00"),  # the close time (16:00 CEST)
        ("4", "Appointment Scheduled"): created,
    }


def test_amount_change_is_an_update_but_not_a_stage_move(warehouse, tmp_path):
    monday = export(tmp_path, "monday.csv", ("1", "Contract Sent", "100", "2026-05-01 00:00"))
    run(warehouse, monday)
    tuesday = export(tmp_path, "tuesday.csv", ("1", "Contract Sent", "120", "2026-05-01 00:00"))
    [file] = run(warehouse, tuesday, now=NOW + dt.timedelta(days=1)).files
    # One deal, its amount changed and its stage not: updated, no history row added.
    assert (file.inserted, file.updated, file.unchanged, file.stage_changes) == (0, 1, 0, 0)
    assert rows(warehouse, "opportunities")["amount"].tolist() == [120.0]
    assert len(rows(warehouse, "stage_history")) == 1


def test_a_first_import_skips_history_rows_already_stored(warehouse, tmp_path):
    # A first import into an empty opportunities table takes every row as new without the
    # join on the key; the stage history it writes still skips rows stored already.
    warehouse.load(
        {
            "stage_history": pd.DataFrame(
                {
                    "opportunity_id": ["1"],
                    "stage": ["Contract Sent"],
                    # 2026-01-10 09:30 in Rome (the export's Create Date) is 08:30 UTC.
                    "entered_at": [pd.Timestamp("2026-01-10 08:30")],
                }
            )
        }
    )
    monday = export(
        tmp_path,
        "monday.csv",
        ("1", "Contract Sent", "100", "2026-05-01 00:00"),
        ("2", "Contract Sent", "200", "2026-05-01 00:00"),
    )
    [file] = run(warehouse, monday).files
    assert (file.inserted, file.updated, file.unchanged, file.stage_changes) == (2, 0, 0, 0)
    history = rows(warehouse, "stage_history", order_by="opportunity_id")
    # Deal 1's row was there; deal 2 gets its row at its creation: two rows, not three.
    assert history["opportunity_id"].tolist() == ["1", "2"]
    assert history["entered_at"].tolist() == [pd.Timestamp("2026-01-10 08:30")] * 2


def test_no_scratch_table_outlives_an_import(warehouse, tmp_path):
    monday = export(tmp_path, "monday.csv", ("1", "Contract Sent", "100", "2026-05-01 00:00"))
    run(warehouse, monday)
    friday = export(tmp_path, "friday.csv", ("1", "Closed Won", "100", "2026-05-20 16:00"))
    run(warehouse, friday, now=NOW + dt.timedelta(days=1))
    # information_schema lists this connection's temporary tables too, on both engines.
    query = "SELECT table_name FROM information_schema.tables WHERE table_name LIKE '%staging%'"
    left = warehouse.con.sql(query).execute()
    assert left["table_name"].tolist() == []


def test_dry_run_counts_exactly_and_writes_nothing(warehouse, tmp_path):
    path = export(tmp_path, "a.csv", ("1", "Contract Sent", "100", ""))
    run(warehouse, path)
    before = snapshot(warehouse)
    changed = export(
        tmp_path, "b.csv", ("1", "Closed Lost", "100", "2026-03-01 00:00"), ("2", "X", "1", "")
    )
    report = run(warehouse, changed, dry_run=True)
    assert not report.applied and report.dry_run
    assert (report.files[0].inserted, report.files[0].updated) == (1, 1)
    assert report.files[0].stage_changes == 1
    assert snapshot(warehouse) == before


def test_crash_midway_leaves_the_database_as_before(warehouse, tmp_path, files, monkeypatch):
    run(warehouse, "pipedrive-organizations.csv")
    before = snapshot(warehouse)
    real_upsert = importer.upsert
    calls = []

    def fail_on_second_table(wh, declared, data, **kwargs):
        calls.append(declared.name)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_upsert(wh, declared, data, **kwargs)

    monkeypatch.setattr(importer, "upsert", fail_on_second_table)
    changed_orgs = tmp_path / "orgs.csv"
    changed_orgs.write_text(
        (files / "pipedrive-organizations.csv").read_text().replace("Italy", "Italia")
    )
    with pytest.raises(RuntimeError, match="disk full"):
        run(warehouse, changed_orgs, files / "pipedrive-deals.csv")
    # The accounts were updated and the reps inserted before the crash; all rolled back.
    assert calls == ["accounts", "opportunities"]
    assert snapshot(warehouse) == before
    log = warehouse.con.table(IMPORT_LOG.name).execute()
    assert len(log) == 1  # only the first, successful import


def test_import_log_records_applied_and_refused_imports(duckdb_warehouse, tmp_path):
    good = export(tmp_path, "good.csv", ("1", "Contract Sent", "100", ""))
    bad = export(tmp_path, "bad.csv", ("2", "Contract Sent", "cento", ""))
    run(duckdb_warehouse, good)
    run(duckdb_warehouse, bad, now=NOW + dt.timedelta(hours=1))
    log = duckdb_warehouse.con.table(IMPORT_LOG.name).order_by("imported_at").execute()
    assert log["applied"].tolist() == [True, False]
    assert log["inserted"].tolist() == [1, 0]
    assert log["rejected"].tolist() == [0, 1]
    rejects = duckdb_warehouse.con.table("import_rejects").execute()
    assert rejects[["row", "column", "value"]].values.tolist() == [[2, "Amount", "cento"]]


def test_a_reader_never_sees_half_an_import(tmp_path):
    """The dashboard reads while an import runs: it sees all of it or none of it."""
    warehouse = connect(str(tmp_path / "shared.duckdb"))
    deals = [(str(i), "Contract Sent", "10", "") for i in range(3000)]
    path = export(tmp_path, "big.csv", *deals)
    seen: set[tuple[int, int]] = set()
    stop = threading.Event()

    def dashboard() -> None:
        while not stop.is_set():
            with warehouse.lock:  # how the web app shares the connection
                opportunities = int(warehouse.con.table("opportunities").count().execute())
                history = int(warehouse.con.table("stage_history").count().execute())
            seen.add((opportunities, history))

    reader = threading.Thread(target=dashboard)
    reader.start()
    try:
        report = run(warehouse, path)
    finally:
        stop.set()
        reader.join()
    assert report.applied
    assert seen <= {(0, 0), (3000, 3000)}
    assert (3000, 3000) in seen or len(seen) == 1
    warehouse.close()


def test_columns_a_file_does_not_carry_keep_their_stored_values(warehouse, tmp_path):
    full = tmp_path / "reps.csv"
    full.write_text("rep_id,name,team,active\nr1,Anna,North,yes\nr2,Bruno,South,yes\n")
    run(warehouse, full, table="reps")
    # A later file without the team column renames Anna: her team is not emptied.
    slim = tmp_path / "reps-slim.csv"
    slim.write_text("rep_id,name,active\nr1,Anna Rossi,yes\nr3,Carla,no\n")
    report = run(warehouse, slim, table="reps")
    assert (report.files[0].inserted, report.files[0].updated) == (1, 1)
    reps = rows(warehouse, "reps").set_index("rep_id")
    assert reps.loc["r1", "name"] == "Anna Rossi"
    assert reps.loc["r1", "team"] == "North"
    assert pd.isna(reps.loc["r3", "team"])
    # Importing the slim file again changes nothing.
    assert run(warehouse, slim, table="reps").files[0].unchanged == 2


def test_update_only_mapping_sets_one_column_of_stored_records(warehouse, tmp_path):
    leads = tmp_path / "leads.csv"
    leads.write_text("lead_id,created_at,channel\nl1,2026-01-05,web\nl2,2026-01-06,email\n")
    run(warehouse, leads, table="leads")
    mapping = tmp_path / "conversions.yaml"
    mapping.write_text(
        "table: leads\nupdate_only: true\ncolumns:\n  lead_id: Lead\n  converted_at: Signed\n"
    )
    signed = tmp_path / "signed.csv"
    signed.write_text("Lead,Signed\nl2,2026-02-01 10:00\nl9,2026-02-02 10:00\n")
    refused = run(warehouse, signed, mapping=mapping)
    assert [(r.row, r.value, r.reason) for r in refused.rejects] == [
        (3, "l9", "lead_id: l9 is not in leads; an update-only mapping cannot create it")
    ]
    report = run(warehouse, signed, mapping=mapping, allow_partial=True)
    assert (report.files[0].updated, report.files[0].inserted) == (1, 0)
    stored = rows(warehouse, "leads").set_index("lead_id")
    assert stored.loc["l2", "converted_at"] == pd.Timestamp("2026-02-01 09:00")  # 10:00 Rome
    assert stored.loc["l2", "channel"] == "email"
    assert stored.loc["l2", "created_at"] == pd.Timestamp("2026-01-05 23:00")
    assert pd.isna(stored.loc["l1", "converted_at"])


def test_another_connection_reads_during_an_import(warehouse, tmp_path):
    """A second connection (another dashboard process) sees the data before or after."""
    reader = connect(warehouse.url)
    deals = [(str(i), "Contract Sent", "10", "") for i in range(2000)]
    path = export(tmp_path, "big.csv", *deals)
    seen: set[int] = set()
    stop = threading.Event()
    failures: list[Exception] = []

    def dashboard() -> None:
        try:
            while not stop.is_set():
                seen.add(int(reader.con.table("opportunities").count().execute()))
        except Exception as exc:  # surfaced below; a thread cannot fail the test itself
            failures.append(exc)

    thread = threading.Thread(target=dashboard)
    thread.start()
    try:
        assert run(warehouse, path).applied
    finally:
        stop.set()
        thread.join()
        reader.close()
    assert not failures
    assert seen <= {0, 2000}
