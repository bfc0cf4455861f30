"""Each CRM's export, in the shape the CRM writes it, lands in the canonical tables."""

from __future__ import annotations

import pandas as pd
import pytest

from cruscotto.ingest import ImportFileError
from cruscotto.ingest.mapping import choose_mapping, presets
from tests.ingest.conftest import rows, run


def by_id(frame: pd.DataFrame, key: str) -> dict:
    return frame.set_index(key).to_dict("index")


def test_every_preset_names_its_references_and_detection_headers():
    names = {m.name for m in presets()}
    assert {
        "hubspot-deals",
        "hubspot-contacts",
        "hubspot-companies",
        "pipedrive-deals",
        "pipedrive-persons",
        "pipedrive-organizations",
        "pipedrive-activities",
        "salesforce-opportunities",
        "salesforce-leads",
        "salesforce-accounts",
        "activecampaign-deals",
        "activecampaign-contacts",
        "zoho-deals",
        "zoho-leads",
    } <= names
    for m in presets():
        assert m.detect and m.references, m.name


def test_hubspot_deals(duckdb_warehouse):
    report = run(duckdb_warehouse, "hubspot-deals.csv")
    assert report.applied and report.ok
    [file] = report.files
    assert (file.source, file.table, file.inserted) == ("hubspot-deals", "opportunities", 4)
    deals = by_id(rows(duckdb_warehouse, "opportunities"), "opportunity_id")
    won = deals["9401234501"]
    assert won["status"] == "won"
    assert won["amount"] == 12000.0
    assert won["currency"] == "EUR"  # no currency column: the company's base currency
    # "2026-01-10 09:30" in Rome (UTC+1 in January) is 08:30 UTC.
    assert won["created_at"] == pd.Timestamp("2026-01-10 08:30")
    assert won["closed_at"] == pd.Timestamp("2026-03-15 09:00")
    assert deals["9401234502"]["status"] == "open"
    assert pd.isna(deals["9401234502"]["closed_at"])
    assert deals["9401234503"]["status"] == "lost"
    assert deals["9401234503"]["lost_reason"] == "Budget, timing"
    assert pd.isna(deals["9401234503"]["amount"])  # an empty cell stays empty
    assert pd.isna(deals["9401234504"]["owner_id"])
    reps = rows(duckdb_warehouse, "reps", "rep_id")
    assert reps["rep_id"].tolist() == ["Giulia Bianchi", "Mario Rossi"]
    assert file.related_inserted == {"reps": 2}


def test_pipedrive_organizations_and_deals_in_one_command(duckdb_warehouse):
    report = run(duckdb_warehouse, "pipedrive-deals.csv", "pipedrive-organizations.csv")
    assert report.applied, report.rejects
    deals = by_id(rows(duckdb_warehouse, "opportunities"), "opportunity_id")
    assert deals["101"]["status"] == "won"
    assert deals["101"]["closed_at"] == pd.Timestamp("2026-02-10 15:20")  # 16:20 Rome
    assert deals["101"]["probability"] == 1.0  # "100" percent
    assert deals["102"]["amount"] == 2300.75
    assert deals["103"]["currency"] == "USD"
    assert deals["103"]["closed_at"] == pd.Timestamp("2026-02-25 09:00")  # the lost time
    assert deals["103"]["lost_reason"] == "Prezzo troppo alto, scelto concorrente"
    accounts = by_id(rows(duckdb_warehouse, "accounts"), "account_id")
    # Two organizations from their own export, one only named by a deal.
    assert set(accounts) == {"Rossi Srl", "Bianchi SpA", "Neri & Figli"}
    assert accounts["Rossi Srl"]["country"] == "Italy"
    assert accounts["Neri & Figli"]["created_at"] == pd.Timestamp("2026-02-02 14:45")


