"""What an import did: per file the table it went to, the row counts, and every rejected row."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cruscotto.safe_cells import csv_writer


class ImportFileError(Exception):
    """A file that cannot be imported at all (unreadable, unknown format, no mapping).

    Bad *rows* never raise: they are listed in `ImportReport.rejects`.
    """


@dataclass(frozen=True)
class Reject:
    """One reason a row was refused. A row with three bad cells gives three rejects."""

    file: str
    row: int  # spreadsheet row number: the header is row 1, the first record row 2
    column: str  # the source column (header) when known, else the canonical column
    value: str
    reason: str


REJECT_FIELDS = ("file", "row", "column", "value", "reason")


@dataclass
class FileReport:
    """Counts for one file. Every row read is accounted for: when the import is applied,
    inserted + updated + unchanged + rejected_rows + skipped = rows_read; when it is not
    (a dry run, or rows refused without `allow_partial`) the first three stay 0."""

    file: str
    source: str
    table: str
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected_rows: int = 0
    skipped: int = 0  # left out by the mapping's `skip` rule
    skip_rule: str | None = None  # that rule, when it left rows out
    # Records created in other tables because this file referred to them (e.g. the reps
    # named as deal owners), table -> rows inserted.
    related_inserted: dict[str, int] = field(default_factory=dict)
    stage_changes: int = 0
    # Columns of the mapping that the file lacks (their canonical columns stay empty).
    warnings: list[str] = field(default_factory=list)


@dataclass
class CurrencyNote:
    """Amounts in `currency`, which is not the base currency and has no rate stored.

    `first_import`: the database held no amounts before, so `currency` may well be the
    company's own currency, and the note offers to make it the base currency.
    """

    currency: str
    base: str
    amounts: int  # records with an amount in `currency`
    files: list[str]
    first_import: bool = False

    @property
    def set_base_command(self) -> str:
        return f"cruscotto config set base_currency {self.currency}"

    @property
    def message(self) -> str:
        where = ", ".join(self.files)
        counted = f"{self.amounts:,} amounts in {where} are in {self.currency}"
        if self.first_import:
            return (
                f"{counted}, and the base currency is {self.base}. If the company works in "
                f"{self.currency}, make it the base currency: `{self.set_base_command}`. "
                f"Otherwise import {self.currency} rates into fx_rates (columns day, "
                f"currency, rate_to_base: `cruscotto import rates.csv --table fx_rates`)."
            )
        return (
            f"{counted}, but fx_rates has no {self.currency} rate to convert them to the "
            f"base currency {self.base}, so money KPIs will stop on them. Import "
            f"{self.currency} rates (`cruscotto import rates.csv --table fx_rates`, columns "
            f"day, currency, rate_to_base), or, if all the company's amounts are in "
            f"{self.currency}: `{self.set_base_command}`."
        )


@dataclass
class ImportReport:
    """The outcome of `import_files`.

    `applied` is True when the rows went into the database: always False for a dry run,
    and False when some row was rejected and `allow_partial` was not given (all or nothing).
    """

    files: list[FileReport] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    applied: bool = False
    dry_run: bool = False
    # Currencies the amounts arrive in that the KPIs could not convert (see `currencies`).
    currency_notes: list[CurrencyNote] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejects

    @property
    def rejected_rows(self) -> int:
        return sum(f.rejected_rows for f in self.files)

    def totals(self) -> dict[str, int]:
        names = ("rows_read", "inserted", "updated", "unchanged", "rejected_rows")
        return {n: sum(getattr(f, n) for f in self.files) for n in names}

    def as_dict(self) -> dict[str, Any]:
        """Plain data for a JSON API: files, rejects, totals and the flags."""
        notes = [asdict(n) | {"message": n.message} for n in self.currency_notes]
        return {
            **asdict(self),
            "currency_notes": notes,
            "totals": self.totals(),
            "rejected_rows": self.rejected_rows,
        }

    def write_rejects_csv(self, path: str | Path) -> Path:
        """Write the rejects (file, row, column, value, reason) as a UTF-8 CSV; returns the path."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w", newline="", encoding="utf-8") as out:
            writer = csv_writer(out)
            writer.writerow(REJECT_FIELDS)
            for r in self.rejects:
                writer.writerow([r.file, r.row, r.column, r.value, r.reason])
        return target
