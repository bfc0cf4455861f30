"""The record of past imports, so data health can show freshness and rejected rows.

Two tables outside the canonical model (they describe loads, not the business), declared
with the model's own classes and created the first time an import runs.
"""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd

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


def ensure_tables(warehouse: Warehouse) -> None:
    warehouse.ensure_tables(LOG_TABLES)


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


def log_table(warehouse: Warehouse) -> ibis.Table:
    return warehouse.con.table(IMPORT_LOG.name)


def rejects_table(warehouse: Warehouse) -> ibis.Table:
    return warehouse.con.table(IMPORT_REJECTS.name)
