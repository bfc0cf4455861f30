"""`import_files`: read, map, check and load a batch of export files, all or nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import ibis
import pandas as pd

from cruscotto import audit
from cruscotto.ingest import import_log
from cruscotto.ingest.currencies import currency_notes
from cruscotto.ingest.mapping import Mapping, choose_mapping, load_mapping
from cruscotto.ingest.readers import SourceTable, read_source
from cruscotto.ingest.report import FileReport, ImportFileError, ImportReport
from cruscotto.ingest.transform import Prepared, Settings, prepare
from cruscotto.ingest.upsert import insert_missing, upsert
from cruscotto.ingest.validate import (
    check_foreign_keys,
    check_rows,
    check_unique_keys,
    check_updates_exist,
    stored_order_pairs,
    warn_stored_order,
)
from cruscotto.model import TABLES, Table
from cruscotto.settings import load_company
from cruscotto.warehouse import Warehouse, conform

_LOAD_ORDER = {t.name: i for i, t in enumerate(TABLES)}


@dataclasses.dataclass(frozen=True)
class Incoming:
    """Rows an import is about to write, shown to the caller's `guard` first.

    `only_missing`: rows implied by another file (the owners a deals file names); only
    keys not stored yet are inserted, existing records are left as they are.
    """

    table: Table
    rows: pd.DataFrame
    file: str
    only_missing: bool = False


# Called inside the import's transaction before anything is written; raising refuses the
# whole import (the web's role-and-scope check, cruscotto.web.permissions, is one).
ImportGuard = Callable[[Warehouse, list[Incoming]], None]


def audited(username: str, address: str | None) -> ImportGuard:
    """A guard that records the import in the audit trail: who, from where, which files
    and how many rows per table (in the import's transaction: both land or neither)."""

    def record(warehouse: Warehouse, incoming: list[Incoming]) -> None:
        tables: dict[str, int] = {}
        for part in incoming:
            if not part.only_missing:
                tables[part.table.name] = tables.get(part.table.name, 0) + len(part.rows)
        audit.record(
            warehouse,
            username=username,
            action="import",
            target=",".join(sorted(tables)),
            after={"files": sorted({part.file for part in incoming})} | tables,
            address=address,
        )

    return record


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back after counting."""


def company_settings() -> Settings:
    company = load_company()
    return Settings(timezone=company.timezone, currency=company.base_currency)


def import_files(
    warehouse: Warehouse,
    paths: Iterable[str | Path],
    *,
    source: str | None = None,
    table: str | None = None,
    mapping: str | Path | Mapping | None = None,
    dry_run: bool = False,
    allow_partial: bool = False,
    settings: Settings | None = None,
    now: dt.datetime | None = None,
    names: Sequence[str] | None = None,
    guard: ImportGuard | None = None,
) -> ImportReport:
    """Import CRM exports (CSV, XLSX, Parquet) into the warehouse.

    Each file is matched to a ready mapping by its headers (narrowed by `source`, e.g.
    "hubspot", and `table`, e.g. "opportunities"), or read with the `mapping` file given.
    Rows are typed and checked against the data model; every refused row is listed in
    `report.rejects` with file, row, column, value and reason. Nothing is written when
    any row is refused, unless `allow_partial` (then the valid rows go in). Records are
    upserted by their key: importing the same file twice changes nothing. With `dry_run`
    the whole load runs and is rolled back, so the counts are exactly what would happen.

    Raises `ImportFileError` for a file that cannot be imported at all (unreadable, no
    mapping fits, a required column missing); in that case nothing is written.
    `settings` (time zone, default currency) defaults to the company's cruscotto.yaml;
    `now` (UTC) dates stage changes and the import log. `names` are what the report, the
    rejects and the import log call the files (default: the paths as given); the web upload
    passes the names the files had on the user's computer, not its temporary copies.
    `guard` sees every row about to be written, inside the transaction, and may refuse
    the import by raising (nothing is written then).
    """
    settings = settings or company_settings()
    files = [Path(p) for p in paths]
    if not files:
        raise ImportFileError("no files to import")
    labels = list(names) if names is not None else [str(p) for p in files]
    if len(labels) != len(files):
        raise ValueError(f"{len(files)} files but {len(labels)} names")
    stamp = (now or dt.datetime.now(dt.UTC)).replace(tzinfo=None)
    import_id = uuid.uuid4().hex

    report = ImportReport(dry_run=dry_run)
    batch: list[tuple[FileReport, Prepared, int]] = []
    related: list[tuple[FileReport, Prepared]] = []
    refused, chosen = labels, None
    try:
        chosen = load_mapping(mapping) if isinstance(mapping, str | Path) else mapping
        if chosen is not None and table is not None and chosen.table != table:
            raise ImportFileError(f"mapping {chosen.name} loads {chosen.table}, not {table}")
        for path, label in zip(files, labels, strict=True):
            refused = [label]
            file_report, prepared, unreadable = _prepare_file(
                path, label, chosen, source, table, settings
            )
            batch.append((file_report, prepared, unreadable))
            related += [(file_report, r) for r in _related_rows(prepared, settings)]
    except ImportFileError as exc:
        # The attempt is logged (not for a dry run, which writes nothing), so data health
        # shows a refused file with its reason, not only the files that went in.
        if not dry_run:
            with warehouse.transaction():
                import_log.ensure_tables(warehouse)
                table_name = table or (chosen.table if isinstance(chosen, Mapping) else "")
                import_log.record_refused(
                    warehouse, import_id, refused, str(exc), stamp, table_name
                )
        raise

    by_table: dict[str, list[Prepared]] = defaultdict(list)
    for _, prepared, _ in batch:
        by_table[prepared.table.name].append(prepared)
    for group in by_table.values():
        check_unique_keys(group)
    with warehouse.lock:
        known = known_keys(warehouse, [p for _, p, _ in batch], [r for _, r in related])
        updatable = _updatable_keys(warehouse, [p for _, p, _ in batch])
    for file_report, prepared, _ in batch:
        check_foreign_keys(prepared, known)
        if prepared.mapping.update_only:
            check_updates_exist(prepared, updatable[prepared.table.name])
            with warehouse.lock:
                stored = _stored_dates(warehouse, prepared)
            if stored is not None:
                warn_stored_order(prepared, stored)
                file_report.warnings = prepared.warnings

    report.currency_notes = currency_notes(warehouse, [p for _, p, _ in batch], settings.currency)
    for file_report, prepared, unreadable in batch:
        file_report.rejected_rows = int(prepared.bad.sum()) + unreadable
        report.rejects += prepared.rejects
        report.files.append(file_report)

    if report.rejects and not allow_partial:
        if not dry_run:
            with warehouse.transaction():
                import_log.ensure_tables(warehouse)
                import_log.record(warehouse, import_id, report, stamp)
        return report

    try:
        with warehouse.transaction():
            if guard is not None:
                guard(warehouse, _incoming(batch, related))
            _load(warehouse, batch, related, stamp)
            if dry_run:
                raise _DryRun
            report.applied = True
            import_log.ensure_tables(warehouse)
            import_log.record(warehouse, import_id, report, stamp)
    except _DryRun:
        pass
    return report


def _incoming(
    batch: list[tuple[FileReport, Prepared, int]], related: list[tuple[FileReport, Prepared]]
) -> list[Incoming]:
    written = [Incoming(p.table, p.frame.loc[~p.bad.to_numpy()], r.file) for r, p, _ in batch]
    implied = [Incoming(p.table, p.frame, r.file, only_missing=True) for r, p in related]
    return written + implied


def _prepare_file(
    path: Path,
    label: str,
    chosen: Mapping | None,
    source: str | None,
    table: str | None,
    settings: Settings,
) -> tuple[FileReport, Prepared, int]:
    try:
        read = read_source(path)
    except ImportFileError as exc:
        raise ImportFileError(str(exc).replace(str(path), label)) from exc
    if label != str(path):
        read.path = Path(label)
        read.rejects = [dataclasses.replace(r, file=label) for r in read.rejects]
    mapping = chosen or choose_mapping(read.headers, file=label, source=source, table=table)
    prepared = prepare(read, mapping, settings)
    prepared.rejects[:0] = read.rejects
    check_rows(prepared)
    file_report = FileReport(
        file=label,
        source=mapping.name,
        table=mapping.table,
        rows_read=len(read.frame) + len(read.rejects),
        skipped=prepared.skipped,
        skip_rule=mapping.skip if prepared.skipped else None,
    )
    file_report.warnings = prepared.warnings
    return file_report, prepared, len(read.rejects)


def _related_rows(prepared: Prepared, settings: Settings) -> list[Prepared]:
    """Records of other tables named by the rows of this file (kept only when valid)."""
    out = []
    good = ~prepared.bad.to_numpy()
    for name, rules in prepared.mapping.related.items():
        frame = prepared.source_frame.loc[good]
        rows = prepared.rows[good]
        # Related values depend only on the headers their rules read: one row per
        # distinct combination is enough (a million deals name a few dozen owners).
        headers = sorted({h for rule in rules.columns.values() for h in rule.headers})
        present = [h for h in headers if h in frame.columns]
        if present:
            first = ~frame.duplicated(subset=present).to_numpy()
            frame, rows = frame.loc[first], rows[first]
        sub = SourceTable(Path(prepared.file), frame, rows)
        implied = prepare(sub, prepared.mapping, settings, table=name, rules=rules.columns)
        check_rows(implied)
        keys = list(implied.table.primary_key)
        keep = ~implied.bad & implied.frame[keys].notna().all(axis=1)
        implied.frame = implied.frame[keep].drop_duplicates(keys)
        out.append(implied)
    return out


def known_keys(
    warehouse: Warehouse, batch: list[Prepared], related: list[Prepared]
) -> dict[str, set]:
    """For each table.column referenced in the batch: stored keys plus keys arriving now."""
    targets = {str(c.references) for p in batch for c in p.table.foreign_keys}
    known: dict[str, set] = {}
    existing = set(warehouse.con.list_tables())
    for target in targets:
        table_name, column = target.split(".")
        keys: set = set()
        if table_name in existing:
            stored = warehouse.con.table(table_name).select(column).distinct().execute()
            keys |= set(stored[column].dropna())
        for p in batch:
            if p.table.name == table_name:
                keys |= set(p.frame.loc[~p.bad.to_numpy(), column].dropna())
        for r in related:
            if r.table.name == table_name:
                keys |= set(r.frame[column].dropna())
        known[target] = keys
    return known


def _stored_dates(warehouse: Warehouse, prepared: Prepared) -> pd.DataFrame | None:
    """The stored dates an update-only file's dates must be in order with, by key."""
    pairs = stored_order_pairs(prepared)
    if not pairs:
        return None
    key = prepared.table.primary_key[0]
    wanted = sorted({c for pair in pairs for c in pair if c not in prepared.labels})
    keys = prepared.frame.loc[~prepared.bad.to_numpy(), [key]].dropna().drop_duplicates()
    stored = warehouse.con.table(prepared.table.name)
    incoming = ibis.memtable(keys.reset_index(drop=True), schema={key: "string"})
    return stored.semi_join(incoming, key).select(key, *wanted).execute()


def _updatable_keys(warehouse: Warehouse, batch: list[Prepared]) -> dict[str, set]:
    """For tables an update-only file touches: keys stored, or created by this import."""
    out: dict[str, set] = {}
    for prepared in batch:
        if not prepared.mapping.update_only or prepared.table.name in out:
            continue
        declared = prepared.table
        key = declared.primary_key[0]
        stored = warehouse.con.table(declared.name).select(key).execute()[key]
        keys = set(stored.dropna())
        for other in batch:
            if other.table.name == declared.name and not other.mapping.update_only:
                keys |= set(other.frame.loc[~other.bad.to_numpy(), key].dropna())
        out[declared.name] = keys
    return out


def _load(
    warehouse: Warehouse,
    batch: list[tuple[FileReport, Prepared, int]],
    related: list[tuple[FileReport, Prepared]],
    stamp: dt.datetime,
) -> None:
    steps: list[tuple[int, int, str, FileReport, Prepared]] = []
    for file_report, prepared, _ in batch:
        # Within a table, files that create records go before update-only ones.
        order = 1 if prepared.mapping.update_only else 0
        steps.append((_LOAD_ORDER[prepared.table.name], order, "upsert", file_report, prepared))
    for file_report, implied in related:
        steps.append((_LOAD_ORDER[implied.table.name], 2, "related", file_report, implied))
    for _, _, kind, file_report, prepared in sorted(steps, key=lambda s: s[:2]):
        if kind == "upsert":
            rows = prepared.frame.loc[~prepared.bad.to_numpy()]
            counts = upsert(
                warehouse,
                prepared.table,
                _arrow(prepared, rows),
                observed_at=stamp,
                carried=prepared.carried,
            )
            file_report.inserted = counts.inserted
            file_report.updated = counts.updated
            file_report.unchanged = counts.unchanged
            file_report.stage_changes = counts.stage_changes
        else:
            added = insert_missing(warehouse, prepared.table, _arrow(prepared, prepared.frame))
            name = prepared.table.name
            file_report.related_inserted[name] = file_report.related_inserted.get(name, 0) + added


def _arrow(prepared: Prepared, rows: pd.DataFrame):
    return conform(prepared.table, rows.reset_index(drop=True))
