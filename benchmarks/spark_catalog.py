"""The whole catalog on Spark local against DuckDB, and the time to copy the warehouse.

    .venv/bin/python benchmarks/spark_catalog.py --scale 1 --scale 10
    .venv/bin/python benchmarks/spark_catalog.py --scale 100 --core

`--core` asks only the twelve core KPIs of benchmarks/kpi_catalog.py (the whole catalog at
scale 100 on two cores would take Spark many hours).

For each scale: `db copy` of the demo company from DuckDB to a Parquet folder, Spark's
start, then the catalog benchmark's four questions (every KPI × current period, previous
period, 12-month trend, breakdown by rep) on Spark and on DuckDB over the same data, with
the answers checked equal (1e-9) and the seconds printed side by side.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

from demo_data import TODAY, demo_database
from kpi_catalog import CORE, ask_engine

from cruscotto.engine import Engine
from cruscotto.warehouse import connect
from cruscotto.warehouse.copy import copy_warehouse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, action="append", default=None)
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--core", action="store_true", help="only the twelve core KPIs")
    args = parser.parse_args()
    for scale in args.scale or [1.0]:
        measure(scale, args.period, core=args.core)


def measure(scale: float, period: str, core: bool = False) -> None:
    source = demo_database(scale)
    lake = Path(tempfile.mkdtemp(prefix="cruscotto-lake-")) / "warehouse"
    started = time.perf_counter()
    copied = copy_warehouse(source, f"spark+local://{lake}")
    copy_seconds = time.perf_counter() - started
    rows = sum(t.destination_rows for t in copied)

    started = time.perf_counter()
    spark = Engine(connect(f"spark+local://{lake}"), today=TODAY)
    start_seconds = time.perf_counter() - started
    duck = Engine(connect(source, read_only=True), today=TODAY)
    kpi_ids = list(CORE) if core else [d.id for d in duck.catalog.all()]
    chosen = duck.period(period)

    timings = {}
    answers = {}
    for name, engine in (("duckdb", duck), ("spark", spark)):
        seconds: dict[str, float] = {}
        started = time.perf_counter()
        answers[name] = ask_engine(engine, kpi_ids, chosen, seconds)
        timings[name] = (time.perf_counter() - started, seconds)
    differ = [k for k in kpi_ids if not same(answers["duckdb"][k], answers["spark"][k])]

    print(
        f"scale {scale:g}, {len(kpi_ids)} KPIs: {rows:,} rows; db copy {copy_seconds:.1f} s",
        end="; ",
    )
    print(f"Spark start {start_seconds:.1f} s")
    print(f"  {'question':<10} {'duckdb s':>9} {'spark s':>9} {'ratio':>7}")
    for question in timings["duckdb"][1]:
        d, s = timings["duckdb"][1][question], timings["spark"][1][question]
        print(f"  {question:<10} {d:9.2f} {s:9.2f} {s / d:7.1f}")
    d, s = timings["duckdb"][0], timings["spark"][0]
    print(f"  {'catalog':<10} {d:9.2f} {s:9.2f} {s / d:7.1f}")
    print(f"  KPIs whose answers differ: {differ or 'none'}")


def same(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


if __name__ == "__main__":
    main()
