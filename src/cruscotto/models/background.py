"""A model trained in a background thread whenever the data it reads changed (after an
import); the previous result serves until the new one is ready (None before the first).

A model whose result can be written as JSON (`to_state`, and the class's `from_state`)
keeps it in the database (cruscotto.models.store, `model_states`) with the data version it
was trained on: after a restart the kept result serves at once, and a training starts only
when the data changed since.

Who owns the threads decides how they start: the web app passes its tracked starter
(cruscotto.web.background), so a shutdown or a test fixture can wait for a training before
closing the database; the CLI uses plain threads and waits itself.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from cruscotto.engine import Engine
from cruscotto.models.store import load_state, save_state

log = logging.getLogger("cruscotto.models")

Result = TypeVar("Result")


class ThreadStarter(Protocol):
    def __call__(self, target: Callable[..., object], *args, name: str) -> threading.Thread: ...


def plain_thread(target: Callable[..., object], *args, name: str) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, name=name, daemon=True)
    thread.start()
    return thread


def table_version(engine: Engine, name: str, column: str) -> str:
    """A table's rows and latest stamp: enough to notice an import."""
    table = engine.table(name)
    row = engine.execute(table.aggregate(n=table.count(), last=table[column].max())).iloc[0]
    return f"{name}:{int(row.n)}:{row['last']}"


class BackgroundModel(Generic[Result]):
    name = "model"
    # The result's class when it can be kept across restarts (to_state / from_state).
    kept: type | None = None

    def __init__(
        self,
        compute: Callable[[Engine], Result],
        version: Callable[[Engine], str],
        start: ThreadStarter = plain_thread,
    ) -> None:
        self._compute = compute
        self._version = version
        self._start = start
        self._result: Result | None = None
        self._result_version: str | None = None
        self._training: threading.Thread | None = None
        self._lock = threading.Lock()
        self._looked_up = False
        self.error: str | None = None

    def current(self, engine: Engine, *, wait: bool = False) -> Result | None:
        """The latest result; starts a retraining when the data changed since it."""
        version = self._version(engine)
        self._load_kept(engine)
        with self._lock:
            fresh = self._result is not None and self._result_version == version
            if not fresh and (self._training is None or not self._training.is_alive()):
                self._training = self._start(
                    self._train, engine, version, name=f"cruscotto-train-{self.name}"
                )
            training = self._training
        if wait and training is not None and not fresh:
            training.join()
        return self._result

    def refresh(self, engine: Engine) -> Result | None:
        """Retrain now if the data changed (after an import), in the caller's thread; the
        previous result serves meanwhile."""
        version = self._version(engine)
        self._load_kept(engine)
        with self._lock:
            if self._result is not None and self._result_version == version:
                return self._result
            running = self._training if self._training and self._training.is_alive() else None
            if running is None:  # requests meanwhile see this training and wait for it
                self._training = threading.current_thread()
        if running is not None:  # a training started by a request: wait for it instead
            running.join()
            return self.refresh(engine)
        self._train(engine, version)
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
        if self.kept is not None:
            try:
                save_state(
                    engine.warehouse.state_store,
                    self.name,
                    trained_at=result.trained_at,
                    data_version=version,
                    state=result.to_state(),
                )
            except Exception:  # noqa: BLE001 — the model serves; it is only not kept
                log.warning("keeping the %s model failed", self.name, exc_info=True)

    def _load_kept(self, engine: Engine) -> None:
        """Once, before the first result: the kept one, with its data version."""
        with self._lock:
            if self._looked_up or self.kept is None:
                return
            self._looked_up = True
            try:
                found = load_state(engine.warehouse.state_store, self.name)
                if found is not None and self._result is None:
                    self._result_version, state = found
                    self._result = self.kept.from_state(state)
            except Exception:  # noqa: BLE001 — an unreadable state is retrained
                log.warning("the kept %s model could not be read", self.name, exc_info=True)
                self._result, self._result_version = None, None
