"""Server-side sessions: the cookie holds a random id, the database holds the session.

A session ends at logout, when its user is removed (`UserStore.remove` deletes its rows),
after `security.session_idle_minutes` without a request, or `security.session_max_hours`
after login, whichever comes first; a replayed cookie of an ended session is worth
nothing. Only the SHA-256 of the id is stored, so a copy of the database opens no
session. Each session carries its CSRF token (see cruscotto.web.csrf).

The rows are kept in memory for `ttl` seconds (every request looks its session up); a
change made through this store shows at once, another process's within `ttl`. The last
request time is written at most once a minute.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from cruscotto.warehouse import Warehouse
from cruscotto.web.storage import (
    SESSIONS,
    digest,
    ensure_tables,
    read_rows,
    replace_rows,
    utc_now,
)

SEEN_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class Session:
    username: str
    csrf_token: str
    created_at: datetime
    seen_at: datetime


class SessionStore:
    def __init__(
        self,
        warehouse: Warehouse,
        *,
        idle: timedelta,
        lifetime: timedelta,
        ttl: float = 5.0,
    ) -> None:
        warehouse = self.warehouse = warehouse.state_store
        self.idle = idle
        self.lifetime = lifetime
        self.ttl = ttl
        self._copy: tuple[float, dict[str, dict]] | None = None
        ensure_tables(warehouse)

    def start(self, username: str, address: str | None) -> tuple[str, Session]:
        """A new session for `username`: (the cookie value, the session)."""
        cookie = secrets.token_urlsafe(32)
        now = utc_now()
        row = {
            "session_sha256": digest(cookie),
            "username": username,
            "csrf_token": secrets.token_urlsafe(32),
            "created_at": now,
            "seen_at": now,
            "address": address,
        }
        with self.warehouse.lock:
            # Ended sessions are swept out whenever a new one starts.
            kept = [r for r in read_rows(self.warehouse, SESSIONS) if self._alive(r, now)]
            self._save([*kept, row])
        return cookie, _session(row)

    def get(self, cookie: str | None) -> Session | None:
        """The live session of this cookie, or None (unknown, ended or expired)."""
        if not cookie:
            return None
        now = utc_now()
        row = self._rows().get(digest(cookie))
        if row is None or not self._alive(row, now):
            return None
        if now - row["seen_at"] >= SEEN_PRECISION:
            self._touch(row["session_sha256"], now)
        return _session(row)

    def end(self, cookie: str | None) -> None:
        if not cookie:
            return
        ended = digest(cookie)
        with self.warehouse.lock:
            rows = read_rows(self.warehouse, SESSIONS)
            self._save([r for r in rows if r["session_sha256"] != ended])

    def count(self, username: str) -> int:
        now = utc_now()
        return sum(
            1 for r in self._rows().values() if r["username"] == username and self._alive(r, now)
        )

    def _alive(self, row: dict, now: datetime) -> bool:
        return now - row["seen_at"] < self.idle and now - row["created_at"] < self.lifetime

    def _touch(self, digest: str, now: datetime) -> None:
        with self.warehouse.lock:
            rows = read_rows(self.warehouse, SESSIONS)
            for row in rows:
                if row["session_sha256"] == digest:
                    row["seen_at"] = now
            self._save(rows)

    def _rows(self) -> dict[str, dict]:
        if self._copy is None or time.monotonic() - self._copy[0] > self.ttl:
            rows = read_rows(self.warehouse, SESSIONS)
            self._copy = (time.monotonic(), {r["session_sha256"]: r for r in rows})
        return self._copy[1]

    def _save(self, rows: list[dict]) -> None:
        replace_rows(self.warehouse, {SESSIONS: rows})
        self._copy = (time.monotonic(), {r["session_sha256"]: r for r in rows})


def _session(row: dict) -> Session:
    return Session(row["username"], row["csrf_token"], row["created_at"], row["seen_at"])
