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
    """Counts for one file: inserted + updated + unchanged + rejected_rows + skipped = rows_read."""

    file: str
    source: str
    table: str
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected_rows: int = 0
    skipped: int = 0  # left out by the mapping's `skip` rule
    # Records created in other tables because this file referred to them (e.g. the reps
    # named as deal owners), table -> rows inserted.
    related_inserted: dict[str, int] = field(default_factory=dict)
    stage_changes: int = 0
    # Columns of the mapping that the file lacks (their canonical columns stay empty).
    warnings: list[str] = field(default_factory=list)


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
        return {**asdict(self), "totals": self.totals(), "rejected_rows": self.rejected_rows}

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
