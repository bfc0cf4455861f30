"""The answer cache: reuse within the time limit, one computation for simultaneous askers."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest

from cruscotto.web.cache import CachedEngine


class CountingEngine:
    """Stands in for the engine: counts how often a question is really computed."""

    def __init__(self, delay: float = 0.0) -> None:
        self.calls = 0
        self.delay = delay
        self.settings = "settings"
        self.warehouse = SimpleNamespace(lock=threading.RLock())

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
