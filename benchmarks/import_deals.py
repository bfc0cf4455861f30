"""Rows per second importing a deals CSV (HubSpot shape) into DuckDB.

    .venv/bin/python benchmarks/import_deals.py [--rows 1000000] [--keep DIR] [--threads N]

Generates the export once (cached in a temporary folder), then times three imports into
a fresh DuckDB file: the first load (all rows new), a re-import of the same file (all
unchanged) and an import of a newer export where 10% of the deals moved stage.
`--threads` sets DuckDB's worker threads (default: its own, one per core), to see what
DuckDB's parallelism costs on a machine whose cores other work keeps busy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from cruscotto.ingest import Settings, import_files
from cruscotto.warehouse import connect

STAGES = ["Appointment Scheduled", "Qualified To Buy", "Contract Sent", "Closed Won", "Closed Lost"]


def export(path: Path, rows: int, *, moved: float = 0.0, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    created = pd.Timestamp("2024-01-01") + pd.to_timedelta(
        rng.integers(0, 700 * 24 * 60, rows), unit="min"
    )
    stage = rng.integers(0, len(STAGES), rows)
    if moved:
        shift = np.random.default_rng(seed + 1).random(rows) < moved
        stage = np.where(shift, (stage + 1) % len(STAGES), stage)
    close = created + pd.to_timedelta(rng.integers(1, 120, rows), unit="D")
    frame = pd.DataFrame(
        {
            "Record ID": np.arange(10_000_000, 10_000_000 + rows).astype(str),
            "Deal Name": [f"Deal {i}" for i in range(rows)],
            "Deal Stage": np.array(STAGES)[stage],
            "Close Date": close.strftime("%Y-%m-%d %H:%M"),
            "Deal owner": np.array([f"Rep {i}" for i in range(40)])[rng.integers(0, 40, rows)],
            "Amount": (rng.gamma(2.0, 4000.0, rows)).round(2).astype(str),
            "Create Date": created.strftime("%Y-%m-%d %H:%M"),
            "Pipeline": "Sales Pipeline",
        }
    )
    frame.to_csv(path, index=False, quoting=1)


def timed(warehouse, path: Path, label: str, rows: int) -> None:
    # Wall time depends on what else the machine runs; CPU time (this process, all its
    # threads, DuckDB's included) is printed too, as the steadier figure.
    start, cpu_start = time.perf_counter(), time.process_time()
    report = import_files(
        warehouse, [path], settings=Settings("Europe/Rome", "EUR"), now=dt.datetime(2026, 6, 1)
    )
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    f = report.files[0]
    assert report.applied and not report.rejects
    print(
        f"{label:<26} {rows:>9,} rows  wall {seconds:6.1f} s = {rows / seconds:>7,.0f} rows/s  "
        f"cpu {cpu:6.1f} s = {rows / cpu:>7,.0f} rows/cpu-s  "
        f"(new {f.inserted:,}, changed {f.updated:,}, same {f.unchanged:,}, "
        f"stage moves {f.stage_changes:,})"
    )


def main() -> None:
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, default=None, help="folder for the CSVs and DB")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB worker threads")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="cruscotto-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    first = folder / f"deals-{args.rows}.csv"
    newer = folder / f"deals-{args.rows}-newer.csv"
    if not first.exists():
        export(first, args.rows)
    if not newer.exists():
        export(newer, args.rows, moved=0.10)
    print(f"{first}: {first.stat().st_size / 1e6:.0f} MB")
    database = folder / "bench.duckdb"
    database.unlink(missing_ok=True)
    warehouse = connect(str(database))
    if args.threads is not None:
        # A setting of the whole DuckDB database, so every cursor the import uses has it.
        warehouse.con.con.execute(f"SET threads = {args.threads}")
    threads = warehouse.con.con.execute("SELECT current_setting('threads')").fetchone()[0]
    print(f"DuckDB threads: {threads}")
    timed(warehouse, first, "first import (all new)", args.rows)
    timed(warehouse, first, "same file again", args.rows)
    timed(warehouse, newer, "newer export (10% moved)", args.rows)
    warehouse.close()


if __name__ == "__main__":
    main()
