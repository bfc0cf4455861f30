"""Where the data lives: one Ibis connection to DuckDB (default) or PostgreSQL.

The URL comes from `--db`, else `CRUSCOTTO_DB`, else `cruscotto.duckdb` in the working
directory. Everything else in Cruscotto talks to the data through `Warehouse`.
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
import weakref
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv

from cruscotto.model import TABLES, Table
from cruscotto.model import Column as C
from cruscotto.model import table as model_table
from cruscotto.warehouse import spark
from cruscotto.warehouse.compiled import reuse_compiled_sql

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


class QueryTimeout(WarehouseError):
    """A query ran longer than the warehouse's time limit and was stopped."""


class ReadOnlyWarehouse(WarehouseError):
    """A write asked of a warehouse Cruscotto only reads (a Spark lake)."""


# The data's version: one row, bumped by every transaction that changes the data (imports,
# the demo, settings saved through `mark_changed`), so that answers cached by a server —
# or by another server on the same PostgreSQL database — are known to be stale.
DATA_VERSION = Table(
    "data_version",
    "How many times the data has changed; cached answers are valid for one version.",
    (C("version", "int", "Bumped by every change to the data", nullable=False),),
)


class Warehouse:
    """The canonical tables, read concurrently and written by one writer at a time.

    Each thread gets its own connection (`con`): a cursor of the one DuckDB connection
    (they share the database and see each other's commits) or its own PostgreSQL
    connection. A reader therefore never waits for another reader, nor for a writer: the
    databases' transactions show it the data before or after a write, never half of it.
    Writers take turns on `lock`; hold it only to write (or to read-then-write).
    """

    def __init__(
        self,
        con: ibis.BaseBackend,
        url: str,
        *,
        query_time_limit: float | None = None,
        read_only: bool = False,
        state_url: str | None = None,
    ) -> None:
        self.url = url
        self.read_only = read_only
        self._state_url = state_url  # see `state_store`
        self._state: Warehouse | None = None
        # Seconds a read may run before it is stopped with QueryTimeout (None: no limit).
        self.query_time_limit = query_time_limit
        self.lock = threading.RLock()
        self._root = con
        self._root_thread = threading.get_ident()
        self._cursor_lock = threading.Lock()
        self._local = threading.local()
        # Every connection opened for a thread, so that `close` can close them all.
        self._opened: weakref.WeakSet = weakref.WeakSet()
        self._changes = 0  # changes this process made, while data_version is not there
        self._versioned = False  # whether the data_version table is there to bump
        self._app_tables: set[str] = set()  # app tables known to exist (`ensure_tables`)
        self._app_schemas = 0  # bumped when an app table's columns change (`app_table`)

    @property
    def engine(self) -> str:
        return self._root.name

    @property
    def state_store(self) -> Warehouse:
        """Where the app's own tables live (users, sessions, goals, alerts, audit, models):
        this warehouse, except over a read-only Spark lake, where they go to the DuckDB or
        PostgreSQL database named by the URL's `state=` (beside a local lake by default,
        see `spark.state_url`), opened on first use."""
        if self._state_url is None:
            return self
        with self.lock:
            if self._state is None:
                self._state = connect(self._state_url, create=False)
        return self._state

    @property
    def con(self) -> ibis.BaseBackend:
        """This thread's connection (an Ibis backend)."""
        con = getattr(self._local, "con", None)
        if con is None:
            on_root = threading.get_ident() == self._root_thread and self.engine != "duckdb"
            con = self._root if on_root else self._open()
            if self.engine != "pyspark":
                reuse_compiled_sql(con)
            self._local.con = con
        return con

    def _open(self) -> ibis.BaseBackend:
        if self.engine == "duckdb":
            # Every thread, the opening one too, queries through its own cursor, and cursors
            # are made one at a time: DuckDB's Python connection is not thread-safe, and
            # making a cursor of it while another thread queried through it crashed the
            # process now and then (pytest workers died during the web import tests).
            with self._cursor_lock:
                con = ibis.duckdb.from_connection(self._root.con.cursor())
        elif self.engine == "postgres":
            con = ibis.connect(self.url)
        elif self.engine == "pyspark":
            return self._root  # a Spark session takes queries from any thread
        else:
            raise WarehouseError(f"{self.engine} serves one thread only")
        self._opened.add(con)
        return con

    @property
    def _tables(self) -> dict[str, ibis.Table]:
        """This thread's canonical tables (an expression is bound to its connection)."""
        tables = getattr(self._local, "tables", None)
        if tables is None:
            tables = self._local.tables = {}
        return tables

    # -- schema -------------------------------------------------------------------------

    def create_schema(self, *, overwrite: bool = False) -> None:
        """Create every canonical table that is missing (all of them, with `overwrite`)."""
        self._local.tables = {}
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
            raise ReadOnlyWarehouse(spark.READ_ONLY)
        tables = list(tables)
        # Pages ask on every request (the alerts' unread count in the menu); listing the
        # database's tables each time was most of a page's own time. An app table is
        # never dropped, so one seen to exist stays known.
        if all(declared.name in self._app_tables for declared in tables):
            return
        with self.lock:
            existing = set(self.con.list_tables())
            for declared in tables:
                if declared.name not in existing:
                    self.con.create_table(declared.name, schema=declared.ibis_schema())
            # One created inside a transaction exists only once it commits: ask again.
            made = [d.name for d in tables] if not getattr(self._local, "writing", False) else []
            self._app_tables.update(existing.intersection(d.name for d in tables), made)

    def app_table(self, declared: Table) -> ibis.Table:
        """App table `declared` (created if missing), read under the lock: the scheduler's
        thread and the web's share one DuckDB connection. Its schema is read once per
        thread (a page reads several app tables, and each schema read is a query), until
        `app_columns_changed`."""
        self.ensure_tables([declared])
        known = getattr(self._local, "app", None)
        if known is None or known[0] != self._app_schemas:
            known = self._local.app = (self._app_schemas, {})
        found = known[1].get(declared.name)
        if found is None:
            with self.lock:
                found = known[1][declared.name] = self.con.table(declared.name)
        return found

    def app_columns_changed(self) -> None:
        """An app table's columns were changed (a migration): read the schemas again."""
        self._app_schemas += 1

    def has_schema(self) -> bool:
        existing = set(self.con.list_tables())
        return all(t.name in existing for t in TABLES)

    def table(self, name: str) -> ibis.Table:
        """Canonical table `name` (its schema is read once per connection)."""
        model_table(name)  # a clear error for a name that is not canonical
        found = self._tables.get(name)
        if found is not None:
            return found
        try:
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

        Every query of the engine, reports and web goes through here (or `to_pyarrow`), on
        this thread's connection, stopped after `query_time_limit` seconds.
        """
        con = self.con
        with self._time_limit(con):
            return con.execute(expression, **kwargs)

    def to_pyarrow(self, expression: ibis.Expr, **kwargs) -> Any:
        """Like `execute`, as an Arrow table (or array or scalar)."""
        con = self.con
        with self._time_limit(con):
            return con.to_pyarrow(expression, **kwargs)

    @contextlib.contextmanager
    def _time_limit(self, con: ibis.BaseBackend) -> Iterator[None]:
        limit = self.query_time_limit
        # A transaction's reads are part of its write, which is never cut short (and on
        # PostgreSQL a SET inside it would be undone by a rollback).
        if not limit or getattr(self._local, "writing", False):
            yield
            return
        if self.engine == "duckdb":
            # DuckDB has no statement timeout: a timer interrupts this thread's cursor.
            timer = threading.Timer(limit, con.con.interrupt)
            timer.start()
            try:
                yield
            except duckdb.InterruptException as exc:
                raise self._timeout() from exc
            finally:
                timer.cancel()
        elif self.engine == "postgres":
            self._set_statement_timeout(con, limit)
            try:
                yield
            except psycopg.errors.QueryCanceled as exc:
                raise self._timeout() from exc
        else:
            yield

    def _set_statement_timeout(self, con: ibis.BaseBackend, limit: float) -> None:
        milliseconds = max(1, int(limit * 1000))
        if getattr(self._local, "statement_timeout", None) != milliseconds:
            with con.con.cursor() as cursor:
                cursor.execute(f"SET statement_timeout = {milliseconds}")
            self._local.statement_timeout = milliseconds

    def _timeout(self) -> QueryTimeout:
        return QueryTimeout(
            f"the query took longer than {self.query_time_limit:g} s and was stopped; "
            "ask for a shorter period, a coarser grain or fewer records"
        )

    # -- the data's version ---------------------------------------------------------------

    def data_version(self) -> int:
        """A number that changes whenever the data does (in any process sharing it)."""
        if not self._versioned:  # a read-only database: only this process's changes
            return self._changes
        (stored,) = self._fetch_one(f'SELECT max(version) FROM "{DATA_VERSION.name}"')
        return int(stored or 0)

    def mark_changed(self) -> None:
        """Record that the data, or a setting the answers depend on, has changed.

        Every `transaction()` calls it; call it yourself after a change made otherwise.
        """
        if not self._versioned:
            self._changes += 1
            return
        with self.lock:
            self._run(f'UPDATE "{DATA_VERSION.name}" SET version = version + 1')

    def _ensure_data_version(self) -> None:
        """Create the version table, with its one row, if it is missing (not read-only)."""
        self.ensure_tables([DATA_VERSION])
        (rows,) = self._fetch_one(f'SELECT count(*) FROM "{DATA_VERSION.name}"')
        if not rows:
            self._run(f'INSERT INTO "{DATA_VERSION.name}" VALUES (0)')
        self._versioned = True

    def _fetch_one(self, sql: str) -> tuple:
        """One row of a statement, on this thread's driver connection (no Ibis compiling)."""
        raw = self.con.con
        if self.engine == "duckdb":
            return raw.execute(sql).fetchone()
        with raw.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()

    def _run(self, sql: str) -> None:
        raw = self.con.con
        if self.engine == "duckdb":
            raw.execute(sql)
        else:
            with raw.cursor() as cursor:
                cursor.execute(sql)

    # -- transactions and loads ---------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self, *, app_state: bool = False) -> Iterator[None]:
        """All or nothing: every change made inside commits together or not at all.

        The data's version is bumped in the same transaction, so cached answers are stale
        exactly from the commit on; `app_state` marks a change to the app's own tables
        (users, sessions, tokens) that no KPI reads, which leaves cached answers valid.
        """
        with self.lock:
            outermost = not getattr(self._local, "writing", False)
            self._local.writing = True
            try:
                with self._transaction():
                    yield
                    if outermost and not app_state and self._versioned:
                        self._run(f'UPDATE "{DATA_VERSION.name}" SET version = version + 1')
            finally:
                if outermost:
                    self._local.writing = False
            if outermost and not app_state and not self._versioned:
                self._changes += 1

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
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
                self._run("SET LOCAL statement_timeout = 0")  # a write is never cut short
                yield
        elif self.engine == "pyspark":
            raise ReadOnlyWarehouse(spark.READ_ONLY)
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
        if self._state is not None:
            self._state.close()
        for con in [*self._opened, self._root]:
            with contextlib.suppress(Exception):
                con.disconnect()


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
            return Warehouse(con, resolved, read_only=True)
        if path not in ("", ":memory:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        con = ibis.duckdb.connect(path or ":memory:")
    elif resolved.startswith("postgres://"):
        con = ibis.connect(resolved)
    elif spark.is_spark_url(resolved):
        # Read-only: the tables are the lake's, and nothing is created there.
        return Warehouse(
            spark.connect_backend(resolved),
            resolved,
            read_only=True,
            state_url=spark.state_url(resolved),
        )
    else:
        raise WarehouseError(
            f"unsupported database URL {resolved!r}: use a .duckdb path, duckdb://PATH, "
            "postgres://USER:PASSWORD@HOST:PORT/DATABASE, spark+local:///PARQUET_FOLDER "
            "or spark://HOST:PORT?warehouse=LAKE_PATH"
        )
    warehouse = Warehouse(con, resolved)
    if create and not warehouse.has_schema():
        warehouse.create_schema()
    warehouse._ensure_data_version()
    return warehouse
