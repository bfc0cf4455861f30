"""CSV in the reader's dialect: what a spreadsheet in their language opens correctly.

Excel reads a CSV with the list separator and decimal sign of the computer's regional
settings. An Italian or Brazilian Excel splits on `;` and reads `6962,12` as a number;
given `6962.1161142857145,EUR` it makes one text cell. So:

| language | separator | decimal | byte-order mark |
| -------- | --------- | ------- | --------------- |
| en       | `,`       | `.`     | no (programs read it as plain UTF-8) |
| it, pt   | `;`       | `,`     | yes (Excel then knows it is UTF-8: "Qualità", "Negociação") |

Numbers are rounded to their unit's precision (`DIGITS`: money to cents, rates as
percentages to one decimal, counts whole) and written without thousands separators, which
a spreadsheet would read as text. Dates stay ISO (2026-11-30, 2026-11-30 14:05): every
Excel reads them as dates.

Every CSV the product writes goes through `write_csv`, and every cell through the one
formula-neutralising writer (`_cell_writer`).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cruscotto.safe_cells import csv_writer

# Decimals per kind of value (a report column's kind, a KPI's unit).
DIGITS = {
    "count": 0,
    "currency": 2,
    "percent": 1,  # written as a percentage: 0.4567 → 45.7
    "days": 1,
    "hours": 1,
    "number": 2,
    "ratio": 2,
    "score": 1,
    "currency_per_day": 2,
    "units_per_hour": 2,
}
DEFAULT_DIGITS = 2
BOM = "\ufeff"


@dataclass(frozen=True)
class CsvDialect:
    delimiter: str
    decimal: str
    bom: bool

    @classmethod
    def for_language(cls, language: str) -> CsvDialect:
        if language in ("it", "pt"):
            return cls(delimiter=";", decimal=",", bom=True)
        return cls(delimiter=",", decimal=".", bom=False)

    def number(self, value: float | int, digits: int) -> str:
        """`value` rounded to `digits`, with this dialect's decimal sign, no grouping."""
        text = f"{value:.{digits}f}"
        if text.startswith("-") and not text.strip("-0.,"):
            text = text[1:]  # -0.0 → 0.0
        return text.replace(".", self.decimal)


ENGLISH = CsvDialect.for_language("en")


def cell(value: Any, digits: int | None, dialect: CsvDialect) -> Any:
    """One CSV cell: empty for a missing value, numbers rounded in the dialect."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if digits is None:
            digits = 0 if float(value).is_integer() else DEFAULT_DIGITS
        return dialect.number(value, digits)
    return value


def write_csv(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    dialect: CsvDialect = ENGLISH,
    digits: Sequence[int | None] | None = None,
) -> str:
    """The CSV text (with its BOM when the dialect wants one); `digits[i]` rounds column i
    (None: whole numbers as they are, other numbers to DEFAULT_DIGITS)."""
    out = io.StringIO()
    if dialect.bom:
        out.write(BOM)
    writer = _cell_writer(out, dialect)
    writer.writerow(header)
    places = list(digits) if digits is not None else [None] * len(header)
    for row in rows:
        writer.writerow(cell(v, d, dialect) for v, d in zip(row, places, strict=True))
    return out.getvalue()


def _cell_writer(stream, dialect: CsvDialect):
    # The one place a CSV writer is made: safe_cells neutralises formulas in every cell.
    return csv_writer(stream, delimiter=dialect.delimiter, lineterminator="\r\n")
