"""How fast is the KPI engine? The whole catalog on the demo company, and a pandas baseline.

For each scale: generate the demo company into a DuckDB file (kept in the cache directory
and reused), then time
  * the whole catalog: for every KPI the current period, the previous one, a 12-month trend
    and, where the KPI has the dimension, a breakdown by rep;
  * the same four questions for twelve core KPIs, through the engine and through three
    baselines (benchmarks/core_baselines.py): pandas with vectorised group-bys, polars,
    and a hand-written DuckDB SQL floor — each checked to give the engine's numbers, and
    printed side by side with its ratio to the floor (data loads timed separately).

    .venv/bin/python benchmarks/kpi_catalog.py --scales 1 10 100 [--cache /tmp/cruscotto-bench]
        [--slowest 10]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import time
from pathlib import Path

import core_baselines
import numpy as np
import pandas as pd
from demo_data import TODAY, demo_database

from cruscotto.catalog import load_catalog
from cruscotto.engine import Engine, Period
from cruscotto.settings import CompanySettings
from cruscotto.warehouse import connect

SETTINGS = CompanySettings()  # Europe/Rome, EUR, calendar fiscal year (the demo company's)

CORE = [
    "new_leads",
    "qualified_leads",
    "lead_response_time",
    "new_opportunities",
    "lead_conversion_rate",
    "win_rate",
    "win_loss_ratio",
    "deals_won",
    "avg_contract_value",
    "sales_cycle_length",
    "activities",
    "meeting_acceptance_rate",
]


def questions(period: Period) -> tuple[Period, Period, Period]:
    """Current period, previous period, and the 12 months ending with the current one."""
    return period, period.previous(), Period(_months_back(period.end, 12), period.end)


def _months_back(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def ask_engine(
    engine: Engine, kpi_ids: list[str], period: Period, seconds: dict | None = None
) -> dict:
    """The four questions for every KPI, asked the way the dashboard asks: all KPIs at once.

    With `seconds`, the wall-clock time of each question is added to it."""
    current, previous, twelve = questions(period)
    with_rep = [k for k in kpi_ids if "rep" in engine.catalog.get(k).dimensions]
    seconds = {} if seconds is None else seconds

    def timed(name, ask):
        started = time.perf_counter()
        answer = ask()
        seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - started
        return answer

    now = timed("current", lambda: engine.values(kpi_ids, current))
    before = timed("previous", lambda: engine.values(kpi_ids, previous))
    trends = timed("trend", lambda: engine.trends(kpi_ids, twelve, "month"))
    by_rep = timed("by rep", lambda: engine.breakdowns(with_rep, current, "rep"))
    return {
        kpi_id: {
            "current": now[kpi_id].value,
            "previous": before[kpi_id].value,
            "trend": [r.value for r in trends[kpi_id]],
            "by_rep": {k: r.value for k, r in by_rep.get(kpi_id, [])},
        }
        for kpi_id in kpi_ids
    }


# -- the baselines: pandas, polars and the DuckDB SQL floor ----------------------------------

FRAMES = ["leads", "opportunities", "activities", "fx_rates"]


def load_frames(engine: Engine) -> dict[str, pd.DataFrame]:
    return {name: engine.warehouse.to_pyarrow(engine.table(name)).to_pandas() for name in FRAMES}


def load_polars(engine: Engine) -> dict:
    import polars as pl

    return {name: pl.from_arrow(engine.warehouse.to_pyarrow(engine.table(name))) for name in FRAMES}


def baselines(engine: Engine, period: Period) -> dict[str, tuple]:
    """{name: (answers, (wall, CPU) seconds to answer, seconds to load the data first)}."""
    found = {"pandas (groupby)": _timed(load_frames, core_baselines.pandas_answers, engine, period)}
    try:
        found["polars"] = _timed(load_polars, core_baselines.polars_answers, engine, period)
    except ModuleNotFoundError:
        print("  (polars is not installed: pip install -e '.[dev]')")
    if engine.warehouse.engine == "duckdb":
        queries = core_baselines.sql_queries(period, SETTINGS)
        found[f"DuckDB SQL floor ({len(queries)} queries)"] = _timed(
            lambda engine: engine.warehouse.con.con,
            lambda connection, *_: core_baselines.sql_answers(connection, queries),
            engine,
            period,
        )
    return found


def _timed(load, answer, engine: Engine, period: Period) -> tuple:
    started = time.perf_counter()
    data = load(engine)
    loaded = time.perf_counter() - started
    clock = _clock()
    answers = core_baselines.kpi_values(*answer(data, period, SETTINGS), CORE)
    return answers, _clock(clock), loaded


def _clock(since: tuple[float, float] | None = None) -> tuple[float, float]:
    """(wall, CPU of every thread of this process) seconds, or those elapsed `since`.
    On a machine shared with other work, CPU seconds are the steadier figure."""
    now = (time.perf_counter(), time.process_time())
    return now if since is None else (now[0] - since[0], now[1] - since[1])


def same(a, b) -> bool:
    """Equal to 1e-9. In a breakdown, a group without a value (None, or 0 records) may be
    left out by one side: the engine lists only values of the dimension that have data."""
    if isinstance(a, dict):
        a, b = _with_data(a), _with_data(b)
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)):
        return (a is None or math.isnan(a)) and (b is None or math.isnan(float(b)))
    return bool(np.isclose(float(a), float(b), rtol=1e-9, atol=1e-9))


def _with_data(groups: dict) -> dict:
    def empty(v) -> bool:
        if isinstance(v, dict | list):
            return False
        return v is None or (isinstance(v, float) and math.isnan(v)) or v == 0

    return {k: v for k, v in groups.items() if not empty(v)}


def count_queries(warehouse) -> dict:
    """Count the queries the warehouse runs (every one goes through `execute` or
    `to_pyarrow`)."""
    counter = {"queries": 0}
    for name in ("execute", "to_pyarrow"):
        run = getattr(warehouse, name)

        def counted(*args, _run=run, **kwargs):
            counter["queries"] += 1
            return _run(*args, **kwargs)

        setattr(warehouse, name, counted)
    return counter


def slowest(engine: Engine, kpi_ids: list[str], period: Period, top: int) -> None:
    """Each KPI's four questions asked alone; the `top` slowest, to know where time goes."""
    timings = []
    for kpi_id in kpi_ids:
        seconds: dict[str, float] = {}
        ask_engine(engine, [kpi_id], period, seconds)
        timings.append((sum(seconds.values()), kpi_id, seconds))
    timings.sort(reverse=True)
    print(f"  slowest KPIs asked alone (of {sum(t for t, _, _ in timings):.2f} s in all):")
    for total, kpi_id, seconds in timings[:top]:
        parts = ", ".join(f"{name} {value:.2f}" for name, value in seconds.items())
        print(f"    {kpi_id:28s} {total:6.2f} s  ({parts})")


