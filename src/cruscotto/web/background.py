"""The app's background threads, in one place, so they can all be waited for.

Work the app does off a request (the warm-up, the alert evaluation and the models'
retraining after an import, a model's training on first use) is started through
`BackgroundThreads.start`. The app keeps one in `app.state.background`; the end of its
lifespan, and every test fixture before it closes the warehouse, calls `join()`: no
thread is left using a database that is about to be closed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("cruscotto.web")


class BackgroundThreads:
    def __init__(self) -> None:
        self._threads: set[threading.Thread] = set()
        self._lock = threading.Lock()

    def start(self, target: Callable[..., object], *args, name: str) -> threading.Thread:
        """Run `target(*args)` in a new thread that `join` will wait for."""

        def run() -> None:
            try:
                target(*args)
            finally:
                with self._lock:
                    self._threads.discard(threading.current_thread())

        thread = threading.Thread(target=run, name=name, daemon=True)
        with self._lock:
            self._threads.add(thread)
        thread.start()
        return thread

    def running(self) -> list[threading.Thread]:
        with self._lock:
            return [t for t in self._threads if t.is_alive()]

    def join(self, timeout: float | None = None) -> bool:
        """Wait for every thread, including those started by the ones waited for (an
        import's evaluation may start a training); True when none is left running."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while threads := [t for t in self.running() if t is not threading.current_thread()]:
            for thread in threads:
                left = None if deadline is None else max(deadline - time.monotonic(), 0)
                thread.join(left)
            if deadline is not None and time.monotonic() >= deadline:
                still = self.running()
                if still:
                    log.warning("background threads still running: %s", [t.name for t in still])
                return not still
        return True


def background(app) -> BackgroundThreads:
    """The app's background threads (created with the app, see create_app)."""
    return app.state.background
