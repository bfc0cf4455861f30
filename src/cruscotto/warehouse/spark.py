"""Apache Spark as a warehouse, through Ibis's PySpark backend (SPEC §7).

Three kinds of URL:
- `spark+local:///PATH`: a Spark session inside this process (`local[*]`) over a folder of
  Parquet tables, one sub-folder per canonical table (what `cruscotto db copy` writes);
- `spark://HOST:PORT?warehouse=LAKE_PATH`: a standalone cluster; the canonical tables are
  the Parquet folders under LAKE_PATH (a path every executor can read: `hdfs://…`,
  `s3a://…`, or a shared file system), or, without `warehouse=`, the tables of the
  session's catalog database named by the URL's path (`spark://HOST:7077/crm`);
- `sc://HOST:PORT…`: a Spark Connect server, as Ibis's backend supports it, with the same
  `warehouse=` parameter.

Cruscotto only reads from Spark: imports go to DuckDB or PostgreSQL, and `db copy` moves
the tables to the lake (writing Parquet directly). The app's own tables (users, sessions,
goals, alerts, audit) live in the database named by the URL's `state=` parameter (a DuckDB
path or a PostgreSQL URL), by default a DuckDB file beside a local lake.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import ibis

from cruscotto.model import TABLES, Table

SCHEMES = ("spark+local://", "spark://", "sc://")

READ_ONLY = (
    "the Spark warehouse is read-only in Cruscotto: import into DuckDB or PostgreSQL, then "
    "copy the tables with `cruscotto db copy SOURCE_URL spark+local:///PATH` (or write the "
    "Parquet folders to your lake); users, goals and alerts go to the database named by "
    "the URL's state= parameter (state=/PATH/app.duckdb)"
)


def is_spark_url(url: str) -> bool:
    return url.startswith(SCHEMES)


def state_url(url: str) -> str | None:
    """Where the app's own tables go for this lake: `state=` of the URL, else
    `<LAKE>-app.duckdb` beside a local lake's folder, else nowhere (a cluster without
    `state=` keeps no users, goals or alerts, and says so on the first write)."""
    given = parse_qs(urlsplit(url).query).get("state", [None])[0]
    if given:
        return given
    folder = lake_folder(url)
    if folder is None:
        return None
    return str(folder.parent / f"{folder.name}-app.duckdb")


def lake_folder(url: str) -> Path | None:
    """The local Parquet folder of a `spark+local://` URL (None for a cluster)."""
    if not url.startswith("spark+local://"):
        return None
    path = urlsplit(url).path
    if not path:
        raise ValueError(f"{url!r} names no folder: use spark+local:///ABSOLUTE/PATH")
    return Path(path)


def connect_backend(url: str) -> ibis.BaseBackend:
    """An Ibis PySpark backend whose catalog holds every canonical table as a view."""
    from cruscotto.warehouse.connection import WarehouseError

    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - pyspark is in the lock file
        raise WarehouseError(
            "Spark needs PySpark: pip install 'cruscotto[spark]' (and a Java 17 runtime)"
        ) from exc
    parts = urlsplit(url)
    options = parse_qs(parts.query)
    lake = options.get("warehouse", [None])[0]
    folder = lake_folder(url)
    if folder is not None:
        if not folder.is_dir():
            raise WarehouseError(
                f"no Parquet warehouse at {folder}: create one with "
                f"`cruscotto db copy cruscotto.duckdb {url}`"
            )
        lake = str(folder)
    session = _session(SparkSession, url, parts)
    backend = ibis.pyspark.connect(session)
    if lake is not None:
        _register_lake(backend, session, lake)
    elif parts.path.strip("/"):
        session.catalog.setCurrentDatabase(parts.path.strip("/"))
    return backend


def _session(spark_session, url: str, parts):
    # Sessions are shared per process: PySpark keeps one active session per JVM anyway,
    # and starting one takes seconds.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = spark_session.builder.appName("cruscotto")
    if url.startswith("sc://"):
        return builder.remote(url.split("?")[0]).getOrCreate()
    master = "local[*]" if url.startswith("spark+local://") else f"spark://{parts.netloc}"
    return (
        builder.master(master)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.log.level", os.environ.get("CRUSCOTTO_SPARK_LOG_LEVEL", "ERROR"))
        # Cruscotto stores UTC timestamps without a zone: Spark must not shift them.
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", tempfile.mkdtemp(prefix="cruscotto-spark-"))
        .config("spark.sql.shuffle.partitions", os.environ.get("CRUSCOTTO_SPARK_PARTITIONS", "8"))
        .getOrCreate()
    )


def _register_lake(backend: ibis.BaseBackend, session, lake: str) -> None:
    local = not lake.startswith(("hdfs://", "s3a://", "s3://", "gs://", "abfss://"))
    for declared in TABLES:
        location = f"{lake.rstrip('/')}/{declared.name}"
        if local and not Path(location).is_dir():
            _register_empty(session, declared)
            continue
        backend.read_parquet(location, table_name=declared.name)


def _register_empty(session, declared: Table) -> None:
    """A canonical table the lake does not have is there, with no rows (as after `demo`)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    schema = from_arrow_schema(declared.ibis_schema().to_pyarrow())
    session.createDataFrame([], schema).createOrReplaceTempView(declared.name)
