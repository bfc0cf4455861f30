"""The web app's own tables: users, API tokens, sessions and generated secrets.

They are declared with the same `Table`/`Column` classes as the canonical model, but they
are not part of it (they hold no business data), so they live here and are created on
first use rather than by `Warehouse.create_schema`. They are tiny, so a change rewrites
the whole table inside one transaction: plain Ibis inserts, no SQL strings.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pyarrow as pa

from cruscotto.model import Column as C
from cruscotto.model import Table
from cruscotto.warehouse import Warehouse, conform

ROLES = ("admin", "manager", "rep", "viewer")
LANGUAGES = ("en", "it", "pt")

USERS = Table(
    "web_users",
    "A person who can log in to the web app and the JSON API.",
    (
        C("username", "string", "Login name", nullable=False),
        C("password_hash", "string", "argon2id hash of the password", nullable=False),
        C("role", "string", "admin, manager, rep or viewer", nullable=False, allowed=ROLES),
        C("rep_id", "string", "For a rep: the person in `reps` whose numbers they see"),
        C("teams", "string", "For a manager: comma-separated teams they manage"),
        C("language", "string", "Preferred language", nullable=False, allowed=LANGUAGES),
        C("created_at", "timestamp", "When the user was added (UTC)", nullable=False),
        C("email", "string", "Where alerts and digests are sent"),
    ),
    primary_key=("username",),
)

API_TOKENS = Table(
    "web_tokens",
    "A bearer token for the JSON API; only its SHA-256 digest is stored.",
    (
        C("token_id", "string", "Public id of the token (to list and revoke it)", nullable=False),
        C("token_sha256", "string", "Hex SHA-256 digest of the token", nullable=False),
        C("username", "string", "Owner of the token", nullable=False),
        C("name", "string", "What the token is for, as its owner named it"),
        C("created_at", "timestamp", "When the token was issued (UTC)", nullable=False),
        C("expires_at", "timestamp", "When it stops working (UTC); empty: never"),
        C("last_used_at", "timestamp", "Last request made with it (UTC, to the minute)"),
        C("revoked_at", "timestamp", "When it was revoked (UTC)"),
    ),
    primary_key=("token_id",),
)
# Tokens of earlier versions: no expiry, no name, no way to revoke one; dropped on start.
OLD_API_TOKENS = "web_api_tokens"

SESSIONS = Table(
    "web_sessions",
    "A logged-in browser: ended by logout, by removing the user, or by expiry.",
    (
        C("session_sha256", "string", "Hex SHA-256 digest of the session cookie", nullable=False),
        C("username", "string", "Who logged in", nullable=False),
        C("csrf_token", "string", "The token every form and POST of the session carries"),
        C("created_at", "timestamp", "Login time (UTC)", nullable=False),
        C("seen_at", "timestamp", "Last request (UTC, to the minute)", nullable=False),
        C("address", "string", "The client's address at login"),
    ),
    primary_key=("session_sha256",),
)

SECRETS = Table(
    "web_secrets",
    "Secrets generated on first start.",
    (
        C("name", "string", "What the secret is for", nullable=False),
        C("value", "string", "The secret", nullable=False),
    ),
    primary_key=("name",),
)

WEB_TABLES = (USERS, API_TOKENS, SESSIONS, SECRETS)


def ensure_tables(warehouse: Warehouse) -> None:
    """Create the web tables that are missing (idempotent); a users table made by an
    older version gets the columns added since (e-mail), its rows kept."""
    warehouse.ensure_tables(WEB_TABLES)
    with warehouse.lock:
        if OLD_API_TOKENS in warehouse.con.list_tables():
            warehouse.con.drop_table(OLD_API_TOKENS)
    _add_missing_columns(warehouse, USERS)


def _add_missing_columns(warehouse: Warehouse, declared: Table) -> None:
    with warehouse.lock:
        existing = warehouse.con.table(declared.name)
        if set(declared.column_names) <= set(existing.columns):
            return
        rows = existing.to_pyarrow().to_pylist()
        with warehouse.transaction():
            warehouse.con.create_table(declared.name, schema=declared.ibis_schema(), overwrite=True)
            warehouse.app_columns_changed()
            if rows:
                data = pa.Table.from_pylist(rows, schema=_arrow_schema(declared))
                warehouse.append(declared.name, conform(declared, data))


def read_rows(warehouse: Warehouse, declared: Table) -> list[dict]:
    return warehouse.to_pyarrow(warehouse.app_table(declared)).to_pylist()


def replace_rows(warehouse: Warehouse, contents: dict[Table, list[dict]]) -> None:
    """Make each list of rows the whole content of its table, all in one transaction."""
    prepared = {
        declared.name: conform(declared, pa.Table.from_pylist(rows, schema=_arrow_schema(declared)))
        for declared, rows in contents.items()
    }
    with warehouse.transaction(app_state=True):  # no KPI reads the web's own tables
        for name, data in prepared.items():
            warehouse.truncate(name)
            warehouse.append(name, data)


def _arrow_schema(declared: Table) -> pa.Schema:
    schema = declared.ibis_schema().to_pyarrow()
    return pa.schema([f.with_nullable(True) for f in schema])


def digest(secret: str) -> str:
    """What is stored of a token or session id: its hex SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()


def utc_now() -> datetime:
    """Now, as the naive UTC timestamp the tables store."""
    return datetime.now(UTC).replace(tzinfo=None)
