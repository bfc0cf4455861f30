"""Compiled SQL is reused per connection (warehouse/compiled.py): an expression equal to
one compiled before is not compiled again, the query still runs on the data as it is,
and a different expression gets its own SQL. On DuckDB and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from tests.engine.fixtures import load, ts


def lead(lead_id: str, created: str) -> dict:
    return {"lead_id": lead_id, "created_at": ts(created), "channel": "web"}


def test_an_equal_expression_reuses_its_sql_and_reads_the_data_anew(warehouse):
    load(warehouse, leads=[lead("L1", "2026-02-10 12:00"), lead("L2", "2026-03-05 12:00")])
    compiled = warehouse.con.compile

    def since(day: dt.datetime):
        # Built anew each time, as the engine builds each question's expressions.
        leads = warehouse.table("leads")
        return leads.filter(leads.created_at >= day).count()

    march = dt.datetime(2026, 3, 1)
    assert warehouse.execute(since(march)) == 1  # L2
    load(warehouse, leads=[lead("L3", "2026-03-20 12:00")])
    before = (compiled.compiled, compiled.reused)
    # The same question: its SQL is reused, and the lead added since is counted (L2, L3).
    assert warehouse.execute(since(march)) == 2
    assert (compiled.compiled, compiled.reused) == (before[0], before[1] + 1)
    # Another date is another statement, compiled for itself: L1, L2, L3.
    assert warehouse.execute(since(dt.datetime(2026, 2, 1))) == 3
    assert (compiled.compiled, compiled.reused) == (before[0] + 1, before[1] + 1)


def test_each_thread_connection_keeps_its_own_statements(warehouse):
    import threading

    load(warehouse, leads=[lead("L1", "2026-02-10 12:00")])
    found = {}

    def ask():
        leads = warehouse.table("leads")
        found["count"] = warehouse.execute(leads.count())
        found["compile"] = warehouse.con.compile

    thread = threading.Thread(target=ask)
    thread.start()
    thread.join()
    assert found["count"] == 1
    assert found["compile"] is not warehouse.con.compile