def test_salesforce_report_with_us_dates_and_currency_column(duckdb_warehouse):
    report = run(duckdb_warehouse, "salesforce-opportunities.csv")
    assert report.applied, report.rejects
    deals = by_id(rows(duckdb_warehouse, "opportunities"), "opportunity_id")
    won = deals["0065g00000AbCdE"]
    assert (won["status"], won["amount"], won["currency"]) == ("won", 48000.0, "USD")
    # 3/31/2026 is month-first; a date without time is midnight in Rome (UTC+2 from 29 March).
    assert won["closed_at"] == pd.Timestamp("2026-03-30 22:00")
    assert won["forecast_category"] == "closed"
    assert deals["0065g00000AbCdF"]["probability"] == pytest.approx(0.9)
    assert deals["0065g00000AbCdG"]["currency"] == "EUR"
    assert deals["0065g00000AbCdG"]["expected_close_date"] == pd.Timestamp("2026-02-28")


def test_zoho_deals_with_mixed_date_and_number_styles(duckdb_warehouse):
    report = run(duckdb_warehouse, "zoho-deals.csv")
    assert report.applied, report.rejects
    deals = by_id(rows(duckdb_warehouse, "opportunities"), "opportunity_id")
    assert deals["4876876000000311"]["amount"] == 42000.0  # "42,000"
    assert deals["4876876000000311"]["status"] == "open"
    won = deals["4876876000000312"]
    # "$12,400.00": the dollar sign says USD even though the file has no currency column.
    assert (won["amount"], won["currency"], won["status"]) == (12400.0, "USD", "won")
    assert won["expected_close_date"] == pd.Timestamp("2026-10-01")  # 10/01/2026, month first
    assert deals["4876876000000313"]["status"] == "lost"  # Closed-Lost to Competition


def test_activecampaign_deals(duckdb_warehouse):
    report = run(duckdb_warehouse, "activecampaign-deals.csv")
    assert report.applied, report.rejects
    deals = by_id(rows(duckdb_warehouse, "opportunities"), "opportunity_id")
    assert deals["32"]["status"] == "won"
    assert deals["32"]["currency"] == "USD"  # "usd" in the export
    assert deals["32"]["closed_at"] == pd.Timestamp("2026-03-28 16:05")


def test_custom_mapping_file_for_an_italian_spreadsheet(duckdb_warehouse, files):
    report = run(
        duckdb_warehouse,
        "gestionale-trattative.csv",
        mapping=files / "gestionale-trattative.yaml",
    )
    assert report.applied, report.rejects
    deals = by_id(rows(duckdb_warehouse, "opportunities"), "opportunity_id")
    assert deals["T-001"]["amount"] == pytest.approx(1234.56)  # 1.234,56
    assert deals["T-001"]["created_at"] == pd.Timestamp("2025-12-31 17:30")
    assert deals["T-001"]["owner_id"] == "luca.verdi"  # computed by an expression
    assert deals["T-001"]["product"] == "Offerta Caffè Roma Srl"
    assert (deals["T-002"]["amount"], deals["T-002"]["currency"]) == (12000.0, "EUR")
    assert (deals["T-003"]["amount"], deals["T-003"]["currency"]) == (3500.0, "BRL")
    reps = by_id(rows(duckdb_warehouse, "reps"), "rep_id")
    assert reps["luca.verdi"]["name"] == "Luca Verdi"


def test_pipedrive_xlsx_export(duckdb_warehouse, tmp_path, files):
    # The same deals, saved as XLSX: typed cells (numbers, datetimes) instead of text.
    frame = pd.read_csv(files / "pipedrive-deals.csv", dtype=str, keep_default_na=False)
    for column in ("Deal - Deal created", "Deal - Won time", "Deal - Lost time"):
        frame[column] = pd.to_datetime(frame[column]).astype(object).where(frame[column] != "", "")
    frame["Deal - Value"] = frame["Deal - Value"].astype(float)
    path = tmp_path / "deals.xlsx"
    frame.to_excel(path, index=False)
    report = run(duckdb_warehouse, path)
    assert report.applied, report.rejects
    deals = by_id(rows(duckdb_warehouse, "opportunities"), "opportunity_id")
    assert deals["102"]["amount"] == 2300.75
    assert deals["101"]["created_at"] == pd.Timestamp("2026-01-05 08:00")


