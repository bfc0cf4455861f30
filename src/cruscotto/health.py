"""Data health: is each source fresh, complete and plausible? (SPEC §4, "Data health").

`check(warehouse)` gives, per canonical table, the row count, the newest record, the
last import and its rejected rows, and quality checks with the number of offending rows:
duplicate keys, duplicate natural keys (same account name, same rep e-mail), dates out of
order (a deal closed before it was created), orphans (a reference to a missing record),
values out of their declared range (negative amounts) and dates in the future. Every
figure is an Ibis expression, so the page is the same on DuckDB and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from cruscotto.ingest import import_log
from cruscotto.model import TABLES, Table
from cruscotto.warehouse import Warehouse

# Columns that name a plan or a deadline, so a future value is expected.
FUTURE_IS_FINE = frozenset(
    {
        "expected_close_date",
        "end_date",
        "planned_start",
        "planned_end",
        "due_at",
        "started_at",
        "ended_at",
        "start_date",
    }
)
# Besides the key, what makes two records the same thing in the business's eyes.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {"accounts": ("name",), "reps": ("email",)}


@dataclass
class QualityCheck:
    check: str  # duplicate_key, duplicate_natural_key, out_of_order, orphan, out_of_range, future
    column: str
    description: str
    count: int


@dataclass
class TableHealth:
    table: str
    rows: int
    newest_record: dt.datetime | dt.date | None = None
    last_import: dt.datetime | None = None
    last_import_file: str | None = None
    # Rows refused by the most recent import into this table.
    rejected_rows: int = 0
    # Rows the most recent import left out by its mapping's skip rule, and that rule.
    skipped_rows: int = 0
    skip_rules: list[str] = field(default_factory=list)
    checks: list[QualityCheck] = field(default_factory=list)

    @property
    def issues(self) -> int:
        return sum(c.count for c in self.checks)


@dataclass
class RefusedFile:
    """An import attempt refused as a whole (unreadable, no mapping, a column missing)."""

    file: str
    table: str  # "" when the file never got as far as a table
    attempted_at: dt.datetime
    reason: str


@dataclass
class HealthReport:
    checked_at: dt.datetime
    tables: list[TableHealth]
    # Files refused as a whole and not imported since, newest first.
    refused_files: list[RefusedFile] = field(default_factory=list)

    def table(self, name: str) -> TableHealth:
        for t in self.tables:
            if t.table == name:
                return t
        raise KeyError(name)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check(
    warehouse: Warehouse, *, now: dt.datetime | None = None, tables: Iterable[str] | None = None
) -> HealthReport:
    """The health of every canonical table present in the warehouse (`now` in UTC), or of
    only `tables` (the KPI page checks just the sources of its KPI)."""
    now = (now or dt.datetime.now(dt.UTC)).replace(tzinfo=None)
    wanted = set(tables) if tables is not None else {t.name for t in TABLES}
    found = []
    refused: list[RefusedFile] = []
    # Every query on the shared connection holds its lock (the web app reads it from many
    # threads; a DuckDB connection must not run two queries at once).
    with warehouse.lock:
        existing = set(warehouse.con.list_tables())
        imports = {}
        if import_log.has_log(warehouse):
            import_log.ensure_tables(warehouse)  # a log made before `outcome` existed
            imports, refused = _last_imports(warehouse), _refused_files(warehouse)
        for declared in TABLES:
            if declared.name not in existing or declared.name not in wanted:
                continue
            found.append(_table_health(warehouse, declared, existing, imports, now))
    return HealthReport(checked_at=now, tables=found, refused_files=refused)


def _table_health(
    warehouse: Warehouse,
    declared: Table,
    existing: set[str],
    imports: dict[str, dict[str, Any]],
    now: dt.datetime,
) -> TableHealth:
    t = warehouse.con.table(declared.name)
    rows = int(t.count().execute())
    health = TableHealth(table=declared.name, rows=rows)
    if declared.date_column and rows:
        health.newest_record = _scalar(t[declared.date_column].max())
    last = imports.get(declared.name)
    if last:
        health.last_import = last["imported_at"]
        health.last_import_file = last["file"]
        health.rejected_rows = last["rejected"]
        health.skipped_rows = last["skipped"]
        health.skip_rules = last["skip_rules"]
    if rows:
        health.checks = _quality_checks(warehouse, declared, t, existing, now)
    return health


def _scalar(expr: ir.Scalar) -> Any:
    value = expr.execute()
    if value is None or (hasattr(value, "__class__") and str(value) in ("NaT", "nan")):
        return None
    return value.to_pydatetime() if hasattr(value, "to_pydatetime") else value


def _duplicates(t: ir.Table, columns: list[str], *, fold: bool = False) -> int:
    """Rows beyond the first sharing the same values of `columns` (NULLs ignored)."""
    keys = {c: (t[c].lower().strip() if fold else t[c]) for c in columns}
    grouped = (
        t.filter(*[t[c].notnull() for c in columns])
        .group_by(**keys)
        .aggregate(n=ibis._.count())
        .filter(ibis._.n > 1)
    )
    # The sum over no duplicate group is NULL (NaN once in pandas, on Spark): none.
    return int(_scalar((grouped.n - 1).sum().fill_null(0)) or 0)


def _quality_checks(
    warehouse: Warehouse, declared: Table, t: ir.Table, existing: set[str], now: dt.datetime
) -> list[QualityCheck]:
    checks: list[QualityCheck] = []
    if declared.primary_key:
        keys = list(declared.primary_key)
        checks.append(
            QualityCheck(
                "duplicate_key",
                ", ".join(keys),
                f"rows sharing the key {', '.join(keys)}",
                _duplicates(t, keys),
            )
        )
    natural = NATURAL_KEYS.get(declared.name)
    if natural:
        checks.append(
            QualityCheck(
                "duplicate_natural_key",
                ", ".join(natural),
                f"rows with the same {', '.join(natural)} (ignoring case)",
                _duplicates(t, list(natural), fold=True),
            )
        )
    for earlier, later in declared.temporal_order:
        wrong = t.filter(t[later] < t[earlier]).count()
        checks.append(
            QualityCheck("out_of_order", later, f"{later} before {earlier}", int(wrong.execute()))
        )
    for column in declared.foreign_keys:
        ref = column.references
        if ref.table not in existing:
            continue
        parent = warehouse.con.table(ref.table).select(_ref=ibis._[ref.column])
        orphans = t.filter(t[column.name].notnull()).anti_join(
            parent, t[column.name] == parent._ref
        )
        checks.append(
            QualityCheck(
                "orphan",
                column.name,
                f"{column.name} not found in {ref.table}",
                int(orphans.count().execute()),
            )
        )
    for column in declared.columns:
        if column.minimum is None and column.maximum is None:
            continue
        value = t[column.name]
        outside = ibis.literal(False)
        if column.minimum is not None:
            outside = outside | (value < column.minimum)
        if column.maximum is not None:
            outside = outside | (value > column.maximum)
        what = "negative" if column.minimum == 0 else "out of range"
        if column.minimum == 0 and column.maximum is not None:
            what = f"outside {column.minimum:g}–{column.maximum:g}"
        checks.append(
            QualityCheck(
                "out_of_range",
                column.name,
                f"{column.name} {what}",
                int(t.filter(outside).count().execute()),
            )
        )
    for column in declared.columns:
        if column.type not in ("date", "timestamp") or column.name in FUTURE_IS_FINE:
            continue
        limit = now + dt.timedelta(days=1)
        bound = ibis.literal(limit.date() if column.type == "date" else limit)
        checks.append(
            QualityCheck(
                "future",
                column.name,
                f"{column.name} in the future",
                int(t.filter(t[column.name] > bound).count().execute()),
            )
        )
    return checks


def _last_imports(warehouse: Warehouse) -> dict[str, dict[str, Any]]:
    """Per table, the most recent import that read rows: when, which file, how many rows
    it refused and left out by a skip rule (files refused as a whole are listed apart)."""
    log = import_log.log_table(warehouse)
    log = log.filter(log.outcome.isnull() | (log.outcome != import_log.FILE_REFUSED))
    newest = log.group_by("table_name").aggregate(last=log.imported_at.max())
    latest = log.join(
        newest, (log.table_name == newest.table_name) & (log.imported_at == newest["last"])
    ).select(log.table_name, log.imported_at, log.file, log.rejected, log.skipped, log.skip_rule)
    frame = latest.execute()
    out: dict[str, dict[str, Any]] = {}
    for record in frame.itertuples(index=False):
        entry = out.setdefault(
            record.table_name,
            {
                "imported_at": record.imported_at.to_pydatetime(),
                "file": record.file,
                "rejected": 0,
                "skipped": 0,
                "skip_rules": [],
            },
        )
        entry["rejected"] += int(record.rejected)
        entry["skipped"] += 0 if pd.isna(record.skipped) else int(record.skipped)
        if isinstance(record.skip_rule, str) and record.skip_rule not in entry["skip_rules"]:
            entry["skip_rules"].append(record.skip_rule)
    return out


def _refused_files(warehouse: Warehouse, limit: int = 20) -> list[RefusedFile]:
    """Refused attempts whose file has not been imported since, newest first."""
    log = import_log.log_table(warehouse)
    frame = log.select("file", "table_name", "imported_at", "outcome", "reason").execute()
    frame = frame.sort_values("imported_at", ascending=False)
    last = frame.drop_duplicates("file")
    refused = last[last["outcome"] == import_log.FILE_REFUSED].head(limit)
    return [
        RefusedFile(r.file, r.table_name or "", r.imported_at.to_pydatetime(), r.reason or "")
        for r in refused.itertuples(index=False)
    ]
