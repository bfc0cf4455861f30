"""How fast is the KPI engine? The whole catalog on the demo company, and a pandas baseline.

For each scale: generate the demo company into a DuckDB file (kept in the cache directory
and reused), then time
  * the whole catalog: for every KPI the current period, the previous one, a 12-month trend
    and, where the KPI has the dimension, a breakdown by rep;
  * the same four questions for twelve core KPIs, through the engine and through a
    straightforward pandas implementation over the same tables (loaded into memory
    first; the load is timed separately), checking both give the same numbers.

    .venv/bin/python benchmarks/kpi_catalog.py --scales 1 10 100 [--cache /tmp/cruscotto-bench]
        [--slowest 10] [--pandas-up-to 10]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import time
from pathlib import Path

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


# -- the pandas baseline ---------------------------------------------------------------------


def load_frames(engine: Engine) -> dict[str, pd.DataFrame]:
    names = ["leads", "opportunities", "activities", "fx_rates"]
    return {name: engine.warehouse.table(name).execute() for name in names}


class PandasKpis:
    """Ten-odd core KPIs written the way an analyst would in a notebook."""

    def __init__(self, frames: dict[str, pd.DataFrame], settings: CompanySettings):
        self.tz = settings.timezone
        self.base = settings.base_currency
        self.leads = frames["leads"]
        self.opportunities = frames["opportunities"]
        self.activity_rows = frames["activities"]
        self.rates = frames["fx_rates"]

    def local_day(self, frame: pd.DataFrame, column: str) -> pd.Series:
        """The local calendar day of a UTC timestamp column, computed once per column."""
        key = f"_{column}_day"
        if key not in frame.columns:
            local = frame[column].dt.tz_localize("UTC").dt.tz_convert(self.tz)
            frame[key] = local.dt.tz_localize(None).dt.normalize()
        return frame[key]

    def in_period(self, frame: pd.DataFrame, column: str, period: Period) -> pd.DataFrame:
        days = self.local_day(frame, column)
        start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
        return frame[(days >= start) & (days < end)]

    def in_base(self, frame: pd.DataFrame, day_column: str) -> pd.Series:
        frame = frame.assign(_day=pd.to_datetime(frame[day_column].dt.date))
        rates = self.rates.assign(_day=pd.to_datetime(self.rates["day"])).sort_values("_day")
        ordered = frame.reset_index().sort_values("_day")
        merged = pd.merge_asof(
            ordered,
            rates[["_day", "currency", "rate_to_base"]],
            on="_day",
            by="currency",
            direction="backward",
        )
        merged.loc[merged["currency"] == self.base, "rate_to_base"] = 1.0
        merged = merged.set_index("index").loc[frame.index]
        return merged["amount"] * merged["rate_to_base"]

    def compute(self, kpi_id: str, period: Period, rep: str | None = None):
        method = getattr(self, kpi_id)
        return method(period, rep)

    def _owned(self, frame, column, rep):
        return frame if rep is None else frame[frame[column] == rep]

    def new_leads(self, period, rep):
        return len(self._owned(self.in_period(self.leads, "created_at", period), "owner_id", rep))

    def qualified_leads(self, period, rep):
        return len(self._owned(self.in_period(self.leads, "mql_at", period), "owner_id", rep))

    def lead_response_time(self, period, rep):
        leads = self._owned(self.in_period(self.leads, "created_at", period), "owner_id", rep)
        hours = (leads["first_response_at"] - leads["created_at"]).dt.total_seconds() / 3600
        return hours.mean() if hours.notna().any() else None

    def new_opportunities(self, period, rep):
        deals = self.in_period(self.opportunities, "created_at", period)
        return len(self._owned(deals, "owner_id", rep))

    def lead_conversion_rate(self, period, rep):
        leads = self._owned(self.in_period(self.leads, "created_at", period), "owner_id", rep)
        return leads["converted_at"].notna().sum() / len(leads) if len(leads) else None

    def _closed(self, period, rep):
        deals = self.in_period(self.opportunities, "closed_at", period)
        return self._owned(deals, "owner_id", rep)

    def win_rate(self, period, rep):
        closed = self._closed(period, rep)
        decided = closed["status"].isin(["won", "lost"]).sum()
        return (closed["status"] == "won").sum() / decided if decided else None

    def win_loss_ratio(self, period, rep):
        closed = self._closed(period, rep)
        lost = (closed["status"] == "lost").sum()
        return (closed["status"] == "won").sum() / lost if lost else None

    def deals_won(self, period, rep):
        return int((self._closed(period, rep)["status"] == "won").sum())

    def avg_contract_value(self, period, rep):
        won = self._closed(period, rep)
        won = won[won["status"] == "won"]
        return self.in_base(won, "closed_at").mean() if len(won) else None

    def sales_cycle_length(self, period, rep):
        won = self._closed(period, rep)
        won = won[won["status"] == "won"]
        first = won.merge(
            self.leads[["lead_id", "created_at"]].rename(columns={"created_at": "lead_created"}),
            on="lead_id",
            how="left",
        )
        start = first["lead_created"].fillna(first["created_at"])
        days = (first["closed_at"] - start).dt.total_seconds() / 86400
        return days.mean() if len(days) else None

    def activities(self, period, rep):
        acts = self.in_period(self.activity_rows, "occurred_at", period)
        return len(self._owned(acts, "rep_id", rep))

    def meeting_acceptance_rate(self, period, rep):
        acts = self._owned(self.in_period(self.activity_rows, "occurred_at", period), "rep_id", rep)
        meetings = acts[acts["type"] == "meeting"]
        proposed = meetings["outcome"].isin(["proposed", "accepted", "declined"]).sum()
        return (meetings["outcome"] == "accepted").sum() / proposed if proposed else None


def ask_pandas(kpis: PandasKpis, kpi_ids: list[str], period: Period, reps: dict) -> dict:
    current, previous, twelve = questions(period)
    answers = {}
    for kpi_id in kpi_ids:
        answers[kpi_id] = {
            "current": kpis.compute(kpi_id, current),
            "previous": kpis.compute(kpi_id, previous),
            "trend": [kpis.compute(kpi_id, month) for month in twelve.split("month")],
            "by_rep": {rep: kpis.compute(kpi_id, current, rep) for rep in reps.get(kpi_id, {})},
        }
    return answers


def same(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)):
        return (a is None or math.isnan(a)) and (b is None or math.isnan(float(b)))
    return bool(np.isclose(float(a), float(b), rtol=1e-9, atol=1e-9))


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


def compare_with_pandas(engine: Engine, period: Period, with_pandas: bool) -> None:
    """The four questions for the core KPIs through the engine and (if asked) pandas."""
    started = time.perf_counter()
    from_engine = ask_engine(engine, CORE, period)
    engine_seconds = time.perf_counter() - started
    if not with_pandas:
        # Its by-rep breakdown filters the frames once per rep (9,400 at scale 100): it
        # did not finish in 38 minutes there.
        print(f"  {len(CORE)} core KPIs: engine {engine_seconds:.2f} s (pandas not run)")
        return

    started = time.perf_counter()
    kpis = PandasKpis(load_frames(engine), SETTINGS)
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    reps = {k: v["by_rep"] for k, v in from_engine.items()}
    from_pandas = ask_pandas(kpis, CORE, period, reps)
    pandas_seconds = time.perf_counter() - started
    agree = all(same(from_engine[k], from_pandas[k]) for k in CORE)
    ratio = pandas_seconds / engine_seconds
    with_load = (pandas_seconds + load_seconds) / engine_seconds
    print(
        f"  {len(CORE)} core KPIs: engine {engine_seconds:.2f} s, pandas {pandas_seconds:.2f} s "
        f"(+ {load_seconds:.2f} s to load the frames); pandas ÷ engine = {ratio:.1f}× "
        f"({with_load:.1f}× with the load); same numbers: {'yes' if agree else 'NO'}"
    )
    for k in CORE:
        if not same(from_engine[k], from_pandas[k]):
            mine, theirs = from_engine[k]["current"], from_pandas[k]["current"]
            print(f"    {k} differs: engine {mine}, pandas {theirs}")


def run(scale: float, cache: Path, top: int, pandas_up_to: float) -> None:
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

    compare_with_pandas(engine, period, scale <= pandas_up_to)
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
    parser.add_argument(
        "--pandas-up-to",
        type=float,
        default=10.0,
        help="run the pandas baseline only up to this scale (it is slow beyond)",
    )
    arguments = parser.parse_args()
    for scale in arguments.scales:
        run(scale, arguments.cache, arguments.slowest, arguments.pandas_up_to)


if __name__ == "__main__":
    main()
