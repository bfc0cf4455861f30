"""Every table the product exports, as CSV or XLSX: reports and the records behind a KPI.

One door for both (`write_csv` for CSV, `workbook` for XLSX): headers and text in the
reader's language, numbers rounded in the reader's CSV dialect or typed XLSX cells, every
cell through cruscotto.safe_cells (never a formula).

CSV is for other programs and spreadsheets alike: headers are the column labels, with the
unit in brackets where a bare number would be ambiguous ("Win rate (%)", "Value (EUR)"),
and percentages are written as percentages (12.5, not 0.125). XLSX keeps the exact numbers
and lets Excel format them: fractions with a percent format, amounts with the currency.

The words come from a `Reader` (the web's is the user's language, see
cruscotto.web.report_export); without one, exports are in English as reports write them.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from cruscotto.reports.csv_dialect import DIGITS, ENGLISH, CsvDialect, write_csv
from cruscotto.reports.report import (
    Column,
    Note,
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
# The "about" sheet's labels (the Reader translates them like column labels).
ABOUT_LABELS = ("Period", "From", "To (inclusive)", "Currency", "Filter", "Note", "About")


class Reader:
    """The words of an export for its reader. This one is English, as reports write them;
    the web's (cruscotto.web.report_export) speaks the user's language."""

    def label(self, text: str) -> str:
        """A column label, table title or about-sheet label ("Win rate")."""
        return text

    def value(self, column: str, value: Any, row: dict[str, Any]) -> Any:
        """A text or yes/no cell of `column` (`row`: the whole row, by column name)."""
        if isinstance(value, bool):
            return "yes" if value else "no"
        return value

    def note(self, note: Note) -> str:
        return note.text

    def period(self, label: str) -> str:
        return label

    def dimension(self, name: str) -> str:
        """A filter's dimension ("rep")."""
        return name

    def sheet(self, table: ReportTable) -> str:
        """The sheet a table is written to (XLSX), before Excel's naming rules."""
        return table.name


ENGLISH_READER = Reader()


@dataclass(frozen=True)
class Sheet:
    """One table of an export: `formats[i]` is column i's XLSX number format (None: a
    plain cell, typed by its value)."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    formats: Sequence[str | None]
    widths: Sequence[int] | None = None  # characters per column; None: from the headers
    freeze_header: bool = True


def header(column: Column, currency: str, reader: Reader = ENGLISH_READER) -> str:
    label = reader.label(column.label)
    if column.kind == "currency":
        return f"{label} ({currency})"
    if column.kind == "percent":
        return f"{label} (%)"
    return label


def csv_cell(value, kind: str):
    if kind == "factors":
        return factors_text(typed_cell(value, kind))
    value = json_value(value)
    if value is None:
        return ""
    if kind == "percent" and isinstance(value, int | float):
        return value * 100
    return value


def _worded(table: ReportTable, reader: Reader, cell) -> Iterable[list]:
    """The table's rows with `cell(value, kind)` applied and text and yes/no cells in the
    reader's words (numbers, dates and missing values are left to the format)."""
    names = [c.name for c in table.columns]
    for values in table.frame.itertuples(index=False):
        row = dict(zip(names, values, strict=True))
        out = []
        for value, column in zip(values, table.columns, strict=True):
            if isinstance(value, str | bool) and column.kind in ("text", "kpi"):
                value = reader.value(column.name, value, row)
            out.append(cell(value, column.kind))
        yield out


def to_csv(
    report: Report,
    table: str | None = None,
    dialect: CsvDialect = ENGLISH,
    reader: Reader = ENGLISH_READER,
) -> str:
    """One table of the report as CSV text (the report's first table unless named), in
    `dialect` (see cruscotto.reports.csv_dialect), numbers rounded to their kind's digits,
    headers and text in `reader`'s words."""
    chosen = report.table(table) if table else report.tables[0]
    return write_csv(
        [header(c, report.currency, reader) for c in chosen.columns],
        _worded(chosen, reader, csv_cell),
        dialect,
        [DIGITS.get(c.kind) for c in chosen.columns],
    )


