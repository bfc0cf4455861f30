"""The demo company every benchmark measures, generated once per scale and kept on disk.

Benchmarks run as scripts (`python benchmarks/NAME.py`), so this module is imported by
its plain name. The date is fixed so figures from different runs count the same data.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from cruscotto.demo import generate
from cruscotto.warehouse import connect

TODAY = dt.date(2026, 11, 25)
DEFAULT_CACHE = Path("/tmp/cruscotto-bench")


def demo_database(scale: float, cache: Path = DEFAULT_CACHE) -> str:
    """Path of a DuckDB file holding the demo company at `scale` (generated if missing)."""
    path = cache / f"demo-scale-{scale:g}.duckdb"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        warehouse = connect(str(path))
        generate(warehouse, scale=scale, today=TODAY)
        warehouse.close()
        print(f"  generated {path} in {time.perf_counter() - started:.1f} s")
    return str(path)
