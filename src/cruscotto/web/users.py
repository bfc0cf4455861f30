"""Users, their passwords and API tokens (SPEC §8).

Passwords are hashed with argon2id (argon2-cffi's defaults); API tokens are random and
only their SHA-256 digest is kept, so a copy of the database gives away neither.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cruscotto.warehouse import Warehouse
from cruscotto.web.storage import (
    API_TOKENS,
    LANGUAGES,
    ROLES,
    SECRETS,
    USERS,
    ensure_tables,
    read_rows,
    replace_rows,
)

# argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): ≈0.1 s per check
# on a small server, where argon2-cffi's defaults (64 MiB, 3 passes) take ≈0.8 s.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
SESSION_SECRET = "session_signing_key"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class UserError(ValueError):
    """A user-management request that cannot be done (unknown role, duplicate name…)."""


@dataclass(frozen=True)
class User:
    username: str
    role: str
    rep_id: str | None = None
    teams: tuple[str, ...] = ()
    language: str = "en"
    email: str | None = None

    @classmethod
    def from_row(cls, row: dict) -> User:
        teams = tuple(t.strip() for t in (row.get("teams") or "").split(",") if t.strip())
        return cls(
            row["username"],
            row["role"],
            row.get("rep_id"),
            teams,
            row["language"],
            row.get("email"),
        )


class UserStore:
    """Everything the app and the CLI do with users, on one warehouse.

    Every request looks its user up, so the users and tokens tables are kept in memory
    for `ttl` seconds; a change made through this store refreshes them at once (another
    process's change — only possible on PostgreSQL — shows within `ttl`).
    """

    def __init__(self, warehouse: Warehouse, ttl: float = 5.0) -> None:
        self.warehouse = warehouse
        self.ttl = ttl
        self._copies: dict[str, tuple[float, list[dict]]] = {}
        ensure_tables(warehouse)

    def _rows(self, declared) -> list[dict]:
        copy = self._copies.get(declared.name)
        if copy is None or time.monotonic() - copy[0] > self.ttl:
            copy = (time.monotonic(), read_rows(self.warehouse, declared))
            self._copies[declared.name] = copy
        return [dict(row) for row in copy[1]]

    def _write(self, contents: dict) -> None:
        self._copies.clear()
        replace_rows(self.warehouse, contents)

    # -- users ----------------------------------------------------------------------------

    def add(
        self,
        username: str,
        password: str,
        role: str,
        *,
        rep_id: str | None = None,
        teams: list[str] | tuple[str, ...] = (),
        language: str = "en",
        email: str | None = None,
    ) -> User:
        username = username.strip()
        email = _checked_email(email)
        if not username:
            raise UserError("the user name is empty")
        if role not in ROLES:
            raise UserError(f"unknown role {role!r}; the roles are {', '.join(ROLES)}")
        if role == "rep" and not rep_id:
            raise UserError("a rep user needs --rep-id: the rep_id whose numbers they see")
        if role == "manager" and not teams:
            raise UserError("a manager needs at least one --team they manage")
        if language not in LANGUAGES:
            raise UserError(f"unknown language {language!r}; use one of {', '.join(LANGUAGES)}")
        if len(password) < 8:
            raise UserError("the password must have at least 8 characters")
        row = {
            "username": username,
            "password_hash": _hasher.hash(password),
            "role": role,
            "rep_id": rep_id if role == "rep" else None,
            "teams": ",".join(teams) if role == "manager" else None,
            "language": language,
            "created_at": _now(),
            "email": email,
        }
        with self.warehouse.lock:
            rows = read_rows(self.warehouse, USERS)
            if any(r["username"] == username for r in rows):
                raise UserError(f"user {username!r} already exists; remove it first")
            self._write({USERS: [*rows, row]})
        return User.from_row(row)

    def remove(self, username: str) -> None:
        with self.warehouse.lock:
            rows = read_rows(self.warehouse, USERS)
            if not any(r["username"] == username for r in rows):
                raise UserError(f"no user named {username!r}")
            tokens = read_rows(self.warehouse, API_TOKENS)
            self._write(
                {
                    USERS: [r for r in rows if r["username"] != username],
                    API_TOKENS: [t for t in tokens if t["username"] != username],
                },
            )

    def list(self) -> list[User]:
        return sorted(
            (User.from_row(r) for r in self._rows(USERS)),
            key=lambda u: u.username,
        )

    def get(self, username: str) -> User | None:
        for row in self._rows(USERS):
            if row["username"] == username:
                return User.from_row(row)
        return None

    def authenticate(self, username: str, password: str) -> User | None:
        """The user if the password is right, else None (same answer for unknown names)."""
        for row in self._rows(USERS):
            if row["username"] == username:
                try:
                    _hasher.verify(row["password_hash"], password)
                except (VerificationError, InvalidHashError):
                    return None
                return User.from_row(row)
        # Spend the same time as a real check so that timing does not reveal user names.
        _hasher.hash(password)
        return None

    def set_language(self, username: str, language: str) -> None:
        if language not in LANGUAGES:
            raise UserError(f"unknown language {language!r}; use one of {', '.join(LANGUAGES)}")
        with self.warehouse.lock:
            rows = read_rows(self.warehouse, USERS)
            for row in rows:
                if row["username"] == username:
                    row["language"] = language
            self._write({USERS: rows})

    def set_email(self, username: str, email: str | None) -> None:
        """Set (or with None / "" remove) the address alerts and digests go to."""
        email = _checked_email(email)
        with self.warehouse.lock:
            rows = read_rows(self.warehouse, USERS)
            if not any(r["username"] == username for r in rows):
                raise UserError(f"no user named {username!r}")
            for row in rows:
                if row["username"] == username:
                    row["email"] = email
            self._write({USERS: rows})

    # -- API tokens -----------------------------------------------------------------------

    def issue_token(self, username: str) -> str:
        if self.get(username) is None:
            raise UserError(f"no user named {username!r}")
        token = secrets.token_urlsafe(32)
        issued = {"token_sha256": _digest(token), "username": username, "created_at": _now()}
        with self.warehouse.lock:
            rows = read_rows(self.warehouse, API_TOKENS)
            self._write({API_TOKENS: [*rows, issued]})
        return token

    def user_for_token(self, token: str) -> User | None:
        digest = _digest(token)
        for row in self._rows(API_TOKENS):
            if secrets.compare_digest(row["token_sha256"], digest):
                return self.get(row["username"])
        return None

    # -- the session secret ---------------------------------------------------------------

    def session_secret(self) -> str:
        """The key that signs session cookies, generated and stored on first use."""
        with self.warehouse.lock:
            rows = read_rows(self.warehouse, SECRETS)
            for row in rows:
                if row["name"] == SESSION_SECRET:
                    return row["value"]
            value = secrets.token_urlsafe(48)
            generated = {"name": SESSION_SECRET, "value": value}
            self._write({SECRETS: [*rows, generated]})
        return value


def _checked_email(email: str | None) -> str | None:
    email = (email or "").strip()
    if not email:
        return None
    if not _EMAIL.match(email):
        raise UserError(f"{email!r} is not an e-mail address (write name@example.com)")
    return email


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
