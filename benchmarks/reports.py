"""How long each report takes on the demo company, cold and warm, and its export sizes.

    .venv/bin/python benchmarks/reports.py --scale 1 --scale 10 [--repeat 3]

For each scale: generates the demo into a temporary DuckDB file, then for every report
prints the first run (a fresh engine: schemas, exchange rates and query plans not yet
seen), the median of the next runs, the rows of its tables, and the time to write XLSX.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from cruscotto.demo import generate
from cruscotto.engine import Engine
from cruscotto.reports import REPORTS, build, to_csv, to_xlsx
from cruscotto.warehouse import connect

TODAY = dt.date(2026, 11, 25)


def timed(function):
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def run(scale: float, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        warehouse = connect(str(Path(folder) / "demo.duckdb"))
        _, seconds = timed(lambda: generate(warehouse, scale=scale, today=TODAY))
        opportunities = warehouse.row_counts()["opportunities"]
        print(f"\nscale {scale}: demo generated in {seconds:.1f} s, {opportunities:,} deals")
        print(
            f"{'report':<12} {'cold s':>8} {'warm s':>8} {'rows':>8} {'xlsx s':>8} {'xlsx KB':>8}"
        )
        for name in REPORTS:
            engine = Engine(warehouse, today=TODAY)
            report, cold = timed(lambda n=name, e=engine: build(e, n))
            warm = statistics.median(
                timed(lambda n=name, e=engine: build(e, n))[1] for _ in range(repeat)
            )
            rows = sum(len(t.frame) for t in report.tables)
            workbook, xlsx_seconds = timed(lambda r=report: to_xlsx(r))
            to_csv(report)
            print(
                f"{name:<12} {cold:>8.2f} {warm:>8.2f} {rows:>8,} {xlsx_seconds:>8.2f} "
                f"{len(workbook) / 1024:>8.0f}"
            )
        warehouse.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, action="append", help="demo scale (repeatable)")
    parser.add_argument("--repeat", type=int, default=3, help="warm runs per report")
    arguments = parser.parse_args()
    for scale in arguments.scale or [1.0]:
        run(scale, arguments.repeat)


if __name__ == "__main__":
    main()
