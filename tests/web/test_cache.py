"""The answer cache: reuse while the data is unchanged, one computation for simultaneous
askers, a new computation as soon as the data's version moves on."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from cruscotto.warehouse import connect
from cruscotto.web.cache import CachedEngine


class FakeWarehouse:
    def __init__(self) -> None:
        self.version = 0

    def data_version(self) -> int:
        return self.version


class CountingEngine:
    """Stands in for the engine: counts how often a question is really computed."""

    def __init__(self, delay: float = 0.0) -> None:
        self.calls = 0
        self.delay = delay
        self.settings = "settings"
        self.today = dt.date(2026, 4, 1)
        self.warehouse = FakeWarehouse()

    def value(self, kpi_id, period, filters=None):
        self.calls += 1
        time.sleep(self.delay)
        if kpi_id == "broken":
            raise ValueError("no rate for CHF")
        return (kpi_id, period, self.calls)


def test_same_question_is_answered_once_and_filters_are_part_of_the_key():
    engine = CountingEngine()
    cached = CachedEngine(engine, ttl=60)
    first = cached.value("win_rate", "2026-03", {"rep": ["r1"]})
    assert cached.value("win_rate", "2026-03", {"rep": ["r1"]}) is first
    cached.value("win_rate", "2026-03", {"rep": ["r2"]})
    assert engine.calls == 2
    assert cached.settings == "settings"  # everything else passes through


def test_an_answer_is_kept_until_the_data_version_or_the_day_changes():
    engine = CountingEngine()
    cached = CachedEngine(engine)
    first = cached.value("win_rate", "2026-03")
    assert cached.value("win_rate", "2026-03") is first
    engine.warehouse.version += 1  # an import committed
    second = cached.value("win_rate", "2026-03")
    assert second is not first and engine.calls == 2
    engine.today = dt.date(2026, 4, 2)  # the server ran past midnight
    cached.value("win_rate", "2026-03")
    assert engine.calls == 3


def test_every_data_change_moves_the_version_on_and_app_state_writes_do_not(tmp_path):
    warehouse = connect(str(tmp_path / "v.duckdb"))
    start = warehouse.data_version()
    with warehouse.transaction():  # what an import, the demo or a load does
        pass
    after_import = warehouse.data_version()
    assert after_import == start + 1
    with warehouse.transaction(app_state=True):  # users, sessions, tokens
        pass
    assert warehouse.data_version() == after_import
    warehouse.mark_changed()  # a saved setting
    assert warehouse.data_version() == after_import + 1
    # Another process on the same database (here: a second connection after this one
    # closes) reads the stored version, so its cache sees the change too.
    warehouse.close()
    other = connect(str(tmp_path / "v.duckdb"))
    assert other.data_version() == after_import + 1
    other.close()


def test_ttl_zero_never_caches():
    engine = CountingEngine()
    cached = CachedEngine(engine, ttl=0)
    cached.value("win_rate", "2026-03")
    cached.value("win_rate", "2026-03")
    assert engine.calls == 2


def test_simultaneous_askers_share_one_computation():
    engine = CountingEngine(delay=0.3)
    cached = CachedEngine(engine, ttl=60)
    answers = []
    threads = [
        threading.Thread(target=lambda: answers.append(cached.value("win_rate", "2026-03")))
        for _ in range(5)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert engine.calls == 1
    assert len({id(a) for a in answers}) == 1


def test_errors_are_not_cached():
    engine = CountingEngine()
    cached = CachedEngine(engine, ttl=60)
    for _ in range(2):
        with pytest.raises(ValueError, match="CHF"):
            cached.value("broken", "2026-03")
    assert engine.calls == 2


def test_a_scheduled_jobs_run_leaves_the_cached_answers_valid(duckdb_warehouse):
    """The scheduler records every job's run (alert deliveries: each minute); that is the
    app's own state, so the data's version, which cached answers are kept for, stays."""
    from cruscotto.web import scheduler

    before = duckdb_warehouse.data_version()
    at = dt.datetime(2026, 4, 1, 9, 0)
    scheduler.record_run(duckdb_warehouse, "alerts.deliver", at)
    assert scheduler.last_runs(duckdb_warehouse)["alerts.deliver"] == at
    assert duckdb_warehouse.data_version() == before


def test_a_digest_subscription_leaves_the_cached_answers_valid(duckdb_warehouse):
    """A user choosing digests changes the app's own state, not the data: the version, and
    so every cached answer, stays (it emptied the cache for everyone)."""
    from cruscotto.web import digests

    before = duckdb_warehouse.data_version()
    digests.subscribe(duckdb_warehouse, "ann", ["weekly"], actor="ann", address=None)
    assert digests.subscriptions(duckdb_warehouse) == [("ann", "weekly")]
    assert duckdb_warehouse.data_version() == before


def test_a_saved_column_mapping_leaves_the_cached_answers_valid(duckdb_warehouse):
    """A mapping saved in the browser is read by the next import, never by a KPI."""
    from cruscotto.ingest import saved_mappings

    before = duckdb_warehouse.data_version()
    mapping = saved_mappings.build("crm-deals", "opportunities", {"opportunity_id": "Deal"})
    saved_mappings.save(duckdb_warehouse, mapping, "ann", None)
    assert [m["name"] for m in saved_mappings.listing(duckdb_warehouse)] == ["crm-deals"]
    assert duckdb_warehouse.data_version() == before


def test_what_the_web_derives_from_answers_is_kept_for_the_data_version():
    """`remembered` (pickers, freshness, the attention list's usual ranges and accounts at
    risk): computed once per data version on the app's cached engine, every time on a
    plain one; lists and filter dicts in the key are compared by value."""
    from cruscotto.web.cache import remembered

    engine = CountingEngine()
    cached = CachedEngine(engine)
    computed = []

    def compute():
        computed.append(1)
        return len(computed)

    key = ("usual", ["win_rate", "mrr"], {"team": ["North"]})
    assert remembered(cached, key, compute) == 1
    assert remembered(cached, ("usual", ["win_rate", "mrr"], {"team": ["North"]}), compute) == 1
    engine.warehouse.version += 1  # an import
    assert remembered(cached, key, compute) == 2
    assert remembered(engine, key, compute) == 3  # a plain engine keeps nothing
