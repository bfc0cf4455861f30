"""One Engine shared by many threads (as the web app's thread pool does) gives the same
answers as asking one question at a time, without a connection error."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from cruscotto.engine import EngineError, QueryTimeout
from tests.engine.conftest import loaded_engine
from tests.engine.fixtures import engine_for
from tests.engine.small_company import load_small_company

company = loaded_engine(load_small_company)

# Every kind of KPI: declared measures, ratios, derived, and functions on KpiScope
# (money converted with fx_rates, customers at a date, campaign spend over days).
KPIS = [
    "new_leads",
    "win_rate",
    "avg_contract_value",
    "sales_velocity",
    "mrr",
    "cac",
    "clv_to_cac",
    "account_health",
    "roi",
    "revenue",
    "nps",
    "stage_duration",
]
THREADS = 8


def _answers(engine, kpi_id: str) -> tuple:
    value = engine.value(kpi_id, "2026-03").to_dict()
    trend = [r.to_dict() for r in engine.trend(kpi_id, "2026-Q1", "month")]
    return kpi_id, repr(value), repr(trend)


def test_threads_sharing_one_engine_get_the_sequential_answers(company):
    expected = {kpi_id: _answers(company, kpi_id) for kpi_id in KPIS}
    # A fresh engine, so that its first look-ups (fx rates, tables) race as well.
    shared = engine_for(company.warehouse)
    questions = KPIS * 3
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        answers = list(pool.map(lambda kpi_id: _answers(shared, kpi_id), questions))
    assert len(answers) == len(questions)
    for answer in answers:
        assert answer == expected[answer[0]]


# -- readers do not wait for each other, and a query has a time limit ----------------------


def _slow_query(warehouse, rows: int):
    """A query that keeps the database busy for a while (its SQL is the engine's own)."""
    if warehouse.engine == "duckdb":
        sql = f"SELECT range AS n FROM range({rows}) WHERE hash(range) % 7 = 3"
    else:
        sql = f"SELECT n FROM generate_series(1, {rows}) AS n WHERE md5(n::text) LIKE '7%'"
    return warehouse.con.sql(sql).count()


def _timed(function) -> tuple[float, object]:
    start = time.perf_counter()
    answer = function()
    return time.perf_counter() - start, answer


def _query_lasting(warehouse, seconds: float):
    """A slow query sized on this machine to run about `seconds` alone: a fixed row count
    is too short on a fast machine for the comparison to mean anything."""
    rows = 5_000_000 if warehouse.engine == "duckdb" else 100_000
    while True:
        query = _slow_query(warehouse, rows)
        took, _ = _timed(lambda q=query: warehouse.execute(q))
        if took >= seconds:
            return query
        rows = int(rows * min(10.0, max(2.0, 1.2 * seconds / max(took, 1e-3))))


def test_a_long_query_does_not_hold_up_a_short_one_on_another_thread(company):
    """Each thread reads on its own connection: a short question asked while a long one
    runs waits for no lock. With the old shared connection it waited for the whole long
    query (short ≈ long). The bound is generous (a quarter of the long query's time; the
    short one alone takes a few tens of milliseconds) because the two share two cores."""
    warehouse = company.warehouse
    long_query = _query_lasting(warehouse, 2.0)
    short = lambda: company.value("new_leads", "2026-03").value  # noqa: E731
    expected = short()
    started = threading.Event()

    def long_running():
        started.set()
        return _timed(lambda: warehouse.execute(long_query))

    with ThreadPoolExecutor(max_workers=2) as pool:
        long_future = pool.submit(long_running)
        started.wait()
        time.sleep(0.2)  # the long query is running now
        short_seconds, answer = _timed(short)
        long_seconds, _ = long_future.result()
    assert answer == expected
    assert long_seconds > 1.0, "the long query must be long for the comparison to mean much"
    print(f"short {short_seconds:.3f} s during long {long_seconds:.3f} s")
    assert short_seconds < 0.25 * long_seconds, (short_seconds, long_seconds)


def test_a_query_over_the_time_limit_stops_with_a_clear_error(company):
    warehouse = company.warehouse
    rows = 2_000_000_000 if warehouse.engine == "duckdb" else 200_000_000
    limit = warehouse.query_time_limit
    warehouse.query_time_limit = 0.5
    try:
        slow = _slow_query(warehouse, rows)
        seconds, raised = _timed(lambda: pytest.raises(QueryTimeout, company.execute, slow))
    finally:
        warehouse.query_time_limit = limit
    assert "longer than 0.5 s and was stopped" in str(raised.value)
    assert seconds < 5
    # The connection is usable again afterwards, and the error is the engine's own kind.
    assert company.value("new_leads", "2026-03").value is not None
    assert issubclass(QueryTimeout, EngineError)
