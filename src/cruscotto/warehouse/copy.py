"""`cruscotto db copy`: every canonical table from one warehouse to another.

Sources: anything `connect` opens (DuckDB, PostgreSQL, Spark). Destinations: DuckDB and
PostgreSQL (their tables are replaced in one transaction) or a Parquet folder, one
sub-folder per table, which `spark+local:///FOLDER` reads and a cluster can read once the
folder is on its lake. The row counts of the destination are checked against the source.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from cruscotto.model import TABLES
from cruscotto.warehouse import spark
from cruscotto.warehouse.connection import Warehouse, WarehouseError, conform, connect, resolve_url


@dataclass(frozen=True)
class CopiedTable:
    name: str
    source_rows: int
    destination_rows: int


def copy_warehouse(source_url: str, destination_url: str) -> list[CopiedTable]:
    """Copy every canonical table; raises WarehouseError if a count differs at the end."""
    source = connect(source_url, create=False, read_only=True)
    try:
        frames = {t.name: _read(source, t.name) for t in TABLES}
    finally:
        source.close()
    destination = resolve_url(destination_url)
    if spark.is_spark_url(destination):
        folder = spark.lake_folder(destination)
        if folder is None:
            raise WarehouseError(
                "db copy writes a local Parquet folder (spark+local:///PATH); for a cluster, "
                "copy to a folder and move it to the lake the cluster reads (hdfs://, s3a://…)"
            )
        written = _write_parquet_folder(folder, frames)
    else:
        target = connect(destination)
        try:
            target.load(frames, replace=True)
            written = target.row_counts()
        finally:
            target.close()
    copied = [CopiedTable(n, f.num_rows, written.get(n, 0)) for n, f in frames.items()]
    wrong = [c for c in copied if c.source_rows != c.destination_rows]
    if wrong:
        detail = ", ".join(f"{c.name} {c.source_rows} → {c.destination_rows}" for c in wrong)
        raise WarehouseError(f"row counts differ after the copy: {detail}")
    return copied


def _read(source: Warehouse, name: str) -> pa.Table:
    try:
        table = source.table(name)
    except WarehouseError:  # a table the source never had is copied empty
        return conform(_declared(name), _empty(name))
    return conform(_declared(name), source.to_pyarrow(table))


def _write_parquet_folder(folder: Path, frames: dict[str, pa.Table]) -> dict[str, int]:
    """Write into a sibling folder, then swap it in: a reader never sees half a copy."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    for name, data in frames.items():
        (staging / name).mkdir()
        pq.write_table(data, staging / name / "part-0.parquet")
    if folder.exists():
        shutil.rmtree(folder)
    staging.rename(folder)
    return {name: pq.read_metadata(folder / name / "part-0.parquet").num_rows for name in frames}


def _declared(name: str):
    return next(t for t in TABLES if t.name == name)


def _empty(name: str) -> pa.Table:
    return _declared(name).ibis_schema().to_pyarrow().empty_table()
