"""Login throttling: after repeated wrong passwords, an account or an address waits.

Failures are counted per account name and per client address over a sliding window
(`security.login_window_minutes`); past `login_failures_per_account` (or
`login_failures_per_address`, higher: an office shares one address) every attempt is
answered 429 with Retry-After, even with the right password, until the oldest failure
leaves the window. A success clears the account's count. Counts live in the server's
memory: a restart forgets them, which costs an attacker a restart they cannot cause.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

# Beyond this many tracked keys the oldest are dropped (a flood of made-up names).
MAX_KEYS = 100_000


@dataclass(frozen=True)
class Blocked:
    by: str  # "account" or "address"
    retry_after: int  # seconds


class LoginThrottle:
    def __init__(
        self,
        per_account: int,
        per_address: int,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = {"account": per_account, "address": per_address}
        self.window = window_seconds
        self.clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, username: str, address: str | None) -> Blocked | None:
        """Whether an attempt for `username` from `address` must wait, and how long."""
        now = self.clock()
        with self._lock:
            for key in self._keys(username, address):
                failures = self._recent(key, now)
                if len(failures) >= self.limits[key[0]]:
                    wait = failures[-self.limits[key[0]]] + self.window - now
                    return Blocked(key[0], max(1, math.ceil(wait)))
        return None

    def failed(self, username: str, address: str | None) -> Blocked | None:
        """Count a wrong password; the block it starts, if this failure starts one."""
        now = self.clock()
        with self._lock:
            if len(self._failures) > MAX_KEYS:
                for key in list(self._failures)[: MAX_KEYS // 10]:
                    del self._failures[key]
            for key in self._keys(username, address):
                self._failures.setdefault(key, deque()).append(now)
        return self.blocked(username, address)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(("account", username.strip().lower()), None)

    def _keys(self, username: str, address: str | None) -> list[tuple[str, str]]:
        keys = [("account", username.strip().lower())]
        if address:
            keys.append(("address", address))
        return keys

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        failures = self._failures.get(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures
