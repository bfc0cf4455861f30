"""A model trained in a background thread whenever the data it reads changed (after an
import); the previous result serves until the new one is ready (None before the first)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from cruscotto.engine import Engine

Result = TypeVar("Result")


def table_version(engine: Engine, name: str, column: str) -> str:
    """A table's rows and latest stamp: enough to notice an import."""
    table = engine.table(name)
    row = engine.execute(table.aggregate(n=table.count(), last=table[column].max())).iloc[0]
    return f"{name}:{int(row.n)}:{row['last']}"


class BackgroundModel(Generic[Result]):
    def __init__(
        self, compute: Callable[[Engine], Result], version: Callable[[Engine], str]
    ) -> None:
        self._compute = compute
        self._version = version
        self._result: Result | None = None
        self._result_version: str | None = None
        self._training: threading.Thread | None = None
        self._lock = threading.Lock()
        self.error: str | None = None

    def current(self, engine: Engine, *, wait: bool = False) -> Result | None:
        """The latest result; starts a retraining when the data changed since it."""
        version = self._version(engine)
        with self._lock:
            fresh = self._result is not None and self._result_version == version
            if not fresh and (self._training is None or not self._training.is_alive()):
                self._training = threading.Thread(
                    target=self._train, args=(engine, version), daemon=True
                )
                self._training.start()
            training = self._training
        if wait and training is not None and not fresh:
            training.join()
        return self._result

    @property
    def training(self) -> bool:
        return self._training is not None and self._training.is_alive()

    def _train(self, engine: Engine, version: str) -> None:
        try:
            result = self._compute(engine)
        except Exception as exc:  # noqa: BLE001 — the previous result keeps serving
            self.error = f"{type(exc).__name__}: {exc}"
            return
        with self._lock:
            self._result, self._result_version = result, version
            self.error = None
