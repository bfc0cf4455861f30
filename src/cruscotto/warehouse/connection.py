"""Where the data lives: one Ibis connection to DuckDB (default) or PostgreSQL.

The URL comes from `--db`, else `CRUSCOTTO_DB`, else `cruscotto.duckdb` in the working
directory. Everything else in Cruscotto talks to the data through `Warehouse`.
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from cruscotto.model import TABLES, Table
from cruscotto.model import table as model_table
from cruscotto.warehouse import spark

DEFAULT_DB = "cruscotto.duckdb"
ENV_VAR = "CRUSCOTTO_DB"

Frame = pa.Table | pd.DataFrame


class WarehouseError(RuntimeError):
    """A problem with the database the user can act on (bad URL, missing tables…)."""


def resolve_url(url: str | None = None) -> str:
    """The database URL in force: explicit, then the environment, then the local default."""
    url = url or os.environ.get(ENV_VAR) or DEFAULT_DB
    if url.startswith("postgresql://"):
        url = "postgres://" + url.removeprefix("postgresql://")
    if "://" not in url:
        url = f"duckdb://{url}"
    return url


@dataclass
class Warehouse:
    """An open connection to the canonical tables."""

    con: ibis.BaseBackend
    url: str

    def __post_init__(self) -> None:
        # DuckDB and psycopg connections are not safe to share across threads mid-query;
        # the web server runs queries from a thread pool, so they take turns.
        self.lock = threading.RLock()
        # Reading a table's schema is a query; canonical tables keep theirs for good.
        self._tables: dict[str, ibis.Table] = {}

    @property
    def engine(self) -> str:
        return self.con.name

    # -- schema -------------------------------------------------------------------------

    def create_schema(self, *, overwrite: bool = False) -> None:
        """Create every canonical table that is missing (all of them, with `overwrite`)."""
        self._tables.clear()
        existing = set(self.con.list_tables())
        with self.transaction():
            for declared in TABLES:
                if overwrite or declared.name not in existing:
                    self.con.create_table(
                        declared.name, schema=declared.ibis_schema(), overwrite=True
                    )

    def ensure_tables(self, tables: Iterable[Table]) -> None:
        """Create the application tables (users, goals, alerts, audit…) that are missing.

        They are declared like canonical tables but hold the app's own state, so they are
        created on first use rather than by `create_schema`.
        """
        if self.engine == "pyspark":
            raise WarehouseError(spark.READ_ONLY)
        with self.lock:
            existing = set(self.con.list_tables())
            for declared in tables:
                if declared.name not in existing:
                    self.con.create_table(declared.name, schema=declared.ibis_schema())

    def has_schema(self) -> bool:
        with self.lock:
            existing = set(self.con.list_tables())
        return all(t.name in existing for t in TABLES)

    def table(self, name: str) -> ibis.Table:
        """Canonical table `name` (its schema is read once per connection)."""
        model_table(name)  # a clear error for a name that is not canonical
        found = self._tables.get(name)
        if found is not None:
            return found
        try:
            with self.lock:
                found = self.con.table(name)
        except Exception as exc:  # each backend raises its own "not found"
            raise WarehouseError(
                f"table {name!r} is not in {self.url}; run `cruscotto demo` or import data first"
            ) from exc
        self._tables[name] = found
        return found

    # -- queries ------------------------------------------------------------------------

    def execute(self, expression: ibis.Expr, **kwargs) -> Any:
        """Run an Ibis expression: a DataFrame, Series or scalar as `expr.execute()` gives.

        Every query of the engine, reports and web goes through here (or `to_pyarrow`):
        DuckDB and psycopg connections fail when two threads use them at once ("an
        unsuccessful or closed pending query result"), so queries take turns on `lock`.
        """
        with self.lock:
            return self.con.execute(expression, **kwargs)

    def to_pyarrow(self, expression: ibis.Expr, **kwargs) -> Any:
        """Like `execute`, as an Arrow table (or array or scalar)."""
        with self.lock:
            return self.con.to_pyarrow(expression, **kwargs)

    # -- transactions and loads ---------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: every change made inside commits together or not at all."""
        with self.lock:
            if self.engine == "duckdb":
                raw = self.con.con
                raw.begin()
                try:
                    yield
                except BaseException:
                    raw.rollback()
                    raise
                raw.commit()
            elif self.engine == "postgres":
                # psycopg turns the transactions Ibis opens inside this one into savepoints.
                with self.con.con.transaction():
                    yield
            elif self.engine == "pyspark":
                raise WarehouseError(spark.READ_ONLY)
            else:
                raise WarehouseError(f"transactions are not supported on {self.engine}")

    def load(self, frames: Mapping[str, Frame], *, replace: bool = False) -> dict[str, int]:
        """Append (or, with `replace`, substitute) rows of canonical tables in one transaction.

        Columns are put in declared order and cast to the declared types, so a frame with
        a missing or mistyped column fails before anything is written.
        """
        prepared = {name: conform(model_table(name), frame) for name, frame in frames.items()}
        with self.transaction():
            for name, data in prepared.items():
                if replace:
                    self.truncate(name)
                self.append(name, data)
        return {name: data.num_rows for name, data in prepared.items()}

    def append(self, name: str, data: pa.Table) -> None:
        """Insert rows; call inside `transaction()` when it must be atomic with other work."""
        if data.num_rows == 0:
            return
        with self.lock:
            if self.engine == "postgres":
                self._copy_into_postgres(name, data)
            elif self.engine == "duckdb":
                # Ibis 12 inserts an Arrow table by registering it as a temporary view it
                # drops only at interpreter exit (inside a transaction the table stays alive
                # until commit), so every append would keep its rows in memory. A DuckDB
                # relation made with `from_arrow` is released once its rows are inserted.
                # It inserts by position, so the columns go in the declared order.
                self.con.con.from_arrow(_in_declared_order(name, data)).insert_into(name)
            else:
                self.con.insert(name, data)

    def truncate(self, name: str) -> None:
        with self.lock:
            self.con.truncate_table(name)

    def _copy_into_postgres(self, name: str, data: pa.Table) -> None:
        # COPY is two orders of magnitude faster than row inserts for bulk loads.
        buffer = io.BytesIO()
        pacsv.write_csv(data, buffer, pacsv.WriteOptions(include_header=False))
        columns = ", ".join(f'"{c}"' for c in data.column_names)
        statement = f'COPY "{name}" ({columns}) FROM STDIN WITH (FORMAT csv)'
        with self.con.con.cursor() as cursor, cursor.copy(statement) as copy:
            copy.write(buffer.getvalue())

    # -- facts about the data -------------------------------------------------------------

    def row_counts(self) -> dict[str, int]:
        with self.lock:
            existing = set(self.con.list_tables())
        return {
            t.name: int(self.execute(self.table(t.name).count()))
            for t in TABLES
            if t.name in existing
        }

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.con.disconnect()


def _in_declared_order(name: str, data: pa.Table) -> pa.Table:
    declared = next((t for t in TABLES if t.name == name), None)
    if declared is None or set(declared.column_names) != set(data.column_names):
        return data
    return data.select(declared.column_names)


def conform(declared: Table, frame: Frame) -> pa.Table:
    """The frame as an Arrow table with exactly the declared columns and types."""
    data = (
        frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    )
    missing = [c for c in declared.column_names if c not in data.column_names]
    if missing:
        raise WarehouseError(f"{declared.name}: missing columns {', '.join(missing)}")
    target = declared.ibis_schema().to_pyarrow()
    # Nullability is checked by validation; Arrow would refuse a cast to a non-null field.
    target = pa.schema([f.with_nullable(True) for f in target])
    return data.select(declared.column_names).cast(target)


def connect(url: str | None = None, *, create: bool = True, read_only: bool = False) -> Warehouse:
    """Open the warehouse at `url` (see `resolve_url`), creating missing tables if asked.

    `read_only` opens a DuckDB file so that other read-only processes may open it too
    (benchmarks, a second reader); nothing can then be written, nor tables created. A
    PostgreSQL server takes many connections anyway: there the flag changes nothing.
    """
    resolved = resolve_url(url)
    if resolved.startswith("duckdb://"):
        path = resolved.removeprefix("duckdb://")
        if read_only:
            con = ibis.duckdb.connect(path, read_only=True)
            return Warehouse(con=con, url=resolved)
        if path not in ("", ":memory:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        con = ibis.duckdb.connect(path or ":memory:")
    elif resolved.startswith("postgres://"):
        con = ibis.connect(resolved)
    elif spark.is_spark_url(resolved):
        # Read-only: the tables are the lake's, and nothing is created there.
        return Warehouse(con=spark.connect_backend(resolved), url=resolved)
    else:
        raise WarehouseError(
            f"unsupported database URL {resolved!r}: use a .duckdb path, duckdb://PATH, "
            "postgres://USER:PASSWORD@HOST:PORT/DATABASE, spark+local:///PARQUET_FOLDER "
            "or spark://HOST:PORT?warehouse=LAKE_PATH"
        )
    warehouse = Warehouse(con=con, url=resolved)
    if create and not warehouse.has_schema():
        warehouse.create_schema()
    return warehouse
