"""Every catalog KPI's value on the demo company for fixed periods, to see what a change moved.

Writes one JSON file: {kpi: {period: {value, numerator, denominator, details}}}, with the
demo (seed 42) generated once into a DuckDB file for a pinned day and the engine's clock
pinned to an instant of that day. Run it before and after a change on the same database
file, then compare the two files:

    .venv/bin/python benchmarks/kpi_values.py --db /tmp/defs-demo.duckdb --out before.json
    .venv/bin/python benchmarks/kpi_values.py --db /tmp/defs-demo.duckdb --out after.json
    .venv/bin/python benchmarks/kpi_values.py --compare before.json after.json

The database is generated only when the file is missing, so both runs read the same data
even when the demo generator changes in between.
"""

from __future__ import annotations

import argparse
import datetime as dt
import inspect
import json
import math
from pathlib import Path

from cruscotto.catalog import load_catalog
from cruscotto.demo import generate
from cruscotto.engine import Engine
from cruscotto.settings import CompanySettings
from cruscotto.warehouse import connect

TODAY = dt.date(2026, 12, 1)
# The instant of the observations (06:50 UTC, 07:50 in Rome).
NOW = dt.datetime(2026, 12, 1, 6, 50)
PERIODS = ("2026-Q3", "2026-11")


def engine_for(warehouse) -> Engine:
    """The engine with its clock pinned (its `now` when it has one, else its `today`)."""
    settings = CompanySettings()
    if "now" in inspect.signature(Engine).parameters:
        return Engine(warehouse, settings, now=NOW.replace(tzinfo=dt.UTC))
    return Engine(warehouse, settings, today=TODAY)


def number(value):
    if value is None or isinstance(value, bool | str):
        return value
    try:
        value = float(value)
    except (TypeError, ValueError):
        return str(value)
    return None if math.isnan(value) or math.isinf(value) else value


def values(db: str) -> dict:
    if not Path(db).exists():
        warehouse = connect(db)
        generate(warehouse, scale=1.0, seed=42, today=TODAY)
        warehouse.close()
    warehouse = connect(db)
    engine = engine_for(warehouse)
    found: dict = {}
    for kpi in load_catalog().all():
        found[kpi.id] = {}
        for period in PERIODS:
            try:
                result = engine.value(kpi.id, period)
            except Exception as exc:  # an error is a value to compare too
                found[kpi.id][period] = {"error": f"{type(exc).__name__}: {exc}"}
                continue
            found[kpi.id][period] = {
                "value": number(result.value),
                "numerator": number(result.numerator),
                "denominator": number(result.denominator),
                "details": {k: number(v) for k, v in sorted(result.details.items())},
            }
    return found


def compare(before_path: str, after_path: str) -> None:
    """Print each KPI and period whose value (or an error) differs, with the change."""
    before = json.loads(Path(before_path).read_text())
    after = json.loads(Path(after_path).read_text())
    print(f"{'KPI':34} {'period':8} {'before':>16} {'after':>16} {'change':>12}")
    for kpi in sorted(set(before) | set(after)):
        for period in PERIODS:
            old = before.get(kpi, {}).get(period, {})
            new = after.get(kpi, {}).get(period, {})
            a, b = old.get("value", old.get("error")), new.get("value", new.get("error"))
            if a == b or (
                isinstance(a, float) and isinstance(b, float) and math.isclose(a, b, rel_tol=1e-9)
            ):
                continue
            if isinstance(a, float) and isinstance(b, float):
                change = f"{(b - a) / abs(a):+.1%}" if a else f"{b - a:+.4g}"
                print(f"{kpi:34} {period:8} {a:16.6g} {b:16.6g} {change:>12}")
            else:
                print(f"{kpi:34} {period:8} {a!s:>16.16} {b!s:>16.16}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/defs-demo.duckdb")
    parser.add_argument("--out")
    parser.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    if args.compare:
        compare(*args.compare)
        return
    found = values(args.db)
    text = json.dumps(found, indent=1, sort_keys=True)
    if args.out:
        Path(args.out).write_text(text + "\n")
        print(f"wrote {len(found)} KPIs × {len(PERIODS)} periods to {args.out}")
    else:
        print(text)


if __name__ == "__main__":
    main()
