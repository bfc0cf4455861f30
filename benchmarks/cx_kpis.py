"""Seconds per KPI for the customer, operations, marketing and profitability KPIs.

For each KPI of those areas (and mrr/arr), on the demo company: the current month, the
previous one, a 12-month trend and, where the KPI has the dimension, a breakdown by rep.
Prints one line per KPI and the total, slowest first, so the costly ones stand out.

    .venv/bin/python benchmarks/cx_kpis.py --scale 1 [--cache /tmp/cruscotto-bench]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

from demo_data import TODAY, demo_database

from cruscotto.catalog import load_catalog
from cruscotto.engine import Engine, Period
from cruscotto.warehouse import connect

AREAS = ("customer", "operations", "marketing", "profitability")
ALSO = ("mrr", "arr")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/cruscotto-bench"))
    args = parser.parse_args()
    warehouse = connect(demo_database(args.scale, args.cache), read_only=True)
    engine = Engine(warehouse, today=TODAY)
    month = Period.parse("2026-10")
    year = Period.between(dt.date(2025, 11, 1), dt.date(2026, 10, 31))
    kpis = [d for d in load_catalog().all() if d.area in AREAS or d.id in ALSO]
    timings = []
    for definition in kpis:
        started = time.perf_counter()
        current = engine.value(definition.id, month)
        engine.value(definition.id, month.previous())
        engine.trend(definition.id, year, "month")
        if "rep" in definition.dimensions:
            engine.breakdown(definition.id, month, "rep")
        timings.append((time.perf_counter() - started, definition.id, current.value))
    print(f"scale {args.scale:g}: {len(kpis)} KPIs, {sum(t for t, _, _ in timings):.2f} s in all")
    for seconds, kpi_id, value in sorted(timings, reverse=True):
        print(f"  {kpi_id:28} {seconds:7.2f} s   value {value}")
    warehouse.close()


if __name__ == "__main__":
    main()
