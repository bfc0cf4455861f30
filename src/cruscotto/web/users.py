"""Users, their passwords and API tokens (SPEC §8).

Passwords are hashed with argon2id; API tokens are random and only their SHA-256 digest
is kept, so a copy of the database gives away neither. A token has an id (to list and
revoke it), a name, an expiry and its last use.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cruscotto.refusal import Refusal
from cruscotto.warehouse import Warehouse
from cruscotto.web.passwords import WeakPassword, check_password
from cruscotto.web.storage import (
    API_TOKENS,
    LANGUAGES,
    ROLES,
    SESSIONS,
    USERS,
    digest,
    ensure_tables,
    read_rows,
    replace_rows,
    utc_now,
)

# argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): ≈0.1 s per check
# on a small server, where argon2-cffi's defaults (64 MiB, 3 passes) take ≈0.8 s.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
DEFAULT_TOKEN_LIFE = timedelta(days=90)
LAST_USE_PRECISION = timedelta(minutes=1)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class UserError(Refusal):
    """A user-management request that cannot be done (unknown role, duplicate name…)."""


@dataclass(frozen=True)
class TokenInfo:
    """What is known about an API token (never the token itself)."""

    token_id: str
    username: str
    name: str | None
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def from_row(cls, row: dict) -> TokenInfo:
        return cls(*(row[f] for f in cls.__dataclass_fields__))

    def status(self, now: datetime | None = None) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= (now or utc_now()):
            return "expired"
        return "active"


@dataclass(frozen=True)
class IssuedToken:
    info: TokenInfo
    token: str  # shown once


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
        warehouse = self.warehouse = warehouse.state_store
        self.ttl = ttl
        self._copies: dict[str, tuple[float, list[dict]]] = {}
        self._used: dict[str, datetime] = {}  # token id -> last use not yet written
        self._used_saved: datetime | None = None
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
            raise UserError("the user name is empty", code="user_name")
        if role not in ROLES:
            raise UserError(f"unknown role {role!r}; the roles are {', '.join(ROLES)}")
        if role == "rep" and not rep_id:
            raise UserError(
                "a rep user needs --rep-id: the rep_id whose numbers they see", code="rep_needs_rep"
            )
        if role == "manager" and not teams:
            raise UserError(
                "a manager needs at least one --team they manage", code="manager_needs_team"
            )
        if language not in LANGUAGES:
            raise UserError(f"unknown language {language!r}; use one of {', '.join(LANGUAGES)}")
        try:
            check_password(password, username)
        except WeakPassword as exc:
            raise UserError(str(exc)) from None
        row = {
            "username": username,
            "password_hash": _hasher.hash(password),
            "role": role,
            "rep_id": rep_id if role == "rep" else None,
            "teams": ",".join(teams) if role == "manager" else None,
            "language": language,
            "created_at": utc_now(),
            "email": email,
        }
        with self.warehouse.lock:
            rows = read_rows(self.warehouse, USERS)
            if any(r["username"] == username for r in rows):
                raise UserError(
                    f"user {username!r} already exists; remove it first",
                    code="user_exists",
                    name=username,
                )
            self._write({USERS: [*rows, row]})
        return User.from_row(row)

    def change(
        self,
        username: str,
        role: str,
        *,
        rep_id: str | None = None,
        teams: list[str] | tuple[str, ...] = (),
    ) -> User:
        """A user's new role and scope (a rep's rep_id, a manager's teams); their sessions
        end, so the new scope applies from the next request on."""
        if role not in ROLES:
            raise UserError(f"unknown role {role!r}; the roles are {', '.join(ROLES)}")
        if role == "rep" and not rep_id:
            raise UserError(
                "a rep user needs --rep-id: the rep_id whose numbers they see", code="rep_needs_rep"
            )
        if role == "manager" and not teams:
            raise UserError(
                "a manager needs at least one --team they manage", code="manager_needs_team"
            )
        with self.warehouse.lock:
            rows = read_rows(self.warehouse, USERS)
            found = [r for r in rows if r["username"] == username]
            if not found:
                raise UserError(f"no user named {username!r}")
            changed = {
                **found[0],
                "role": role,
                "rep_id": rep_id if role == "rep" else None,
                "teams": ",".join(teams) if role == "manager" else None,
            }
            sessions = read_rows(self.warehouse, SESSIONS)
            self._write(
                {
                    USERS: [changed if r["username"] == username else r for r in rows],
                    SESSIONS: [t for t in sessions if t["username"] != username],
                }
            )
        return User.from_row(changed)

    def remove(self, username: str) -> None:
        with self.warehouse.lock:
            rows = read_rows(self.warehouse, USERS)
            if not any(r["username"] == username for r in rows):
                raise UserError(f"no user named {username!r}")
            tokens = read_rows(self.warehouse, API_TOKENS)
            sessions = read_rows(self.warehouse, SESSIONS)
            self._write(
                {
                    USERS: [r for r in rows if r["username"] != username],
                    API_TOKENS: [t for t in tokens if t["username"] != username],
                    SESSIONS: [t for t in sessions if t["username"] != username],
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

    def issue_token(
        self, username: str, *, name: str = "", expires_in: timedelta | None = DEFAULT_TOKEN_LIFE
    ) -> IssuedToken:
        """A new bearer token for `username` (`expires_in` None: it never expires).

        The token is returned once; only its digest is kept.
        """
        if self.get(username) is None:
            raise UserError(f"no user named {username!r}")
        token_id = "t" + secrets.token_hex(4)
        token = f"{token_id}.{secrets.token_urlsafe(32)}"
        now = utc_now()
        row = {
            "token_id": token_id,
            "token_sha256": digest(token),
            "username": username,
            "name": name or None,
            "created_at": now,
            "expires_at": now + expires_in if expires_in is not None else None,
            "last_used_at": None,
            "revoked_at": None,
        }
        with self.warehouse.lock:
            rows = read_rows(self.warehouse, API_TOKENS)
            self._write({API_TOKENS: [*rows, row]})
        return IssuedToken(TokenInfo.from_row(row), token)

    def tokens(self, username: str | None = None) -> list[TokenInfo]:
        """The tokens (of `username`, or everyone's), newest first, revoked ones included."""
        rows = [r for r in self._rows(API_TOKENS) if username in (None, r["username"])]
        infos = [TokenInfo.from_row(self._with_last_use(r)) for r in rows]
        return sorted(infos, key=lambda t: t.created_at, reverse=True)

    def revoke(self, token_id: str) -> TokenInfo:
        """Stop a token working at once (kept in the list, marked revoked)."""
        with self.warehouse.lock:
            rows = read_rows(self.warehouse, API_TOKENS)
            found = [r for r in rows if r["token_id"] == token_id]
            if not found:
                raise UserError(f"no token {token_id!r}; `cruscotto user tokens` lists them")
            if found[0]["revoked_at"] is None:
                found[0]["revoked_at"] = utc_now()
                self._write({API_TOKENS: rows})
        return TokenInfo.from_row(found[0])

    def user_for_token(self, token: str) -> User | None:
        """The token's user, if the token exists, is not revoked and has not expired."""
        wanted = digest(token)
        now = utc_now()
        for row in self._rows(API_TOKENS):
            if not secrets.compare_digest(row["token_sha256"], wanted):
                continue
            expired = row["expires_at"] is not None and row["expires_at"] <= now
            if row["revoked_at"] is not None or expired:
                return None
            self._used[row["token_id"]] = now
            self._save_last_use(now)
            return self.get(row["username"])
        return None

    def _with_last_use(self, row: dict) -> dict:
        used = self._used.get(row["token_id"])
        if used is not None and (row["last_used_at"] is None or used > row["last_used_at"]):
            row["last_used_at"] = used
        return row

    def _save_last_use(self, now: datetime) -> None:
        # Written at most once a minute: a busy API client must not cause a write per call.
        if self._used_saved is not None and now - self._used_saved < LAST_USE_PRECISION:
            return
        self._used_saved = now
        with self.warehouse.lock:
            rows = [self._with_last_use(r) for r in read_rows(self.warehouse, API_TOKENS)]
            self._write({API_TOKENS: rows})


def _checked_email(email: str | None) -> str | None:
    email = (email or "").strip()
    if not email:
        return None
    if not _EMAIL.match(email):
        raise UserError(
            f"{email!r} is not an e-mail address (write name@example.com)",
            code="email",
            email=email,
        )
    return email
