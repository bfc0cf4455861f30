"""The web app's own tables: users, API tokens and the session-signing secret.

They are declared with the same `Table`/`Column` classes as the canonical model, but they
are not part of it (they hold no business data), so they live here and are created on
first use rather than by `Warehouse.create_schema`. They are tiny, so a change rewrites
the whole table inside one transaction: plain Ibis inserts, no SQL strings.
"""

from __future__ import annotations

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
    ),
    primary_key=("username",),
)

API_TOKENS = Table(
    "web_api_tokens",
    "A bearer token for the JSON API; only its SHA-256 digest is stored.",
    (
        C("token_sha256", "string", "Hex SHA-256 digest of the token", nullable=False),
        C("username", "string", "Owner of the token", nullable=False),
        C("created_at", "timestamp", "When the token was issued (UTC)", nullable=False),
    ),
    primary_key=("token_sha256",),
)

SECRETS = Table(
    "web_secrets",
    "Secrets generated on first start (the key that signs session cookies).",
    (
        C("name", "string", "What the secret is for", nullable=False),
        C("value", "string", "The secret", nullable=False),
    ),
    primary_key=("name",),
)

WEB_TABLES = (USERS, API_TOKENS, SECRETS)


def ensure_tables(warehouse: Warehouse) -> None:
    """Create the web tables that are missing (idempotent)."""
    warehouse.ensure_tables(WEB_TABLES)


def read_rows(warehouse: Warehouse, declared: Table) -> list[dict]:
    return warehouse.to_pyarrow(warehouse.con.table(declared.name)).to_pylist()


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
