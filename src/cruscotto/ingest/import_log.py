"""The record of past imports, so data health can show freshness and rejected rows.

Two tables outside the canonical model (they describe loads, not the business), declared
with the model's own classes and created the first time an import runs.
"""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import sqlglot.expressions as sge

from cruscotto.ingest.report import ImportReport
from cruscotto.model import Column, Table
from cruscotto.warehouse import Warehouse, conform

C = Column

IMPORT_LOG = Table(
    "import_log",
    "One file of one import: where it went and what happened to its rows.",
    (
        C("import_id", "string", "Identifier shared by the files of one import", nullable=False),
        C("file", "string", "Path of the file as given", nullable=False),
        C("source", "string", "CRM or mapping the rows were read with", nullable=False),
        C("table_name", "string", "Canonical table the rows went to", nullable=False),
        C("imported_at", "timestamp", "When the import ran (UTC)", nullable=False),
        C("applied", "bool", "Whether the rows went in", nullable=False),
        C("rows_read", "int", "Records in the file", nullable=False),
        C("inserted", "int", "New records", nullable=False),
        C("updated", "int", "Changed records", nullable=False),
        C("unchanged", "int", "Records identical to the stored ones", nullable=False),
        C("rejected", "int", "Records refused", nullable=False),
        C("skipped", "int", "Records left out by the mapping's skip rule"),
        C("skip_rule", "string", "The skip rule that left them out"),
        C("outcome", "string", "applied, rows refused (nothing written) or file refused"),
        C("reason", "string", "Why the whole file was refused"),
    ),
    primary_key=("import_id", "file"),
    date_column="imported_at",
)

IMPORT_REJECTS = Table(
    "import_rejects",
    "A row refused by an import, with the reason.",
    (
        C("import_id", "string", "The import", nullable=False),
        C("table_name", "string", "Canonical table the row was meant for", nullable=False),
        C("file", "string", "Path of the file", nullable=False),
        C("row", "int", "Spreadsheet row number (header = 1)", nullable=False),
        C("column", "string", "Source column"),
        C("value", "string", "The value as written"),
        C("reason", "string", "Why the row was refused", nullable=False),
    ),
)

LOG_TABLES = (IMPORT_LOG, IMPORT_REJECTS)


# What happened to a file, as the log's `outcome` says it.
APPLIED, ROWS_REFUSED, FILE_REFUSED = "applied", "rows refused", "file refused"


def ensure_tables(warehouse: Warehouse) -> None:
    warehouse.ensure_tables(LOG_TABLES)
    _add_new_columns(warehouse, IMPORT_LOG)


def _add_new_columns(warehouse: Warehouse, declared: Table) -> None:
    """Columns declared since a database's log was made are added, empty (ALTER TABLE
    built as a sqlglot tree, since Ibis has no statement for it)."""
    with warehouse.lock:
        present = set(warehouse.con.table(declared.name).columns)
        for column in declared.columns:
            if column.name in present:
                continue
            statement = sge.Alter(
                this=sge.to_table(sge.to_identifier(declared.name, quoted=True)),
                kind="TABLE",
                actions=[
                    sge.ColumnDef(
                        this=sge.to_identifier(column.name, quoted=True),
                        kind=sge.DataType.build(_SQL_TYPES[column.type]),
                    )
                ],
            )
            result = warehouse.con.raw_sql(statement.sql(dialect=warehouse.con.dialect))
            if warehouse.engine == "postgres":
                result.close()
            warehouse.app_columns_changed()


_SQL_TYPES = {"int": "BIGINT", "string": "TEXT", "bool": "BOOLEAN", "timestamp": "TIMESTAMP"}


def has_log(warehouse: Warehouse) -> bool:
    return IMPORT_LOG.name in set(warehouse.con.list_tables())


def record(
    warehouse: Warehouse, import_id: str, report: ImportReport, imported_at: dt.datetime
) -> None:
    """Append the files and rejects of `report`; call inside the import's transaction."""
    tables = {f.file: f.table for f in report.files}
    log = pd.DataFrame(
        [
            {
                "import_id": import_id,
                "file": f.file,
                "source": f.source,
                "table_name": f.table,
                "imported_at": imported_at,
                "applied": report.applied,
                "rows_read": f.rows_read,
                "inserted": f.inserted,
                "updated": f.updated,
                "unchanged": f.unchanged,
                "rejected": f.rejected_rows,
                "skipped": f.skipped,
                "skip_rule": f.skip_rule,
                "outcome": APPLIED if report.applied else ROWS_REFUSED,
                "reason": None,
            }
            for f in report.files
        ]
    )
    rejects = pd.DataFrame(
        [
            {
                "import_id": import_id,
                "table_name": tables.get(r.file, ""),
                "file": r.file,
                "row": r.row,
                "column": r.column,
                "value": r.value,
                "reason": r.reason,
            }
            for r in report.rejects
        ],
        columns=IMPORT_REJECTS.column_names,
    )
    for declared, frame in ((IMPORT_LOG, log), (IMPORT_REJECTS, rejects)):
        if len(frame):
            warehouse.append(declared.name, conform(declared, frame))


def record_refused(
    warehouse: Warehouse,
    import_id: str,
    files: list[str],
    reason: str,
    imported_at: dt.datetime,
    table: str = "",
) -> None:
    """Log files refused as a whole (unreadable, no mapping fits, a column missing), so the
    attempt shows in data health with its reason; call inside its own transaction."""
    log = pd.DataFrame(
        [
            {
                "import_id": import_id,
                "file": file,
                "source": "",
                "table_name": table,
                "imported_at": imported_at,
                "applied": False,
                "rows_read": 0,
                "inserted": 0,
                "updated": 0,
                "unchanged": 0,
                "rejected": 0,
                "skipped": 0,
                "skip_rule": None,
                "outcome": FILE_REFUSED,
                "reason": reason,
            }
            for file in dict.fromkeys(files)
        ]
    )
    warehouse.append(IMPORT_LOG.name, conform(IMPORT_LOG, log))


def log_table(warehouse: Warehouse) -> ibis.Table:
    return warehouse.con.table(IMPORT_LOG.name)


def rejects_table(warehouse: Warehouse) -> ibis.Table:
    return warehouse.con.table(IMPORT_REJECTS.name)
