"""Applying a mapping to the cells of a file: canonical columns with their declared types.

Each cell that cannot become its column's type is a reject naming the source column and
the value as the file wrote it. Nothing here knows about any particular CRM.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cruscotto.ingest import expressions, parsing
from cruscotto.ingest.mapping import ColumnRule, Mapping
from cruscotto.ingest.readers import SourceTable
from cruscotto.ingest.report import ImportFileError, Reject
from cruscotto.model import Column, Table
from cruscotto.model import table as model_table

AMOUNT_COLUMNS = ("amount", "mrr", "spend", "direct_cost")
_TYPE_WORDS = {
    "int": "a whole number",
    "float": "a number",
    "bool": "yes/no",
    "date": "a date",
    "timestamp": "a date/time",
}
_NUMBER_IN_DATE = (
    "{column}: a number, not a date (if the file counts days as Excel does, add "
    "`serial_dates: excel` to the mapping)"
)


@dataclass
class Settings:
    """What a mapping leaves to the company: time zone and currency."""

    timezone: str = "UTC"
    currency: str = "EUR"


@dataclass
class Prepared:
    """The rows of one file as a canonical table, before the checks across rows and files."""

    file: str
    mapping: Mapping
    table: Table
    frame: pd.DataFrame  # canonical columns, typed; one row per source record
    rows: np.ndarray  # spreadsheet row number of each record
    raw: dict[str, pd.Series]  # canonical column -> the cells it came from
    labels: dict[str, str]  # canonical column -> source column (for reject messages)
    bad: pd.Series  # True for rows refused so far
    source_frame: pd.DataFrame  # the file's cells, for rows of related tables
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: int = 0

    @property
    def carried(self) -> list[str]:
        """The canonical columns this file gives values for (the others it says nothing of)."""
        return [c for c in self.table.column_names if c in self.labels]

    def reject(self, mask: pd.Series, column: str, reason: str | pd.Series) -> None:
        """Refuse the rows in `mask`, each with a reject naming `column`."""
        hits = np.flatnonzero(mask.to_numpy(dtype=bool))
        if not len(hits):
            return
        raw = self.raw.get(column)
        label = self.labels.get(column, column)
        for i in hits:
            value = parsing.cell_text(raw.iloc[i]) if raw is not None else ""
            why = reason if isinstance(reason, str) else str(reason.iloc[i])
            self.rejects.append(Reject(self.file, int(self.rows[i]), label, value, why))
        self.bad = self.bad | mask.to_numpy(dtype=bool)


def rule_cells(
    rule: ColumnRule,
    frame: pd.DataFrame,
    decimal: parsing.Decimal | None,
    dates: parsing.DateReading | None = None,
) -> pd.Series:
    """The cells a rule yields for every row: copied, computed or constant, then mapped."""
    if rule.column is not None:
        cells = (
            frame[rule.column]
            if rule.column in frame.columns
            else pd.Series("", index=frame.index, dtype="str")
        )
    elif rule.expr is not None:
        cells = expressions.evaluate(rule.expr, frame, decimal, dates)
    elif isinstance(rule.value, str):
        cells = pd.Series(rule.value, index=frame.index, dtype="str")
    else:
        cells = pd.Series([rule.value] * len(frame), index=frame.index, dtype=object)
    if rule.map is None and rule.default is None and rule.otherwise is None:
        return cells
    text = parsing.as_text(cells, frame.index).str.strip()
    empty = text == ""
    # Text that only ever becomes other text stays pandas' Arrow-backed text, which the
    # converters read without a Python object per cell; anything else goes as objects.
    words_only = _is_text(cells) and all(
        v is None or isinstance(v, str)
        for v in (*(rule.map or {}).values(), rule.otherwise, rule.default)
    )
    kind = "str" if words_only else object
    out = cells if words_only else cells.astype(object)
    if rule.map:
        lookup = {str(k).strip().lower(): v for k, v in rule.map.items()}
        # Look each distinct word up once: exports repeat a handful of stage words.
        codes, words = pd.factorize(text.str.lower())
        translated = pd.Series([lookup.get(w) for w in words], dtype=object)
        mapped = pd.Series(
            translated.to_numpy()[codes] if len(words) else [None] * len(text),
            index=text.index,
            dtype=kind,
        )
        found = mapped.notna()
        out = out.where(~found, mapped)
        if rule.otherwise is not None:
            out = out.where(found | empty, rule.otherwise)
    elif rule.otherwise is not None:
        out = out.where(empty, rule.otherwise)
    if rule.default is not None:
        out = out.where(~empty, rule.default)
    return out


def _is_text(cells: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(cells) and cells.dtype != object


def convert(
    cells: pd.Series, column: Column, mapping: Mapping, settings: Settings
) -> tuple[pd.Series, pd.Series, pd.Series | None]:
    """(typed values, bad-cell mask, currency written beside a number or None)."""
    tz = mapping.timezone or settings.timezone
    formats = tuple(mapping.date_formats)
    match column.type:
        case "string":
            # Kept as pandas' Arrow-backed text (missing = NaN), not Python objects: the
            # rows go to the warehouse as Arrow without a per-cell conversion each way.
            text = parsing.as_text(cells, cells.index).str.strip()
            values = text.where(text != "", None)
            return values, pd.Series(False, index=cells.index), None
        case "float":
            values, bad, currency = parsing.to_number(cells, mapping.decimal)
            return values, bad, currency
        case "int":
            values, bad = parsing.to_integer(cells, mapping.decimal)
            return values, bad, None
        case "bool":
            values, bad = parsing.to_bool(cells)
            return values, bad, None
        case "date" | "timestamp":
            read = parsing.to_date if column.type == "date" else parsing.to_timestamp
            values, bad = read(
                cells,
                order=mapping.date_order,
                formats=formats,
                tz=tz,
                serial=mapping.serial_dates,
            )
            return values, bad, None
    raise AssertionError(column.type)


def prepare(
    source: SourceTable,
    mapping: Mapping,
    settings: Settings,
    *,
    table: str | None = None,
    rules: dict[str, ColumnRule] | None = None,
) -> Prepared:
    """Map and type the records of `source` into `table` (the mapping's table by default)."""
    declared = model_table(table or mapping.table)
    rules = mapping.columns if rules is None else rules
    frame = source.frame
    rows = source.row_numbers
    file = str(source.path)
    # Rows of related tables are a bonus: a file without their columns simply gives none.
    warnings = _check_headers(source, mapping, declared, rules, strict=table is None)
    skipped = 0
    if mapping.skip is not None and table is None:
        try:
            leave_out = expressions.evaluate(
                mapping.skip, frame, mapping.decimal, mapping.date_reading
            )
        except expressions.ExpressionError as exc:
            raise ImportFileError(f"{file}: skip: {exc}") from exc
        keep = ~leave_out.astype(bool).to_numpy()
        skipped = int((~keep).sum())
        frame, rows = frame.loc[keep], rows[keep]

    typed: dict[str, pd.Series] = {}
    raw: dict[str, pd.Series] = {}
    labels: dict[str, str] = {}
    bad_cells: dict[str, pd.Series] = {}
    currency_found: pd.Series | None = None
    for column in declared.columns:
        rule = rules.get(column.name)
        if rule is None:
            typed[column.name] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
            continue
        try:
            cells = rule_cells(rule, frame, mapping.decimal, mapping.date_reading)
        except expressions.ExpressionError as exc:
            raise ImportFileError(f"{file}: column {column.name}: {exc}") from exc
        try:
            values, bad, currency = convert(cells, column, mapping, settings)
        except parsing.AmbiguousDates as exc:
            raise ImportFileError(f"{file}: column {rule.label!r} ({column.name}): {exc}") from exc
        typed[column.name], raw[column.name], labels[column.name] = values, cells, rule.label
        bad_cells[column.name] = bad
        if currency is not None and column.name in AMOUNT_COLUMNS and currency_found is None:
            currency_found = currency

    prepared = Prepared(
        file=file,
        mapping=mapping,
        table=declared,
        frame=pd.DataFrame(typed, index=frame.index),
        rows=rows,
        raw=raw,
        labels=labels,
        bad=pd.Series(False, index=frame.index),
        source_frame=frame,
        warnings=warnings,
        skipped=skipped,
    )
    for name, bad in bad_cells.items():
        column = declared.column(name)
        if column.type in ("date", "timestamp") and mapping.serial_dates is None and bad.any():
            numeric = bad & _looks_numeric(raw[name])
            prepared.reject(numeric, name, _NUMBER_IN_DATE.format(column=name))
            bad = bad & ~numeric
        prepared.reject(bad, name, f"{name}: not {_TYPE_WORDS.get(column.type, column.type)}")
    if table is None and not mapping.update_only:
        _fill_opening_dates(prepared)
    if "currency" in declared.column_names and not (
        mapping.update_only and "currency" not in labels
    ):
        _fill_currency(prepared, currency_found, mapping.currency or settings.currency)
        labels.setdefault("currency", "currency")
    return prepared


# Records that are real even when the file does not say when they began: a deal exported
# at its first stage (no engage date yet) is an open deal all the same.
OPENING_DATES = {"opportunities": ("created_at", "closed_at")}


def _fill_opening_dates(prepared: Prepared) -> None:
    """Give a record with no opening date the best date the file has, and say which.

    A closed record opened no later than it closed, so its close date stands in; an open
    one existed when the file was exported, and the latest date anywhere in the file is
    the nearest to that moment the file tells. The report names how many rows got which.
    """
    opening = OPENING_DATES.get(prepared.table.name)
    if opening is None or opening[0] not in prepared.labels:
        return
    column, closing = opening
    frame = prepared.frame
    empty = frame[column].isna() & ~prepared.bad
    if not empty.any():
        return
    label = prepared.labels[column]
    latest, source = _latest_date(prepared)  # before filling: the file's own dates only
    closed = empty & frame[closing].notna()
    frame.loc[closed, column] = frame.loc[closed, closing]
    if closed.any():
        prepared.warnings.append(
            f"{int(closed.sum()):,} rows without {label}: {column} is their {closing} "
            f"({prepared.labels.get(closing, closing)})"
        )
    rest = empty & ~closed
    if rest.any() and latest is not None:
        frame.loc[rest, column] = latest
        prepared.warnings.append(
            f"{int(rest.sum()):,} rows without {label}: {column} is the latest date in the "
            f"file, {latest:%Y-%m-%d} (from {source}), the nearest it tells to its export"
        )


def _latest_date(prepared: Prepared) -> tuple[pd.Timestamp | None, str]:
    best: pd.Timestamp | None = None
    source = ""
    # Only times of events: a date column such as expected_close_date is a plan, and may
    # lie after the export.
    for column in prepared.table.columns:
        if column.type != "timestamp" or column.name not in prepared.labels:
            continue
        newest = prepared.frame.loc[~prepared.bad, column.name].max()
        if pd.notna(newest) and (best is None or newest > best):
            best, source = pd.Timestamp(newest), prepared.labels[column.name]
    return best, source


def _looks_numeric(cells: pd.Series) -> pd.Series:
    """Cells that are a bare number (text like 45291, or a number cell of a workbook)."""
    text, native = parsing.split_native(cells)
    numeric = text.str.strip().str.fullmatch(r"[+-]?\d+([.,]\d+)?")
    if native is not None:
        numeric |= native.map(lambda v: isinstance(v, int | float) and not isinstance(v, bool))
    return numeric.fillna(False).astype(bool)


def _fill_currency(prepared: Prepared, written: pd.Series | None, default: str) -> None:
    """Currency from its column, else the symbol written with the amount, else the default."""
    frame = prepared.frame
    given = frame["currency"].astype(object)
    given = given.where(given.isna(), given.astype(str).str.strip().str.upper())
    if written is not None:
        symbol = written.where(written != "", None)
        clash = given.notna() & symbol.notna() & (given != symbol)
        if clash.any():
            reasons = (
                "amount is written in "
                + symbol.astype(str)
                + " but currency says "
                + (given.astype(str))
            )
            prepared.reject(clash, "currency", reasons)
        given = given.where(given.notna(), symbol)
    given = given.where(given.notna(), default.upper())
    frame["currency"] = given
    malformed = ~given.astype(str).str.fullmatch(r"[A-Z]{3}")
    prepared.reject(malformed, "currency", "currency: not a 3-letter ISO 4217 code (EUR, USD…)")


def _check_headers(
    source: SourceTable,
    mapping: Mapping,
    declared: Table,
    rules: dict[str, ColumnRule],
    *,
    strict: bool = True,
) -> list[str]:
    """Refuse a file that lacks a column needed for a required value; list optional ones."""
    present = set(source.headers)
    warnings = []
    for name, rule in rules.items():
        missing = [h for h in rule.headers if h not in present]
        if not missing or (rule.expr is not None and len(missing) < len(rule.headers)):
            continue
        column = declared.column(name)
        # The currency falls back to the amount's symbol or the default currency.
        if strict and not column.nullable and rule.default is None and name != "currency":
            raise ImportFileError(
                f"{source.path}: column {missing[0]!r} is missing; the {mapping.name} mapping "
                f"needs it for {declared.name}.{name} (headers found: {', '.join(source.headers)})"
            )
        fallback = "the default currency" if name == "currency" else "empty"
        warnings.append(
            f"column {missing[0]!r} not in the file: {declared.name}.{name} is {fallback}"
        )
    return warnings