def compare_with_baselines(engine: Engine, period: Period) -> None:
    """The four questions for the core KPIs through the engine and each baseline, side by
    side, each checked to give the engine's numbers (to 1e-9)."""
    # The exchange rates are filled in once per data, and each connection keeps the SQL
    # it compiled (warehouse/compiled.py): the timed run is these questions asked again.
    ask_engine(engine, CORE, period)
    clock = _clock()
    from_engine = ask_engine(engine, CORE, period)
    rows = [("engine", _clock(clock), 0.0, True)]
    for name, (answers, seconds, loaded) in baselines(engine, period).items():
        agree = all(same(from_engine[k], answers[k]) for k in CORE)
        rows.append((name, seconds, loaded, agree))
        for k in CORE:
            if not same(from_engine[k], answers[k]):
                print(f"    {name}: {k} differs: engine {from_engine[k]}, {answers[k]}")
    (floor_wall, floor_cpu) = rows[-1][1]
    print(f"  {len(CORE)} core KPIs × current, previous, 12-month trend, by rep:")
    heads = ("wall s", "÷ floor", "CPU s", "÷ floor", "load s")
    print(f"    {'':34s} " + " ".join(f"{h:>8s}" for h in heads) + "  same numbers")
    for name, (wall, cpu), loaded, agree in rows:
        load = f"{loaded:8.2f}" if loaded else "       -"
        print(
            f"    {name:34s} {wall:8.3f} {wall / floor_wall:7.1f}× {cpu:8.3f} "
            f"{cpu / floor_cpu:7.1f}× {load}  {'yes' if agree else 'NO'}"
        )


def run(scale: float, cache: Path, top: int) -> None:
    print(f"scale {scale:g}")
    warehouse = connect(demo_database(scale, cache), read_only=True)
    rows = sum(warehouse.row_counts().values())
    engine = Engine(warehouse, SETTINGS, load_catalog(), today=TODAY)
    period = engine.default_period()
    kpi_ids = [d.id for d in engine.catalog.all()]
    queries = count_queries(warehouse)

    started, cpu = time.perf_counter(), time.process_time()
    seconds: dict[str, float] = {}
    ask_engine(engine, kpi_ids, period, seconds)
    whole, whole_cpu = time.perf_counter() - started, time.process_time() - cpu
    per_question = ", ".join(f"{name} {value:.2f} s" for name, value in seconds.items())
    print(
        f"  whole catalog ({len(kpi_ids)} KPIs × current, previous, 12-month trend, by rep) "
        f"on {rows:,} rows: {whole:.2f} s wall, {whole_cpu:.2f} s CPU (all threads), "
        f"{queries['queries']} queries ({per_question})"
    )

    compare_with_baselines(engine, period)
    if top:
        slowest(engine, kpi_ids, period, top)
    warehouse.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/cruscotto-bench"))
    parser.add_argument(
        "--slowest", type=int, default=0, help="also time each KPI alone and list the N slowest"
    )
    arguments = parser.parse_args()
    for scale in arguments.scales:
        run(scale, arguments.cache, arguments.slowest)


if __name__ == "__main__":
    main()
