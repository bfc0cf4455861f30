"""How long do the overview's numbers take? Every dashboard KPI: value, previous, sparkline.

For each scale the demo company is generated into a DuckDB file (kept in the cache
directory and reused), then the overview's data path (`card_numbers` of web/routes/
overview.py, as an admin: every KPI, no filters, last complete month, monthly sparkline)
is timed on a fresh connection and Engine:
  * cold: the first call (the catalog is loaded, the fx table built, DuckDB warms up);
  * warm: the same call again on the same Engine (no answer cache: every number is
    computed again; only what the engine keeps between questions is reused).
It also times `trend("mrr", "2026", "month")` and prints how many cards have an error.

    .venv/bin/python benchmarks/overview.py --scales 0.05 1 [--cache /tmp/cruscotto-bench]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

from cruscotto.demo import generate
from cruscotto.engine import Engine
from cruscotto.settings import CompanySettings
from cruscotto.warehouse import connect
from cruscotto.web.kpis import spark_window
from cruscotto.web.routes.overview import AREAS, card_numbers

TODAY = dt.date(2026, 11, 25)
SETTINGS = CompanySettings()  # Europe/Rome, EUR, calendar fiscal year (the demo company's)


def demo_database(scale: float, cache: Path) -> str:
    path = cache / f"demo-scale-{scale:g}.duckdb"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        warehouse = connect(str(path))
        generate(warehouse, scale=scale, today=TODAY)
        warehouse.close()
        print(f"  generated {path} in {time.perf_counter() - started:.1f} s")
    return str(path)


def overview_numbers(engine: Engine) -> dict:
    definitions = [k for k in engine.catalog.all() if k.dashboard_area in AREAS]
    current = engine.default_period()
    window = spark_window(current, "month", engine.settings.fiscal_year_start_month)
    return card_numbers(engine, definitions, current, current.previous(), window, "month", {})


def _shown(numbers) -> str:
    """What a card shows, comparable between runs: NaN never equals itself, and DuckDB's
    parallel sums differ in the last bits from run to run, so floats keep 10 digits."""
    if isinstance(numbers, Exception):
        return repr(numbers)
    now, before, trend = numbers
    return repr(_rounded([now.to_dict(), before.to_dict(), [r.to_dict() for r in trend]]))


def _rounded(value):
    if isinstance(value, float):
        return float(f"{value:.10g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value


def timed(function):
    started = time.perf_counter()
    answer = function()
    return time.perf_counter() - started, answer


def run(scale: float, cache: Path) -> None:
    path = demo_database(scale, cache)
    warehouse = connect(path, create=False)
    engine = Engine(warehouse, SETTINGS, today=TODAY)
    cold, numbers = timed(lambda: overview_numbers(engine))
    warm, again = timed(lambda: overview_numbers(engine))
    errors = sum(isinstance(n, Exception) for n in numbers.values())
    differ = [k for k in numbers if _shown(numbers[k]) != _shown(again[k])]
    mrr, _ = timed(lambda: engine.trend("mrr", "2026", "month"))
    print(
        f"scale {scale:g}: overview of {len(numbers)} KPIs ({errors} errors): "
        f"cold {cold:.2f} s, warm {warm:.2f} s (differing the second time: {differ or 'none'}); "
        f"trend(mrr, 2026, month) {mrr:.2f} s"
    )
    warehouse.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[0.05, 1.0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/cruscotto-bench"))
    args = parser.parse_args()
    for scale in args.scales:
        run(scale, args.cache)


if __name__ == "__main__":
    main()
