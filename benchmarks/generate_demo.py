"""How fast the demo company is generated: rows per second at scale 1 and 10 (and 100).

    .venv/bin/python benchmarks/generate_demo.py            # scales 1 and 10
    .venv/bin/python benchmarks/generate_demo.py --with-100 # also scale 100 (minutes)

Each scale is generated into a fresh DuckDB file in a temporary directory; the figures
are wall-clock seconds for the whole `generate` call (one transaction, commit included).
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

from cruscotto.demo import generate
from cruscotto.warehouse import connect

TODAY = date(2026, 11, 25)  # fixed, so runs on different days compare


def measure(scale: float, directory: Path) -> None:
    warehouse = connect(str(directory / f"demo-{scale:g}.duckdb"))
    load = os.getloadavg()[0]
    started, cpu_started = time.perf_counter(), time.process_time()
    summary = generate(warehouse, scale=scale, seed=42, today=TODAY)
    seconds = time.perf_counter() - started
    # CPU seconds of this process (DuckDB's threads included): on a shared machine the
    # wall clock depends on the neighbours, this does much less.
    cpu = time.process_time() - cpu_started
    warehouse.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = summary.total_rows
    print(
        f"scale {scale:>5g}: {rows:>12,} rows in {seconds:8.1f} s = {rows / seconds:>10,.0f} rows/s"
        f" (CPU {cpu:.1f} s; load average before {load:.1f}; activities "
        f"{summary.rows['activities']:,}, opportunities {summary.rows['opportunities']:,}; "
        f"peak RSS so far {peak_mb:,.0f} MB)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--with-100", action="store_true", help="also generate scale 100")
    parser.add_argument("--scales", type=float, nargs="*", help="override the scales")
    args = parser.parse_args()
    scales = args.scales or [1.0, 10.0] + ([100.0] if args.with_100 else [])
    with tempfile.TemporaryDirectory() as directory:
        for scale in scales:
            measure(scale, Path(directory))


if __name__ == "__main__":
    main()
