"""Mapping files: how the columns of one kind of export become a canonical table.

The ready mappings for the CRMs are YAML files in `ingest/presets/`; a company writes its
own in the same format for anything else (see docs/import.md). A mapping says which
canonical table the rows go to and, for each canonical column, where its value comes
from: a source column, an expression (see `expressions`) or a constant, optionally
through a value map (e.g. stage words to open/won/lost).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from babel import Locale
from babel.numbers import get_decimal_symbol
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cruscotto.ingest import expressions
from cruscotto.ingest.parsing import DateOrder, DateReading, Decimal, SerialDates
from cruscotto.ingest.report import ImportFileError
from cruscotto.model import BY_NAME, Table
from cruscotto.model import table as model_table

SOURCES = ("hubspot", "pipedrive", "salesforce", "activecampaign", "zoho", "generic")


class ColumnRule(BaseModel):
    """Where one canonical column's value comes from. Exactly one of column/expr/value."""

    model_config = ConfigDict(extra="forbid")

    column: str | None = None
    expr: str | None = None
    value: Any = None
    # Source word -> canonical value, matched trimmed and case-insensitive.
    map: dict[str, Any] | None = None
    # Used for a non-empty value the map does not list (left as it is when not given).
    otherwise: Any = None
    # Used when the cell is empty.
    default: Any = None

    @model_validator(mode="after")
    def _one_source(self) -> ColumnRule:
        given = [k for k in ("column", "expr", "value") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of `column`, `expr` or `value`")
        if self.expr is not None:
            expressions.parse(self.expr)
        return self

    @property
    def headers(self) -> list[str]:
        if self.column is not None:
            return [self.column]
        if self.expr is not None:
            return expressions.columns_used(self.expr)
        return []

    @property
    def label(self) -> str:
        """How a reject names where the value came from."""
        return self.column or (self.expr or "")


class RelatedRows(BaseModel):
    """Rows of another table implied by this export (e.g. the reps named as deal owners).

    They are created only when their key is not yet known, never updated: an export of
    deals says little about a rep beyond their name.
    """

    model_config = ConfigDict(extra="forbid")

    columns: dict[str, ColumnRule]

    @field_validator("columns", mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return _expand_shorthand(value)


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    source: str = "generic"
    table: str
    description: str = ""
    # Headers that together identify this kind of export, for detecting the preset.
    detect: list[str] = Field(default_factory=list)
    # Day, month and year order of dates like 01/02/2026 (DMY: Italy, Brazil; MDY: US).
    # When not given it is inferred per column from all its values; a column that fits
    # both stops the import and asks for it.
    date_order: DateOrder | None = None
    # Numbers in date columns are refused unless this says how they count days
    # ("excel": Excel's serial days, 1 = 1900-01-01).
    serial_dates: SerialDates | None = None
    # strftime formats tried before the built-in patterns, e.g. "%d.%m.%Y %H:%M".
    date_formats: list[str] = Field(default_factory=list)
    # Decimal separator of numbers; or a locale (it, pt_BR, en_US) that implies it;
    # when neither is given it is inferred per column from the values.
    decimal: Decimal | None = None
    locale: str | None = None
    # Time zone of times written without one (default: the company's time zone).
    timezone: str | None = None
    # Currency of amounts that carry no currency (default: the company's base currency).
    currency: str | None = None
    columns: dict[str, ColumnRule]
    related: dict[str, RelatedRows] = Field(default_factory=dict)
    # An expression; rows where it holds are left out (counted as skipped, not rejected),
    # e.g. `col("Activity - Type") in ("Task", "Deadline")` for records the model has no
    # place for.
    skip: str | None = None
    # Only update records already stored (or arriving in the same import), and only the
    # mapped columns: e.g. set leads.converted_at from a file of closed deals. A key not
    # stored yet is refused, since the file cannot supply the record's required values.
    update_only: bool = False
    # Where a preset's header names and words were checked; shown in docs.
    references: list[str] = Field(default_factory=list)

    @field_validator("columns", mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return _expand_shorthand(value)

    @model_validator(mode="after")
    def _known_columns(self) -> Mapping:
        declared = _declared(self.table)
        _check_columns(declared, self.columns, f"mapping {self.name}")
        for name, related in self.related.items():
            _check_columns(_declared(name), related.columns, f"mapping {self.name} related {name}")
        for key in declared.primary_key:
            if key not in self.columns:
                raise ValueError(f"mapping {self.name}: the key column {key!r} must be mapped")
        if self.skip is not None:
            expressions.parse(self.skip)
        if self.locale and not self.decimal:
            try:
                symbol = get_decimal_symbol(Locale.parse(self.locale))
            except Exception as exc:
                raise ValueError(f"unknown locale {self.locale!r}") from exc
            self.decimal = "," if symbol == "," else "."
        return self

    @property
    def date_reading(self) -> DateReading:
        return DateReading(self.date_order, tuple(self.date_formats), self.serial_dates)

    @property
    def declared(self) -> Table:
        return model_table(self.table)

    def headers_needed(self) -> set[str]:
        out = {h for rule in self.columns.values() for h in rule.headers}
        for related in self.related.values():
            out |= {h for rule in related.columns.values() for h in rule.headers}
        return out

    def matches(self, headers: list[str]) -> bool:
        folded = {h.strip().casefold() for h in headers}
        return bool(self.detect) and all(d.casefold() in folded for d in self.detect)


def _declared(name: str) -> Table:
    if name not in BY_NAME:
        raise ValueError(f"unknown table {name!r}; the tables are: {', '.join(BY_NAME)}")
    return BY_NAME[name]


def _check_columns(declared: Table, columns: dict[str, ColumnRule], where: str) -> None:
    unknown = [c for c in columns if c not in declared.column_names]
    if unknown:
        known = ", ".join(declared.column_names)
        raise ValueError(f"{where}: {declared.name} has no column {unknown}; it has {known}")


def _expand_shorthand(value: Any) -> Any:
    # `owner_id: Deal owner` is short for `owner_id: {column: Deal owner}`.
    if isinstance(value, dict):
        return {k: ({"column": v} if isinstance(v, str) else v) for k, v in value.items()}
    return value


# -- loading ---------------------------------------------------------------------------

# libyaml's loader when PyYAML was built with it (5x faster: every import reads the presets).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_mapping(path: str | Path) -> Mapping:
    file = Path(path)
    try:
        data = yaml.load(file.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except OSError as exc:
        raise ImportFileError(f"{file}: cannot read the mapping file: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ImportFileError(f"{file}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ImportFileError(f"{file}: a mapping file is a YAML mapping (key: value)")
    data.setdefault("name", file.stem)
    return mapping_from_data(data, where=str(file))


def mapping_from_data(data: dict[str, Any], where: str) -> Mapping:
    """A mapping from its YAML data; `ImportFileError` naming `where` when it is wrong."""
    try:
        return Mapping(**data)
    except (ValidationError, expressions.ExpressionError, ValueError) as exc:
        raise ImportFileError(f"{where}: invalid mapping: {exc}") from exc


@cache
def presets() -> tuple[Mapping, ...]:
    """The ready mappings shipped with Cruscotto, one per CRM export."""
    folder = resources.files("cruscotto.ingest") / "presets"
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            with resources.as_file(entry) as path:
                found.append(load_mapping(path))
    return tuple(found)


def preset(name: str) -> Mapping:
    for m in presets():
        if m.name == name:
            return m
    raise KeyError(name)


def generic_mapping(table: str, headers: list[str]) -> Mapping:
    """A file whose headers are canonical column names (any case), e.g. from another system."""
    declared = _declared(table)
    by_fold = {h.strip().casefold(): h for h in headers}
    columns = {
        c: {"column": by_fold[c.casefold()]}
        for c in declared.column_names
        if c.casefold() in by_fold
    }
    missing_keys = [k for k in declared.primary_key if k not in columns]
    if missing_keys:
        raise ImportFileError(
            f"a generic {table} file needs the column(s) {', '.join(missing_keys)}; "
            "or give a mapping file with --mapping"
        )
    return Mapping(name=f"generic-{table}", source="generic", table=table, columns=columns)


def choose_mapping(
    headers: list[str],
    *,
    file: str,
    source: str | None = None,
    table: str | None = None,
) -> Mapping:
    """The preset for a file's headers, narrowed by `source`/`table` when given."""
    if source is not None and source not in SOURCES:
        raise ImportFileError(f"unknown source {source!r}; use one of {', '.join(SOURCES)}")
    if source == "generic" or (source is None and table is not None and _is_canonical(headers)):
        if table is None:
            raise ImportFileError(f"{file}: a generic import needs --table")
        return generic_mapping(table, headers)
    candidates = [
        m
        for m in presets()
        if (source is None or m.source == source)
        and (table is None or m.table == table)
        and m.matches(headers)
    ]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        if table is not None and _is_canonical(headers):
            return generic_mapping(table, headers)
        inferred = _canonical_table(headers) if table is None and source is None else None
        if inferred is not None:
            return generic_mapping(inferred, headers)
        shown = ", ".join(headers[:8]) + ("…" if len(headers) > 8 else "")
        raise ImportFileError(
            f"{file}: no ready mapping recognises these headers ({shown}); "
            "give --source and --table, or a mapping file with --mapping (see docs/import.md)"
        )
    best = max(len(m.detect) for m in candidates)
    top = [m for m in candidates if len(m.detect) == best]
    if len(top) == 1:
        return top[0]
    names = ", ".join(m.name for m in top)
    raise ImportFileError(
        f"{file}: the headers fit several exports ({names}); give --source/--table"
    )


def _canonical_table(headers: list[str]) -> str | None:
    """The one canonical table whose required columns are all headers of the file."""
    folded = {h.strip().casefold() for h in headers}
    fits = [
        t.name
        for t in BY_NAME.values()
        if all(c.name in folded for c in t.columns if not c.nullable and c.name != "currency")
    ]
    return fits[0] if len(fits) == 1 else None


def _is_canonical(headers: list[str]) -> bool:
    folded = {h.strip().casefold() for h in headers}
    return any(all(k in folded for k in t.primary_key) for t in BY_NAME.values())


def describe_presets() -> list[dict[str, Any]]:
    return [
        {"name": m.name, "source": m.source, "table": m.table, "description": m.description}
        for m in presets()
    ]
