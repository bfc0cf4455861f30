"""The audit trail: every change a user makes (imports, users, tokens, settings, targets,
goals, alert rules) is recorded with who made it, when, from where, and old → new.

One home for it, so that every write path records the same facts the same way; the
settings page and `cruscotto audit` (or the admin's audit page) read it back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from cruscotto.model import Column as C
from cruscotto.model import Table
from cruscotto.warehouse import Warehouse, conform

AUDIT_LOG = Table(
    "audit_log",
    "A change made by a user: who, when, from where, what, and the values before and after.",
    (
        C("at", "timestamp", "When the change was applied (UTC)", nullable=False),
        C(
            "username",
            "string",
            "Who made it (a user name, or `cli:` + the OS user)",
            nullable=False,
        ),
        C("address", "string", "Where from: the client's IP address, or `cli`"),
        C(
            "action",
            "string",
            "What kind of change, e.g. `import`, `user.add`, `goal.set`",
            nullable=False,
        ),
        C("target", "string", "What was changed, e.g. a table, a user name, a goal"),
        C("before", "string", "The old value, as JSON (empty for a creation)"),
        C("after", "string", "The new value, as JSON (empty for a removal)"),
    ),
)


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    username: str
    address: str | None
    action: str
    target: str | None
    before: Any
    after: Any


def record(
    warehouse: Warehouse,
    *,
    username: str,
    action: str,
    target: str | None = None,
    before: Any = None,
    after: Any = None,
    address: str | None = None,
) -> None:
    """Append one entry; call inside the change's own transaction so both land or neither."""
    warehouse = warehouse.state_store
    warehouse.ensure_tables([AUDIT_LOG])
    row = {
        "at": datetime.now(UTC).replace(tzinfo=None),
        "username": username,
        "address": address,
        "action": action,
        "target": target,
        "before": _as_json(before),
        "after": _as_json(after),
    }
    warehouse.append(AUDIT_LOG.name, conform(AUDIT_LOG, pa.Table.from_pylist([row])))


def entries(warehouse: Warehouse, *, limit: int = 200) -> list[AuditEntry]:
    """The latest `limit` entries, newest first."""
    warehouse = warehouse.state_store
    warehouse.ensure_tables([AUDIT_LOG])
    log = warehouse.con.table(AUDIT_LOG.name)
    rows = warehouse.to_pyarrow(log.order_by(log.at.desc()).limit(limit)).to_pylist()
    return [
        AuditEntry(
            r["at"],
            r["username"],
            r["address"],
            r["action"],
            r["target"],
            _from_json(r["before"]),
            _from_json(r["after"]),
        )
        for r in rows
    ]


def _as_json(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        value = dict(value)
    return json.dumps(value, default=str, ensure_ascii=False, sort_keys=True)


def _from_json(text: str | None) -> Any:
    return None if text is None else json.loads(text)
