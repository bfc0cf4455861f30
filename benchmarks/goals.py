"""How good are goal projections, and how fast is the attention page?

Backtest (--backtest): on the demo company, for each of the last N complete months and
each KPI below (company-wide and per sales team where the KPI has teams), the projection
is made as of a third, a half and two thirds of the month — `progress(engine, goal,
today=cut)` sees nothing after the cut (the KPIs chosen have no maturing cohorts) — and
compared with the month's real end value:
  * coverage: how often the 80% interval held the end value (aim: 70–90%);
  * MAE: mean absolute error relative to the end value, against the naive pace-only
    projection (value so far ÷ elapsed share for counts and sums; the value so far for
    rates, averages and levels).

Attention page (--attention): the data path of GET /api/attention as an admin, cold (a
fresh app: nothing cached) and warm (the same app again, answers still cached); then an
app started as `cruscotto serve` starts it (warm-up at start-up): how long its warm-up
takes, and the admin's and a manager's first request after it. Wall and CPU seconds (the
machine may be shared: CPU is the steadier figure; it counts the warm-up thread too).

    .venv/bin/python benchmarks/goals.py --scales 1 [10] [--months 12] [--cache DIR]
        [--no-backtest] [--no-attention]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from collections import defaultdict
from pathlib import Path

from demo_data import DEFAULT_CACHE, TODAY, demo_database

from cruscotto.engine import Engine, Period, kpi_kind
from cruscotto.goals import Goal, Scope, progress
from cruscotto.goals.projection import pace_only
from cruscotto.settings import CompanySettings
from cruscotto.warehouse import connect

SETTINGS = CompanySettings()
KPIS = [
    "new_leads",
    "deals_won",
    "activities",
    "revenue",
    "new_opportunities",
    "win_rate",
    "meeting_acceptance_rate",
    "sales_cycle_length",
    "ticket_resolution_time",
    "open_pipeline",
]
TEAMS = ("Sales Italy", "Sales International")
CUTS = (1 / 3, 1 / 2, 2 / 3)


def months_before(today: dt.date, count: int) -> list[Period]:
    month = Period.of("month", today).previous()
    months = []
    for _ in range(count):
        months.append(month)
        month = month.previous()
    return months[::-1]


def backtest(engine: Engine, months: int, kpi_ids: list[str]) -> None:
    rows = []
    started = time.perf_counter()
    for kpi_id in kpi_ids:
        kpi = engine.catalog.get(kpi_id)
        scopes = [Scope()] + [Scope("team", t) for t in TEAMS if "team" in kpi.dimensions]
        for scope in scopes:
            for month in months_before(engine.today, months):
                final = engine.value(kpi_id, month, scope.filters).value
                if final is None:
                    continue
                for fraction in CUTS:
                    cut = month.start + dt.timedelta(days=round(month.days * fraction))
                    goal = Goal(kpi_id, scope, month.label, target=final)
                    p = progress(engine, goal, today=cut)
                    if p.projection is None or p.actual is None:
                        continue
                    naive = (
                        pace_only(p.actual, p.elapsed) if p.kind in ("count", "sum") else p.actual
                    )
                    rows.append(
                        {
                            "kpi": kpi_id,
                            "kind": kpi_kind(kpi, engine.catalog),
                            "cut": fraction,
                            "covered": p.projection_low <= final <= p.projection_high,
                            "error": abs(p.projection - final) / abs(final) if final else None,
                            "naive_error": abs(naive - final) / abs(final)
                            if final and naive is not None
                            else None,
                        }
                    )
    seconds = time.perf_counter() - started
    print(f"  backtest: {len(rows)} projections in {seconds:.0f} s")
    _report(rows, "all", lambda r: True)
    for kind in ("count", "sum", "rate", "average", "snapshot"):
        _report(rows, kind, lambda r, kind=kind: r["kind"] == kind)
    for fraction in CUTS:
        _report(rows, f"cut {fraction:.2f}", lambda r, f=fraction: r["cut"] == f)
    by_kpi = defaultdict(list)
    for r in rows:
        by_kpi[r["kpi"]].append(r)
    for kpi_id, some in by_kpi.items():
        _report(some, kpi_id, lambda r: True)


def _report(rows: list[dict], label: str, keep) -> None:
    chosen = [r for r in rows if keep(r)]
    if not chosen:
        return
    coverage = sum(r["covered"] for r in chosen) / len(chosen)
    errors = [r["error"] for r in chosen if r["error"] is not None and r["naive_error"] is not None]
    naive = [
        r["naive_error"] for r in chosen if r["error"] is not None and r["naive_error"] is not None
    ]
    mae, naive_mae = statistics.fmean(errors), statistics.fmean(naive)
    print(
        f"  {label:26} n={len(chosen):4}  80% coverage {coverage:6.1%}  "
        f"MAE {mae:6.1%}  naive pace-only MAE {naive_mae:6.1%}  ratio {mae / naive_mae:5.2f}"
    )


def attention_timing(path: str) -> None:
    from fastapi.testclient import TestClient

    from cruscotto.web import create_app

    def client_for(app, username: str) -> TestClient:
        client = TestClient(app)
        client.headers["Authorization"] = f"Bearer {app.state.users.issue_token(username).token}"
        return client

    def timed(label: str, client: TestClient) -> None:
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get("/api/attention")
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        items = response.json().get("items", []) if response.status_code == 200 else []
        print(
            f"  attention page {label}: {seconds:6.2f} s wall, {cpu:6.2f} s CPU "
            f"({response.status_code}, {len(items)} items)"
        )

    warehouse = connect(path)
    # Answers kept for an hour: on a busy machine a cold page can outlast the default
    # minute, and "warm" must mean "asked again while still cached".
    app = create_app(warehouse, SETTINGS, today=TODAY, cache_seconds=3600)
    for name, role, teams in (("bench", "admin", ()), ("bench-manager", "manager", TEAMS[:1])):
        if app.state.users.get(name) is None:
            app.state.users.add(name, f"{name}-password-1", role, teams=teams)
    admin = client_for(app, "bench")
    timed("cold", admin)
    timed("warm", admin)
    # As `cruscotto serve` starts: the warm-up thread computes the overview and the
    # attention pages of the company and of each manager's teams before anyone asks.
    app = create_app(warehouse, SETTINGS, today=TODAY, cache_seconds=3600, warm=True)
    started, cpu = time.perf_counter(), time.process_time()
    with TestClient(app):
        app.state.background.join()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"  warm-up at start-up: {seconds:6.2f} s wall, {cpu:6.2f} s CPU")
        timed("after the warm-up, admin", client_for(app, "bench"))
        timed("after the warm-up, first manager", client_for(app, "bench-manager"))
    warehouse.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0])
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--kpis", nargs="+", default=KPIS, help="backtest only these KPIs")
    parser.add_argument("--no-backtest", action="store_true")
    parser.add_argument("--no-attention", action="store_true")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="demo databases' folder")
    args = parser.parse_args()
    for scale in args.scales:
        print(f"scale {scale:g} (today {TODAY})")
        path = demo_database(scale, args.cache)
        if not args.no_backtest:
            warehouse = connect(path, read_only=True)
            backtest(Engine(warehouse, SETTINGS, today=TODAY), args.months, args.kpis)
            warehouse.close()
        if not args.no_attention:
            attention_timing(path)


if __name__ == "__main__":
    main()
