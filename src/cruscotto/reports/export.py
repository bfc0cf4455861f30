"""Reports as files: CSV (one table) and XLSX (one sheet per table, plus an "about" sheet).

CSV is for other programs and spreadsheets alike: headers are the column labels, with the
unit in brackets where a bare number would be ambiguous ("Win rate (%)", "Value (EUR)"),
and percentages are written as percentages (12.5, not 0.125). XLSX keeps the exact numbers
and lets Excel format them: fractions with a percent format, amounts with the currency.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from cruscotto.reports.csv_dialect import DIGITS, ENGLISH, CsvDialect, write_csv
from cruscotto.reports.report import (
    Column,
    Report,
    ReportTable,
    factors_text,
    json_value,
    typed_cell,
)
from cruscotto.safe_cells import text_cell, xlsx_cell

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"

_NUMBER_FORMATS = {
    "count": "#,##0",
    "percent": "0.0%",
    "number": "#,##0.00",
    "days": "#,##0.0",
    "date": "yyyy-mm-dd",
}
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def header(column: Column, currency: str) -> str:
    if column.kind == "currency":
        return f"{column.label} ({currency})"
    if column.kind == "percent":
        return f"{column.label} (%)"
    return column.label


def csv_cell(value, kind: str):
    if kind == "factors":
        return factors_text(typed_cell(value, kind))
    value = json_value(value)
    if value is None:
        return ""
    if kind == "percent" and isinstance(value, int | float):
        return value * 100
    return value


def to_csv(report: Report, table: str | None = None, dialect: CsvDialect = ENGLISH) -> str:
    """One table of the report as CSV text (the report's first table unless named), in
    `dialect` (see cruscotto.reports.csv_dialect), numbers rounded to their kind's digits."""
    chosen = report.table(table) if table else report.tables[0]
    rows = (
        [csv_cell(v, c.kind) for v, c in zip(row, chosen.columns, strict=True)]
        for row in chosen.frame.itertuples(index=False)
    )
    return write_csv(
        [header(c, report.currency) for c in chosen.columns],
        rows,
        dialect,
        [DIGITS.get(c.kind) for c in chosen.columns],
    )


def to_xlsx(report: Report) -> bytes:
    """The whole report as an XLSX workbook: one sheet per table, then an "about" sheet."""
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for table in report.tables:
        _write_table(workbook.create_sheet(_sheet_name(table.name, used)), table, report.currency)
    _write_about(workbook.create_sheet(_sheet_name("about", used)), report)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_name(name: str, used: set[str]) -> str:
    """Excel allows 31 characters and no []:*?/\\ in a sheet name, unique per workbook."""
    base = _SHEET_NAME_FORBIDDEN.sub("_", name)[:31] or "sheet"
    candidate, n = base, 2
    while candidate.lower() in used:
        suffix = f"_{n}"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate


def _number_format(kind: str, currency: str) -> str | None:
    if kind == "currency":
        return f'#,##0.00 "{currency}"'
    return _NUMBER_FORMATS.get(kind)


def _xlsx_value(value, kind: str):
    if kind == "factors":
        return factors_text(typed_cell(value, kind))
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        # Excel has no time zones; report datetimes are already in the company's zone.
        return value.replace(tzinfo=None)
    if isinstance(value, float) and math.isnan(value):
        return None
    return json_value(value) if not isinstance(value, dt.date) else value


def _write_table(sheet, table: ReportTable, currency: str) -> None:
    bold = Font(bold=True)
    headers = []
    for column in table.columns:
        cell = text_cell(sheet, header(column, currency))
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        headers.append(cell)
    for index, column in enumerate(table.columns, start=1):
        width = max(10, min(40, len(header(column, currency)) + 2))
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append(headers)
    formats = [_number_format(c.kind, currency) for c in table.columns]
    for row in table.frame.itertuples(index=False):
        cells = []
        for value, column, number_format in zip(row, table.columns, formats, strict=True):
            value = _xlsx_value(value, column.kind)
            if number_format and value is not None:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = number_format
                cells.append(cell)
            else:  # a plain value costs openpyxl less than a styled cell
                cells.append(xlsx_cell(sheet, value))
        sheet.append(cells)


def rows_to_xlsx(title: str, header: list[str], rows, digits: list[int | None]) -> bytes:
    """One sheet of rows as an XLSX workbook (records behind a KPI): headers as text, numbers
    as number cells shown to `digits` decimals (None: as they are), datetimes and dates as
    date cells (already in the company's time zone), text through safe_cells (never a
    formula)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_name(title, set()))
    bold = Font(bold=True)
    headers = []
    for index, text in enumerate(header, start=1):
        cell = text_cell(sheet, text)
        cell.font = bold
        headers.append(cell)
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(text) + 2))
    sheet.freeze_panes = "A2"
    sheet.append(headers)
    for row in rows:
        sheet.append([_typed_cell(sheet, v, d) for v, d in zip(row, digits, strict=True)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _typed_cell(sheet, value, digits: int | None):
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, int | float) and not isinstance(value, bool) and digits is not None:
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "#,##0" if digits == 0 else "#,##0." + "0" * digits
        return cell
    return xlsx_cell(sheet, value)


def _write_about(sheet, report: Report) -> None:
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 100
    bold = Font(bold=True)
    title = text_cell(sheet, report.title)
    title.font = bold
    sheet.append([title])
    rows = [
        ("Period", report.period.label),
        ("From", report.period.start),
        ("To (inclusive)", report.period.last_day),
        ("Currency", report.currency),
        *((f"Filter: {d}", ", ".join(values)) for d, values in sorted(report.filters.items())),
        *(("Note", note.text) for note in report.notes),
    ]
    for label, value in rows:
        sheet.append([xlsx_cell(sheet, label), xlsx_cell(sheet, value)])
