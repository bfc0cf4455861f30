"""Idempotent loading by record key, on any engine the warehouse runs on.

The incoming rows go to a staging table; Ibis expressions then find the new keys (an
anti-join with the target) and the changed rows (a join on the key comparing every other
column with `identical_to`, so NULLs compare equal). Changed keys are deleted and
new + changed rows inserted. Run it inside `Warehouse.transaction()`: the caller's
transaction is what makes a whole import all or nothing.
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


@dataclass
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    stage_changes: int = 0


class _Staging:
    """Scratch tables that live as long as one upsert (and roll back with it)."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse
        self.names: list[str] = []

    def rows(self, declared: Table, data: pa.Table) -> ir.Table:
        if self.warehouse.engine == "duckdb":
            # DuckDB scans the Arrow table in place: no copy into a staging table.
            return ibis.memtable(data)
        name = self._name(declared.name)
        schema = ibis.schema({c.name: c.ibis_type.copy(nullable=True) for c in declared.columns})
        self.warehouse.con.create_table(name, schema=schema)
        self.warehouse.append(name, data)
        return self.warehouse.con.table(name)

    def result(self, label: str, expr: ir.Table) -> ir.Table:
        name = self._name(label)
        self.warehouse.con.create_table(name, expr)
        return self.warehouse.con.table(name)

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
    others = [c for c in declared.column_names if c not in keys]
    staging = _Staging(warehouse)
    try:
        incoming = staging.rows(declared, data)
        target = warehouse.con.table(declared.name)
        silent = [c for c in others if carried is not None and c not in carried]
        if silent:
            incoming = staging.result("merged", _keep_stored(incoming, target, keys, silent))
        new = incoming.anti_join(target, keys)
        joined = incoming.join(target, keys, how="inner", rname="{name}__stored")
        differs = ibis.literal(False)
        for c in others:
            differs = differs | ~joined[c].identical_to(joined[f"{c}__stored"])
        changed = staging.result("changed", joined.filter(differs).select(*keys))

        counts = UpsertCounts(inserted=_count(new), updated=_count(changed))
        counts.unchanged = data.num_rows - counts.inserted - counts.updated
        if declared.name == "opportunities":
            counts.stage_changes = _record_stage_changes(
                warehouse, staging, incoming, joined, new, observed_at
            )
        if counts.updated:
            _delete_keys(warehouse, declared.name, keys, changed.get_name())
        if counts.inserted or counts.updated:
            target = warehouse.con.table(declared.name)
            warehouse.con.insert(declared.name, incoming.anti_join(target, keys))
    finally:
        staging.drop()
    return counts


def _keep_stored(
    incoming: ir.Table, target: ir.Table, keys: list[str], silent: list[str]
) -> ir.Table:
    """Incoming rows with the stored values (NULL for new keys) in the `silent` columns."""
    joined = incoming.left_join(target, keys, rname="{name}__stored")
    columns = {c: joined[f"{c}__stored"] if c in silent else joined[c] for c in incoming.columns}
    return joined.select(**columns)


def _record_stage_changes(
    warehouse: Warehouse,
    staging: _Staging,
    incoming: ir.Table,
    joined: ir.Table,
    new: ir.Table,
    observed_at: dt.datetime,
) -> int:
    # A deal seen for the first time entered its current stage when it was created, or
    # when it closed if it is closed already: the best an export without history tells.
    first_closed = (new.status != "open") & new.closed_at.notnull()
    first_seen = new.select(
        "opportunity_id",
        "stage",
        entered_at=ibis.ifelse(first_closed, new.closed_at, new.created_at).cast("timestamp"),
    )
    moved = joined.filter(joined.stage != joined["stage__stored"])
    closed = (moved.status != "open") & moved.closed_at.notnull()
    when = ibis.ifelse(closed, moved.closed_at, ibis.literal(observed_at, type="timestamp"))
    moves = moved.select("opportunity_id", "stage", entered_at=when.cast("timestamp"))
    history = warehouse.con.table(STAGE_HISTORY.name)
    # New and moved deals are different keys, so a plain UNION ALL has no duplicates.
    entries = first_seen.union(moves, distinct=False)
    fresh = staging.result("stages", entries.anti_join(history, list(STAGE_HISTORY.primary_key)))
    changes = _count(fresh.semi_join(moves, ["opportunity_id"]))
    if _count(fresh):
        warehouse.con.insert(STAGE_HISTORY.name, fresh.select(*STAGE_HISTORY.column_names))
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
