"""How long do the overview's numbers take? Every dashboard KPI: value, previous, sparkline.

For each scale the demo company is generated into a DuckDB file (kept in the cache
directory and reused), then the overview's data path (`card_numbers` of web/routes/
overview.py, as an admin: every KPI, no filters, last complete month, monthly sparkline)
is timed on a fresh connection and Engine:
  * cold: the first call (the catalog is loaded, the fx table built, DuckDB warms up);
  * warm: the same call again on the same Engine (no answer cache: every number is
    computed again; only what the engine keeps between questions is reused).
It also times `trend("mrr", "2026", "month")` and prints how many cards have an error.

    .venv/bin/python benchmarks/overview.py --scales 0.05 1 [--cache DIR] [--numbers DIR]

With --numbers, the first run saves every card's numbers and later runs (say, after an
engine change) print which KPIs show different numbers (floats compared within 1e-9).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

from demo_data import TODAY, demo_database

from cruscotto.engine import Engine
from cruscotto.settings import CompanySettings
from cruscotto.warehouse import connect
from cruscotto.web.kpis import spark_window
from cruscotto.web.routes.overview import AREAS, card_numbers

SETTINGS = CompanySettings()  # Europe/Rome, EUR, calendar fiscal year (the demo company's)


def overview_numbers(engine: Engine) -> dict:
    definitions = [k for k in engine.catalog.all() if k.dashboard_area in AREAS]
    current = engine.default_period()
    window = spark_window(current, "month", engine.settings.fiscal_year_start_month)
    return card_numbers(engine, definitions, current, current.previous(), window, "month", {})


def _shown(numbers):
    """What a card shows: its value, the previous one and the sparkline, as plain data."""
    if isinstance(numbers, Exception):
        return repr(numbers)
    now, before, trend = numbers
    return [now.to_dict(), before.to_dict(), [r.to_dict() for r in trend]]


def _same(a, b) -> bool:
    """Equal, floats within 1e-9: DuckDB's parallel sums differ in the last bits from run
    to run, and NaN never equals itself."""
    if isinstance(a, float) and isinstance(b, float):
        return (a != a and b != b) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def timed(function):
    """(wall seconds, CPU seconds of this process, answer): CPU time is the steadier
    figure on a shared machine; DuckDB's own threads count in it too."""
    wall, cpu = time.perf_counter(), time.process_time()
    answer = function()
    return time.perf_counter() - wall, time.process_time() - cpu, answer


def run(scale: float, cache: Path, numbers_dir: Path | None) -> None:
    path = demo_database(scale, cache)
    warehouse = connect(path, read_only=True)
    engine = Engine(warehouse, SETTINGS, today=TODAY)
    cold, cold_cpu, numbers = timed(lambda: overview_numbers(engine))
    warm, warm_cpu, again = timed(lambda: overview_numbers(engine))
    errors = sum(isinstance(n, Exception) for n in numbers.values())
    differ = [k for k in numbers if not _same(_shown(numbers[k]), _shown(again[k]))]
    mrr, _, _ = timed(lambda: engine.trend("mrr", "2026", "month"))
    print(
        f"scale {scale:g}: overview of {len(numbers)} KPIs ({errors} errors): "
        f"cold {cold:.2f} s ({cold_cpu:.2f} s CPU), "
        f"warm {warm:.2f} s ({warm_cpu:.2f} s CPU), "
        f"differing the second time: {differ or 'none'}; "
        f"trend(mrr, 2026, month) {mrr:.2f} s"
    )
    # The numbers as JSON, to check that a faster engine shows the same cards.
    shown = json.loads(json.dumps({k: _shown(v) for k, v in numbers.items()}, default=str))
    if numbers_dir is not None:
        saved = numbers_dir / f"overview-scale-{scale:g}.json"
        if saved.exists():
            before = json.loads(saved.read_text())
            changed = [
                k for k in before.keys() | shown.keys() if not _same(before.get(k), shown.get(k))
            ]
            print(f"  compared with {saved}: {len(changed)} KPIs differ {sorted(changed)}")
        else:
            saved.write_text(json.dumps(shown))
            print(f"  numbers saved to {saved}")
    warehouse.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[0.05, 1.0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/cruscotto-bench"))
    parser.add_argument(
        "--numbers",
        type=Path,
        help="save the numbers here the first time; later runs compare with them",
    )
    args = parser.parse_args()
    for scale in args.scales:
        run(scale, args.cache, args.numbers)


if __name__ == "__main__":
    main()