def test_detection_needs_unambiguous_headers():
    with pytest.raises(ImportFileError, match="no ready mapping"):
        choose_mapping(["foo", "bar"], file="x.csv")
    assert choose_mapping(["Record ID", "Deal Name", "Deal Stage"], file="x").name == (
        "hubspot-deals"
    )
    # The --source option narrows the presets; a wrong one finds none.
    with pytest.raises(ImportFileError):
        choose_mapping(["Record ID", "Deal Name", "Deal Stage"], file="x", source="zoho")


def test_generic_file_with_canonical_headers(duckdb_warehouse, tmp_path):
    path = tmp_path / "reps.csv"
    path.write_text("rep_id,name,email,active\nr1,Anna,anna@example.com,yes\n", encoding="utf-8")
    report = run(duckdb_warehouse, path, table="reps")
    assert report.applied
    assert rows(duckdb_warehouse, "reps")["email"].tolist() == ["anna@example.com"]


def test_missing_required_column_refuses_the_file(duckdb_warehouse, tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text('"Record ID","Deal Name","Deal Stage"\n"1","x","Closed Won"\n')
    with pytest.raises(ImportFileError, match="'Create Date' is missing"):
        run(duckdb_warehouse, path)
    assert rows(duckdb_warehouse, "opportunities").empty


def test_pipedrive_activities_skip_tasks(duckdb_warehouse, tmp_path):
    path = tmp_path / "activities.csv"
    path.write_text(
        "Activity - ID,Activity - Subject,Activity - Type,Activity - Due date,"
        "Activity - Due time,Activity - Done,Activity - Assigned to user\n"
        "1,Intro call,Call,2026-03-02,09:30,Done,Luca Verdi\n"
        "2,Send contract,Task,2026-03-03,,Undone,Luca Verdi\n"
        "3,Demo,Meeting,2026-03-04,15:00,Undone,Sara Neri\n",
        encoding="utf-8",
    )
    report = run(duckdb_warehouse, path)
    assert report.applied, report.rejects
    [file] = report.files
    assert (file.rows_read, file.skipped, file.inserted) == (3, 1, 2)
    activities = by_id(rows(duckdb_warehouse, "activities"), "activity_id")
    assert activities["1"]["type"] == "call"
    assert activities["1"]["outcome"] == "completed"
    assert activities["1"]["occurred_at"] == pd.Timestamp("2026-03-02 08:30")  # 09:30 Rome
    assert pd.isna(activities["3"]["outcome"])  # "Undone": no outcome yet


def test_parquet_with_typed_columns(duckdb_warehouse, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "deals.parquet"
    pq.write_table(
        pa.table(
            {
                "opportunity_id": ["p1", "p2"],
                "pipeline": ["main", "main"],
                "stage": ["won", "open"],
                "status": ["won", "open"],
                "amount": [1500.5, None],
                "created_at": pd.to_datetime(["2026-01-05 09:00", "2026-02-01 10:00"]),
            }
        ),
        path,
    )
    report = run(duckdb_warehouse, path)
    assert report.applied, report.rejects
    deals = by_id(rows(duckdb_warehouse, "opportunities"), "opportunity_id")
    assert deals["p1"]["amount"] == 1500.5
    # A zone-less timestamp is company (Rome) time, like any other cell.
    assert deals["p1"]["created_at"] == pd.Timestamp("2026-01-05 08:00")


@pytest.mark.parametrize("preset", presets(), ids=lambda m: m.name)
def test_each_preset_is_found_from_its_own_headers(preset):
    headers = sorted(preset.headers_needed() | set(preset.detect))
    assert choose_mapping(headers, file="export.csv") == preset