def to_xlsx(report: Report, reader: Reader = ENGLISH_READER) -> bytes:
    """The whole report as an XLSX workbook: one sheet per table, then an "about" sheet."""
    sheets = [
        Sheet(
            reader.sheet(table),
            [header(c, report.currency, reader) for c in table.columns],
            _worded(table, reader, _xlsx_value),
            [_number_format(c.kind, report.currency) for c in table.columns],
        )
        for table in report.tables
    ]
    return workbook([*sheets, _about(report, reader)])


def rows_to_xlsx(title: str, header: list[str], rows, digits: list[int | None]) -> bytes:
    """One sheet of rows as an XLSX workbook (records behind a KPI): numbers shown to
    `digits` decimals (None: as they are), datetimes and dates as date cells (already in
    the company's time zone)."""
    formats = [None if d is None else "#,##0" if d == 0 else "#,##0." + "0" * d for d in digits]
    return workbook([Sheet(title, header, rows, formats)])


def workbook(sheets: Sequence[Sheet]) -> bytes:
    """The one XLSX writer: bold text headers, frozen first row, typed cells, text never a
    formula (cruscotto.safe_cells), sheet names as Excel allows."""
    book = Workbook(write_only=True)
    used: set[str] = set()
    bold = Font(bold=True)
    for one in sheets:
        sheet = book.create_sheet(_sheet_name(one.title, used))
        headers = []
        for index, text in enumerate(one.header, start=1):
            cell = text_cell(sheet, text)
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            headers.append(cell)
            width = one.widths[index - 1] if one.widths else max(10, min(40, len(text) + 2))
            sheet.column_dimensions[get_column_letter(index)].width = width
        if one.freeze_header:
            sheet.freeze_panes = "A2"
        sheet.append(headers)
        for row in one.rows:
            sheet.append([_typed_cell(sheet, v, f) for v, f in zip(row, one.formats, strict=True)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_name(name: str, used: set[str]) -> str:
    """Excel allows 31 characters and no []:*?/\\ in a sheet name, unique per workbook."""
    base = _SHEET_NAME_FORBIDDEN.sub("_", name)
    if len(base) > 31:  # cut at a word where there is one: "… per fase" → "… per"
        cut = base[:32].rfind(" ")
        base = base[:cut] if cut > 0 else base[:31]
    base = base or "sheet"
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
    if isinstance(value, float) and math.isnan(value):
        return None
    return json_value(value) if not isinstance(value, dt.date) else value


def _typed_cell(sheet, value, number_format: str | None):
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        # Excel has no time zones; exported datetimes are already in the company's zone.
        value = value.replace(tzinfo=None)
        number_format = number_format or "yyyy-mm-dd hh:mm"
    elif isinstance(value, dt.date):
        number_format = number_format or _NUMBER_FORMATS["date"]
    elif not isinstance(value, int | float) or isinstance(value, bool):
        return xlsx_cell(sheet, value)  # text: never a formula
    if number_format is None:
        return value  # a plain value costs openpyxl less than a styled cell
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell


def _about(report: Report, reader: Reader) -> Sheet:
    label = reader.label
    rows = [
        (label("Period"), reader.period(report.period.label)),
        (label("From"), report.period.start),
        (label("To (inclusive)"), report.period.last_day),
        (label("Currency"), report.currency),
        *(
            (f"{label('Filter')}: {reader.dimension(d)}", ", ".join(values))
            for d, values in sorted(report.filters.items())
        ),
        *((label("Note"), reader.note(note)) for note in report.notes),
    ]
    # The title is the header row: in bold, as the report's name.
    title = [reader.label(report.title), ""]
    return Sheet(label("About"), title, rows, [None, None], [18, 100], freeze_header=False)
