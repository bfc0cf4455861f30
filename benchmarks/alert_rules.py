"""How long the built-in alert rules take to evaluate on the demo company.

    .venv/bin/python benchmarks/alert_rules.py [--scale 1] [--cache /tmp/cruscotto-alerts]

Generates the demo company (seed 42, today 2026-12-01) once per scale into the cache
folder, then times each built-in rule's check (`findings_of`, no storing or sending) and
prints how many alerts each finds, and the whole evaluation.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import time
from pathlib import Path

from cruscotto.alerts.evaluate import evaluate, findings_of
from cruscotto.alerts.rules import DEFAULT_RULES, Rule, validate
from cruscotto.demo import generate
from cruscotto.engine import Engine
from cruscotto.warehouse import connect

TODAY = dt.date(2026, 12, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/cruscotto-alerts"))
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    source = args.cache / f"demo-{args.scale}.duckdb"
    if not source.exists():
        warehouse = connect(str(source))
        generate(warehouse, scale=args.scale, seed=42, today=TODAY)
        warehouse.close()
    work = args.cache / "work.duckdb"
    shutil.copy(source, work)  # evaluation writes its tables: a fresh copy each run
    warehouse = connect(str(work))
    engine = Engine(warehouse, today=TODAY)
    rules = [
        validate(Rule.from_dict({**d, "rule_id": f"r{i}"}), engine.catalog)
        for i, d in enumerate(DEFAULT_RULES)
    ]
    print(f"demo scale {args.scale}, today {TODAY}")
    total = 0.0
    for rule in rules:
        started = time.perf_counter()
        found = findings_of(engine, rule)
        took = time.perf_counter() - started
        total += took
        print(f"  {rule.name:<50} {len(found):5d} alerts  {took:6.2f} s")
    print(f"  {'all checks':<50} {'':5s}         {total:6.2f} s")
    started = time.perf_counter()
    report = evaluate(engine, rules)
    print(
        f"evaluate (checks + storing): {time.perf_counter() - started:.2f} s, "
        f"{len(report.fired)} fired"
    )
    warehouse.close()


if __name__ == "__main__":
    main()
