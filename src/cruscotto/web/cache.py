"""A short-lived cache of engine answers, so that a warm dashboard is fast.

The same overview is opened by many people each morning; its numbers only change when
data is imported. Answers are kept for `ttl` seconds (default 60; 0 turns caching off),
keyed by the question (method, KPI, period, grain or dimension, filters), at most
`size` of them. On a DuckDB file no other process can write while the app has it open,
so the only staleness is on PostgreSQL, for at most `ttl` seconds after an import.
Drill-down record pages are cached the same way (key: period, filters, page, sort), so a
page of records always agrees with the numbers shown next to it.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

from cruscotto.engine import Engine

CACHED_METHODS = (
    "value",
    "values",
    "compare",
    "trend",
    "trends",
    "breakdown",
    "breakdowns",
    "dimension_values",
    "records",
)


class CachedEngine:
    """An `Engine` whose answers to `CACHED_METHODS` are remembered for `ttl` seconds."""

    def __init__(self, engine: Engine, ttl: float = 60.0, size: int = 4096) -> None:
        self._engine = engine
        self._ttl = ttl
        self._size = size
        self._answers: OrderedDict[tuple, tuple[float, Any]] = OrderedDict()
        self._running: dict[tuple, threading.Event] = {}
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._engine, name)
        if not callable(attribute):
            return attribute

        def serialised(*args, **kwargs):
            # One DuckDB connection serves every thread of the web server; not only the
            # queries but also the schema lookups that build them must take turns.
            with self._engine.warehouse.lock:
                return attribute(*args, **kwargs)

        if name not in CACHED_METHODS:
            return serialised

        def cached(*args, **kwargs):
            key = (name, *map(_key, args), *sorted((k, _key(v)) for k, v in kwargs.items()))
            return self.remember(key, lambda: serialised(*args, **kwargs))

        return cached

    def locked(self, compute):
        """`compute()` with the database to itself (see `__getattr__`)."""
        with self._engine.warehouse.lock:
            return compute()

    def remember(self, key: tuple, compute):
        """The answer stored under `key` if fresh, else `compute()` stored and returned.

        When several requests ask the same question at once (everyone opening the
        dashboard at nine), one computes and the others wait for its answer.
        """
        if self._ttl <= 0:
            return compute()
        while True:
            with self._lock:
                hit = self._answers.get(key)
                if hit is not None and time.monotonic() - hit[0] < self._ttl:
                    self._answers.move_to_end(key)
                    return hit[1]
                running = self._running.get(key)
                if running is None:
                    running = self._running[key] = threading.Event()
                    break
            running.wait()  # then look again: the answer is there, or compute it ourselves
        try:
            answer = compute()
            with self._lock:
                self._answers[key] = (time.monotonic(), answer)
                while len(self._answers) > self._size:
                    self._answers.popitem(last=False)
            return answer
        finally:
            with self._lock:
                del self._running[key]
            running.set()

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()


def _key(value: Any) -> Any:
    """A hashable stand-in for an argument (filters are dicts of lists)."""
    if isinstance(value, dict):
        return tuple(sorted((k, _key(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_key(v) for v in value)
    if hasattr(value, "start") and hasattr(value, "end"):  # a Period: its dates decide
        return ("period", value.start, value.end, getattr(value, "grain", None))
    return value
