"""The CSV files the model commands read: a cohort's survival table and a customer summary.

Every error names the file, the row (1 = the header) and the column, and nothing is fitted
from a file with a bad row.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path


class ModelFileError(ValueError):
    """A model input file is missing, empty or has a bad row."""


def read_survival(path: Path) -> list[float]:
    """`period,alive` rows, period 0 (the cohort size) first and no gaps: alive per period."""
    rows = _rows(path, ("period", "alive"))
    alive: list[float] = []
    for line, row in rows:
        period = _number(path, line, "period", row["period"])
        if period != len(alive):
            raise ModelFileError(
                f"{path}: row {line}, column period: expected period {len(alive)}, got "
                f"{row['period']!r} (periods start at 0 and go up by one)"
            )
        count = _number(path, line, "alive", row["alive"])
        if alive and count > alive[-1]:
            raise ModelFileError(
                f"{path}: row {line}, column alive: {row['alive']} is more than the "
                f"{alive[-1]:g} alive the period before"
            )
        alive.append(count)
    return alive


def read_customer_summary(path: Path) -> dict[str, list[float]]:
    """`ID,frequency,recency,T` rows: each customer's repeat purchases, last one, and age."""
    rows = _rows(path, ("ID", "frequency", "recency", "T"))
    summary: dict[str, list[float]] = {"frequency": [], "recency": [], "T": []}
    for line, row in rows:
        values = {name: _number(path, line, name, row[name]) for name in summary}
        if not values["frequency"].is_integer():
            raise ModelFileError(
                f"{path}: row {line}, column frequency: {row['frequency']!r} is not a whole "
                "number of repeat purchases"
            )
        if not values["recency"] <= values["T"]:
            raise ModelFileError(
                f"{path}: row {line}, column recency: the last purchase ({row['recency']}) "
                f"is after the end of observation T ({row['T']})"
            )
        if values["frequency"] == 0 and values["recency"] != 0:
            raise ModelFileError(
                f"{path}: row {line}, column recency: a customer with no repeat purchase "
                "has recency 0"
            )
        for name, value in values.items():
            summary[name].append(value)
    return summary


def _rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot be read ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise ModelFileError(f"{path}: is not UTF-8 text") from exc
    reader = csv.DictReader(text.splitlines())
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in columns if name not in header]
    if missing:
        raise ModelFileError(
            f"{path}: row 1: missing column(s) {', '.join(missing)}; expected {','.join(columns)}"
        )
    reader.fieldnames = header
    rows = [(number, row) for number, row in enumerate(reader, start=2)]
    if not rows:
        raise ModelFileError(f"{path}: has a header but no rows")
    return rows


def _number(path: Path, line: int, column: str, text: str | None) -> float:
    try:
        value = float((text or "").strip())
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise ModelFileError(
            f"{path}: row {line}, column {column}: {text!r} is not a number of 0 or more"
        )
    return value
