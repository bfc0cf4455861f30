"""CSV and XLSX files of a report, from a report built by hand (no database needed)."""

import csv
import io

import pandas as pd
from openpyxl import load_workbook

from cruscotto.engine import Period
from cruscotto.reports.csv_dialect import CsvDialect
from cruscotto.reports.export import to_csv, to_xlsx
from cruscotto.reports.report import Column, Note, Report, ReportTable
from tests.reports.company import day

COLUMNS = [
    Column("rep", "Rep"),
    Column("won", "Won", "count"),
    Column("won_value", "Won value", "currency"),
    Column("win_rate", "Win rate", "percent"),
    Column("closed_on", "Closed", "date"),
]


def _report() -> Report:
    frame = pd.DataFrame(
        {
            "rep": ["Anna", "Bruno"],
            "won": [2, 0],
            "won_value": [15400.5, 0.0],
            "win_rate": [2 / 3, None],
            "closed_on": [day("2026-03-20"), None],
        }
    )
    empty = pd.DataFrame({c.name: [] for c in COLUMNS})
    return Report(
        name="leaderboard",
        title="Sales performance leaderboard",
        period=Period.parse("2026-03"),
        currency="EUR",
        tables=[
            ReportTable("reps", "Deals per rep", COLUMNS, frame),
            ReportTable("a/very:long*sheet?name[that]excel refuses", "Odd", COLUMNS, empty),
        ],
        notes=[Note.of("n", "Only {n} reps.", n=2)],
        filters={"team": ["North"]},
    )


def test_csv_headers_carry_units_and_percentages_are_percentages():
    text = to_csv(_report())
    lines = text.splitlines()
    assert lines[0] == "Rep,Won,Won value (EUR),Win rate (%),Closed"
    # 2/3 is written as 66.7 (%, one decimal), money to the cent, a missing rate and date
    # as empty cells.
    assert lines[1] == "Anna,2,15400.50,66.7,2026-03-20"
    assert lines[2] == "Bruno,0,0.00,,"


def test_italian_csv_is_what_italian_excel_reads():
    text = to_csv(_report(), dialect=CsvDialect.for_language("it"))
    assert text.startswith("\ufeff")  # UTF-8 byte-order mark
    lines = text[1:].split("\r\n")
    assert lines[0] == "Rep;Won;Won value (EUR);Win rate (%);Closed"
    assert lines[1] == "Anna;2;15400,50;66,7;2026-03-20"  # decimal comma, no grouping
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows[1] == ["Anna", "2", "15400,50", "66,7", "2026-03-20"]


def test_csv_of_an_empty_table_is_its_header():
    text = to_csv(_report(), "a/very:long*sheet?name[that]excel refuses")
    assert text == "Rep,Won,Won value (EUR),Win rate (%),Closed\r\n"


def test_xlsx_has_one_sheet_per_table_with_formats_and_an_about_sheet():
    workbook = load_workbook(io.BytesIO(to_xlsx(_report())))
    # Excel forbids []:*?/\ and more than 31 characters in a sheet name.
    assert workbook.sheetnames == ["reps", "a_very_long_sheet_name_that_exc", "About"]
    sheet = workbook["reps"]
    assert [c.value for c in sheet[1]] == [
        "Rep",
        "Won",
        "Won value (EUR)",
        "Win rate (%)",
        "Closed",
    ]
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    anna = sheet[2]
    assert anna[2].value == 15400.5 and anna[2].number_format == '#,##0.00 "EUR"'
    assert anna[3].value == 2 / 3 and anna[3].number_format == "0.0%"
    assert anna[4].value.date() == day("2026-03-20") and anna[4].number_format == "yyyy-mm-dd"
    assert sheet[3][3].value is None
    about = [[c.value for c in row] for row in workbook["About"].iter_rows()]
    assert ["Period", "2026-03"] in about
    assert ["Filter: team", "North"] in about
    assert ["Note", "Only 2 reps."] in about


def test_dates_read_back_as_midnight_timestamps_are_dates_in_json():
    columns = [Column("expected", "Expected close", "date")]
    frame = pd.DataFrame({"expected": pd.to_datetime(["2026-05-24"])})
    table = ReportTable("deals", "Deals", columns, frame)
    assert table.records() == [{"expected": "2026-05-24"}]


def test_a_long_sheet_name_is_cut_at_a_word():
    """Excel allows 31 characters; "Valore delle trattative per fase" has 32."""
    report = _report()
    report.tables[0].name = "Valore delle trattative per fase"
    assert load_workbook(io.BytesIO(to_xlsx(report))).sheetnames[0] == "Valore delle trattative per"
