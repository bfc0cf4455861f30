"""Engine answers kept until the data changes, so that a warm dashboard is fast.

The same overview is opened by many people each morning; its numbers only change when
data is imported, a setting is saved, or the calendar moves on. An answer is kept under
its question (method, KPI, period, grain or dimension, filters), the data's version
(`Warehouse.data_version`, bumped in the same transaction as every import — by this
server or any other process on the same database) and the engine's today. So an answer
is never served after the data it was computed from has changed, and never recomputed
while it has not. At most `size` answers are kept, the least recently used dropped first.
Drill-down record pages are cached the same way (key: period, filters, page, sort), so a
page of records always agrees with the numbers shown next to it.

Nothing here takes turns on the database: every thread reads on its own connection.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from cruscotto.engine import Engine

T = TypeVar("T")

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
    "stage_positions",
)


class CachedEngine:
    """An `Engine` whose answers to `CACHED_METHODS` are remembered for a data version.

    `ttl` optionally caps an answer's age in seconds (None: until the data changes; 0:
    nothing is cached).
    """

    def __init__(self, engine: Engine, ttl: float | None = None, size: int = 4096) -> None:
        self._engine = engine
        self._ttl = ttl
        self._size = size
        self._answers: OrderedDict[tuple, tuple[float, Any]] = OrderedDict()
        self._running: dict[tuple, threading.Event] = {}
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._engine, name)
        if name not in CACHED_METHODS or not callable(attribute):
            return attribute

        def cached(*args, **kwargs):
            key = (name, *map(_key, args), *sorted((k, _key(v)) for k, v in kwargs.items()))
            return self.remember(key, lambda: attribute(*args, **kwargs))

        return cached

    def remember(self, key: tuple, compute):
        """The answer stored under `key` for the current data, else `compute()` stored.

        When several requests ask the same question at once (everyone opening the
        dashboard at nine), one computes and the others wait for its answer.
        """
        if self._ttl == 0:
            return compute()
        # Read before computing: an import committed meanwhile makes the next ask recompute.
        key = (self._engine.warehouse.data_version(), self._engine.today, *key)
        while True:
            with self._lock:
                hit = self._answers.get(key)
                if hit is not None and (self._ttl is None or time.monotonic() - hit[0] < self._ttl):
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


def remembered(kpis: Engine | CachedEngine, key: tuple, compute: Callable[[], T]) -> T:
    """`compute()`, kept under `key` for the data's version when `kpis` is the app's
    cached engine (a plain engine, as the CLI's, computes every time). For what the web
    derives from the engine's answers: filter pickers, freshness, the attention list's
    parts. Arguments in `key` go through the same stand-ins as the engine's questions."""
    if isinstance(kpis, CachedEngine):
        return kpis.remember(tuple(_key(part) for part in key), compute)
    return compute()


def _key(value: Any) -> Any:
    """A hashable stand-in for an argument (filters are dicts of lists)."""
    if isinstance(value, dict):
        return tuple(sorted((k, _key(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_key(v) for v in value)
    if hasattr(value, "start") and hasattr(value, "end"):  # a Period: its dates decide
        return ("period", value.start, value.end, getattr(value, "grain", None))
    return value
