"""Idempotent loading by record key, on any engine the warehouse runs on.

The incoming rows are compared with the stored ones in one pass: a left join on the key
sorts every row into new, changed or unchanged (every other column compared with
`identical_to`, so NULLs compare equal) into one scratch table, from which the counts,
the stage history, the DELETE of the changed keys and the INSERT of the new and changed
rows are all read. Run it inside `Warehouse.transaction()`: the caller's transaction is
what makes a whole import all or nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import sqlglot.expressions as sge

from cruscotto.model import Table
from cruscotto.model.tables import STAGE_HISTORY
from cruscotto.warehouse import Warehouse

STAGING_PREFIX = "_cruscotto_staging_"
# Added columns of the scratch table (no canonical column starts with an underscore).
_FOUND, _STATE = "_cruscotto_found", "_cruscotto_state"
NEW, CHANGED, SAME = 0, 1, 2


@dataclass
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    stage_changes: int = 0


class _Staging:
    """Scratch tables that live as long as one upsert (and roll back with it).

    They are temporary tables: private to this connection, and never written to the
    database file (DuckDB) or the write-ahead log (PostgreSQL).
    """

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse
        self.names: list[str] = []

    def rows(self, declared: Table, data: pa.Table) -> ir.Table:
        if self.warehouse.engine == "duckdb":
            # DuckDB scans the Arrow table in place: no copy into a staging table.
            return ibis.memtable(data)
        name = self._name(declared.name)
        schema = ibis.schema({c.name: c.ibis_type.copy(nullable=True) for c in declared.columns})
        self.warehouse.con.create_table(name, schema=schema, temp=True)
        self.warehouse.append(name, data)
        return self.warehouse.con.table(name)

    def result(self, label: str, expr: ir.Table) -> ir.Table:
        return self.warehouse.con.create_table(self._name(label), expr, temp=True)

    def keep(self, label: str, expr: ir.Table) -> str:
        """Store `expr`'s rows; the scratch table's bare name, for hand-built SQL."""
        self.result(label, expr)
        return self.names[-1]

    def _name(self, label: str) -> str:
        name = f"{STAGING_PREFIX}{label}_{uuid.uuid4().hex[:8]}"
        self.names.append(name)
        return name

    def drop(self) -> None:
        for name in self.names:
            self.warehouse.con.drop_table(name, force=True)


def _delete_keys(warehouse: Warehouse, target: str, keys: list[str], doomed: str) -> None:
    """DELETE the target rows whose key is in the `doomed` table.

    Ibis has no DELETE, so the statement is built as a sqlglot tree (quoted identifiers,
    the backend's dialect), never by pasting strings.
    """
    match = sge.and_(
        *(
            sge.column(k, table="d", quoted=True).eq(sge.column(k, table=target, quoted=True))
            for k in keys
        )
    )
    doomed_rows = (
        sge.select(sge.Literal.number(1))
        .from_(sge.to_table(sge.to_identifier(doomed, quoted=True)).as_("d"))
        .where(match)
    )
    statement = sge.delete(sge.to_table(sge.to_identifier(target, quoted=True))).where(
        sge.Exists(this=doomed_rows)
    )
    result = warehouse.con.raw_sql(statement.sql(dialect=warehouse.con.dialect))
    # psycopg hands back a cursor to close; DuckDB hands back the connection itself,
    # which must stay open.
    if warehouse.engine == "postgres":
        result.close()


def _count(expr: ir.Table) -> int:
    return int(expr.count().execute())


def upsert(
    warehouse: Warehouse,
    declared: Table,
    data: pa.Table,
    *,
    observed_at: dt.datetime,
    carried: list[str] | None = None,
) -> UpsertCounts:
    """Insert new rows, replace changed ones, leave identical ones; by the table's key.

    For opportunities a new deal gets a stage_history row at its creation, and a deal
    whose stage differs from the stored one gets a row at `observed_at` (the import time;
    the close time when the deal was closed), since exports carry only the current stage.

    Columns not in `carried` (default: all) are ones the file says nothing about: a stored
    record keeps its values there instead of having them emptied.
    """
    keys = list(declared.primary_key)
    staging = _Staging(warehouse)
    try:
        incoming = staging.rows(declared, data)
        target = warehouse.con.table(declared.name)
        if _is_empty(target):
            # Nothing stored yet (a first import): every row is new, so the join on the
            # key and its scratch table would only say so at the cost of a pass.
            rows = _all_new(incoming, declared, carried)
            counts = UpsertCounts(inserted=data.num_rows)
        else:
            rows = staging.result("sorted", _sorted(incoming, target, declared, carried))
            tally = rows.group_by(_STATE).aggregate(n=rows.count()).execute()
            found = dict(zip(tally[_STATE].astype(int), tally["n"].astype(int), strict=True))
            counts = UpsertCounts(inserted=found.get(NEW, 0), updated=found.get(CHANGED, 0))
        counts.unchanged = data.num_rows - counts.inserted - counts.updated
        if declared.name == "opportunities":
            counts.stage_changes = _record_stage_changes(warehouse, rows, counts, observed_at)
        if counts.updated:
            changed = staging.keep("changed", rows.filter(rows[_STATE] == CHANGED).select(*keys))
            _delete_keys(warehouse, declared.name, keys, changed)
        if counts.inserted or counts.updated:
            written = rows.filter(rows[_STATE] != SAME).select(*declared.column_names)
            warehouse.con.insert(declared.name, written)
    finally:
        staging.drop()
    return counts


def _is_empty(target: ir.Table) -> bool:
    return _count(target.limit(1)) == 0


def _all_new(incoming: ir.Table, declared: Table, carried: list[str] | None) -> ir.Table:
    """The rows as `_sorted` sorts them against an empty table: all NEW, no stored values
    (so NULL in the columns the file does not carry, and no stored stage)."""

    def null(name: str) -> ir.Value:
        return ibis.null(declared.column(name).ibis_type.copy(nullable=True))

    keys = list(declared.primary_key)
    values = {
        c: incoming[c] if c in keys or carried is None or c in carried else null(c)
        for c in declared.column_names
    }
    extra = {"stage__stored": null("stage")} if "stage" in declared.column_names else {}
    return incoming.select(**values, **{_STATE: ibis.literal(NEW)}, **extra)


def _sorted(
    incoming: ir.Table, target: ir.Table, declared: Table, carried: list[str] | None
) -> ir.Table:
    """Every incoming row with its state (NEW, CHANGED, SAME) and the stored stage.

    Columns the file does not carry take the stored values (NULL for a new key), so they
    never count as a change.
    """
    keys = list(declared.primary_key)
    others = [c for c in declared.column_names if c not in keys]
    silent = {c for c in others if carried is not None and c not in carried}
    stored = target.mutate(**{_FOUND: ibis.literal(True)})
    joined = incoming.left_join(stored, keys, rname="{name}__stored")
    values = {c: joined[f"{c}__stored"] if c in silent else joined[c] for c in others}
    differs = ibis.literal(False)
    for c in others:
        if c not in silent:
            differs = differs | ~joined[c].identical_to(joined[f"{c}__stored"])
    state = ibis.cases((joined[_FOUND].isnull(), NEW), (differs, CHANGED), else_=SAME)
    extra = {}
    if "stage" in others:
        extra["stage__stored"] = joined["stage__stored"]
    return joined.select(*keys, **values, **{_STATE: state}, **extra)


def _record_stage_changes(
    warehouse: Warehouse, rows: ir.Table, counts: UpsertCounts, observed_at: dt.datetime
) -> int:
    """Write the stage history rows of new and moved deals; how many deals moved."""
    # A deal seen for the first time entered its current stage when it was created, or
    # when it closed if it is closed already: the best an export without history tells.
    new = rows.filter(rows[_STATE] == NEW)
    first_closed = (new.status != "open") & new.closed_at.notnull()
    first_seen = new.select(
        "opportunity_id",
        "stage",
        entered_at=ibis.ifelse(first_closed, new.closed_at, new.created_at).cast("timestamp"),
        moved=ibis.literal(False),
    )
    moved = rows.filter((rows[_STATE] == CHANGED) & (rows.stage != rows["stage__stored"]))
    closed = (moved.status != "open") & moved.closed_at.notnull()
    when = ibis.ifelse(closed, moved.closed_at, ibis.literal(observed_at, type="timestamp"))
    moves = moved.select(
        "opportunity_id", "stage", entered_at=when.cast("timestamp"), moved=ibis.literal(True)
    )
    history = warehouse.con.table(STAGE_HISTORY.name)
    history_key = list(STAGE_HISTORY.primary_key)
    # Only changed deals can move (counted before the insert, which stores them); when
    # none changed, nothing is read. A move already in the history is not a new one.
    changes = _count(moves.anti_join(history, history_key)) if counts.updated else 0
    if counts.inserted or changes:
        # New and moved deals are different keys, so a plain UNION ALL has no duplicates;
        # the rows go straight from the sorted rows into the history, no scratch table.
        entries = first_seen.union(moves, distinct=False).anti_join(history, history_key)
        warehouse.con.insert(STAGE_HISTORY.name, entries.select(*STAGE_HISTORY.column_names))
    return changes


def insert_missing(warehouse: Warehouse, declared: Table, data: pa.Table) -> int:
    """Insert only the rows whose key is not stored yet; returns how many."""
    keys = list(declared.primary_key)
    staging = _Staging(warehouse)
    try:
        incoming = staging.rows(declared, data)
        target = warehouse.con.table(declared.name)
        missing = staging.result("missing", incoming.anti_join(target, keys))
        added = _count(missing)
        if added:
            warehouse.con.insert(declared.name, missing.select(*declared.column_names))
    finally:
        staging.drop()
    return added
