"""Where alerts live: firings, what still holds, each user's inbox and marks.

Append-only where history matters (a firing, an inbox entry, a read/acknowledge/snooze
mark are never rewritten, so "who knew what when" stays answerable); `alert_state` —
one row per alert that holds or held, the de-duplication memory — is small and
rewritten by each evaluation inside its transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import ibis
import pyarrow as pa

from cruscotto.model import Column as C
from cruscotto.model import Table
from cruscotto.warehouse import Warehouse, conform

ALERT_FIRINGS = Table(
    "alert_firings",
    "An alert sent: the rule, the scope and record, the numbers that made it fire, a link.",
    (
        C("firing_id", "string", "Identifier of the firing", nullable=False),
        C("rule_id", "string", "The rule", nullable=False),
        C("rule_name", "string", "The rule's name when it fired", nullable=False),
        C("kind", "string", "The rule's kind", nullable=False),
        C("kpi", "string", "The KPI, for KPI rules"),
        C("key", "string", "Same alert, same key: rule, scope and record", nullable=False),
        C("severity", "string", "info, warning or critical", nullable=False),
        C("fired_at", "timestamp", "When it fired (UTC)", nullable=False),
        C("period", "string", "The period judged (KPI rules)"),
        C("subject", "string", "The record (deal, ticket, account, table) or scope value"),
        C("subject_label", "string", "What people call the record or scope"),
        C("rep_id", "string", "The rep whose own scope it is in"),
        C("team", "string", "The team whose scope it is in"),
        C("numbers", "string", "The numbers that made it fire, as JSON", nullable=False),
        C("link", "string", "The page that shows them"),
        C("reminder", "bool", "A reminder of an alert still holding", nullable=False),
    ),
    primary_key=("firing_id",),
)

ALERT_STATE = Table(
    "alert_state",
    "Alerts that hold or held: when first and last sent, and when they cleared.",
    (
        C("key", "string", "The alert's key", nullable=False),
        C("rule_id", "string", "The rule", nullable=False),
        C("holding", "bool", "Whether the condition held at the last evaluation", nullable=False),
        C("first_fired_at", "timestamp", "When it started holding (UTC)", nullable=False),
        C("last_sent_at", "timestamp", "When it was last sent (UTC)", nullable=False),
        C("last_firing_id", "string", "The latest firing of it", nullable=False),
        C("cleared_at", "timestamp", "When it stopped holding (UTC)"),
    ),
    primary_key=("key",),
)

ALERT_INBOX = Table(
    "alert_inbox",
    "A firing delivered to a user's in-app inbox.",
    (
        C("firing_id", "string", "The firing", nullable=False),
        C("username", "string", "The user", nullable=False),
        C("delivered_at", "timestamp", "When it reached the inbox (UTC)", nullable=False),
    ),
)

MARKS = ("read", "acknowledge", "snooze")
ALERT_MARKS = Table(
    "alert_marks",
    "What a user did with an alert: read, acknowledged, snoozed until when.",
    (
        C("firing_id", "string", "The firing", nullable=False),
        C("key", "string", "The alert's key (acknowledging covers its reminders)", nullable=False),
        C("username", "string", "The user", nullable=False),
        C("action", "string", "read, acknowledge or snooze", nullable=False, allowed=MARKS),
        C("until", "timestamp", "For a snooze: until when (UTC)"),
        C("at", "timestamp", "When (UTC)", nullable=False),
    ),
)

STORE_TABLES = (ALERT_FIRINGS, ALERT_STATE, ALERT_INBOX, ALERT_MARKS)


@dataclass(frozen=True)
class Firing:
    firing_id: str
    rule_id: str
    rule_name: str
    kind: str
    key: str
    severity: str
    fired_at: dt.datetime
    kpi: str | None = None
    period: str | None = None
    subject: str | None = None
    subject_label: str | None = None
    rep_id: str | None = None
    team: str | None = None
    numbers: dict[str, Any] = field(default_factory=dict)
    link: str | None = None
    reminder: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["fired_at"] = self.fired_at.isoformat()
        return data

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Firing:
        values = {name: row.get(name) for name in cls.__dataclass_fields__}
        values["numbers"] = json.loads(row["numbers"] or "{}")
        values["reminder"] = bool(row["reminder"])
        return cls(**values)


@dataclass(frozen=True)
class State:
    key: str
    rule_id: str
    holding: bool
    first_fired_at: dt.datetime
    last_sent_at: dt.datetime
    last_firing_id: str
    cleared_at: dt.datetime | None = None


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def ensure_tables(warehouse: Warehouse) -> None:
    warehouse.ensure_tables(STORE_TABLES)


def app_table(warehouse: Warehouse, declared: Table) -> ibis.Table:
    """An app table (created if missing), read under the connection's lock: the
    scheduler's thread and the web's share one DuckDB connection."""
    warehouse.ensure_tables([declared])
    with warehouse.lock:
        return warehouse.con.table(declared.name)


def append(warehouse: Warehouse, declared: Table, rows: Iterable[Mapping[str, Any]]) -> None:
    rows = [dict(r) for r in rows]
    if rows:
        warehouse.append(declared.name, conform(declared, _arrow(declared, rows)))


def latest_attempts(warehouse: Warehouse, declared: Table, key: str) -> list[dict[str, Any]]:
    """The newest row per `key` of an attempts log (a delivery's or a digest's current
    state): attempts are appended, never rewritten, so the highest `attempt` is the state."""
    table = app_table(warehouse, declared)
    order = ibis.window(group_by=table[key], order_by=table.attempt.desc())
    newest = table.mutate(rank=ibis.row_number().over(order)).filter(ibis._.rank == 0)
    return warehouse.to_pyarrow(newest.drop("rank")).to_pylist()


def replace_all(warehouse: Warehouse, declared: Table, rows: Iterable[Mapping[str, Any]]) -> None:
    """Make `rows` the whole table (call inside a transaction)."""
    warehouse.truncate(declared.name)
    append(warehouse, declared, rows)


def firing_row(firing: Firing) -> dict[str, Any]:
    row = {name: getattr(firing, name) for name in firing.__dataclass_fields__}
    row["numbers"] = json.dumps(firing.numbers, default=str, sort_keys=True)
    return row


def states(warehouse: Warehouse) -> dict[str, State]:
    table = app_table(warehouse, ALERT_STATE)
    return {r["key"]: State(**r) for r in warehouse.to_pyarrow(table).to_pylist()}


def firings(
    warehouse: Warehouse, ids: Iterable[str] | None = None, *, limit: int | None = None
) -> list[Firing]:
    """Firings, newest first (only `ids` when given)."""
    table = app_table(warehouse, ALERT_FIRINGS)
    if ids is not None:
        wanted = list(ids)
        if not wanted:
            return []
        table = table.filter(table.firing_id.isin(wanted))
    query = table.order_by([table.fired_at.desc(), table.firing_id])
    if limit is not None:
        query = query.limit(limit)
    return [Firing.from_row(r) for r in warehouse.to_pyarrow(query).to_pylist()]


@dataclass(frozen=True)
class InboxEntry:
    firing: Firing
    read: bool
    acknowledged: bool
    snoozed_until: dt.datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.firing.to_dict(),
            "read": self.read,
            "acknowledged": self.acknowledged,
            "snoozed_until": self.snoozed_until.isoformat() if self.snoozed_until else None,
        }


def inbox(
    warehouse: Warehouse, username: str, *, now: dt.datetime | None = None, limit: int = 200
) -> list[InboxEntry]:
    """The user's alerts, newest first, with what they did with each (a snooze that
    has run out no longer counts; acknowledging an alert covers all its reminders)."""
    now = now or utc_now()
    ensure_tables(warehouse)
    box = app_table(warehouse, ALERT_INBOX)
    mine = box.filter(box.username == username)
    fired = app_table(warehouse, ALERT_FIRINGS)
    joined = fired.join(mine, "firing_id").select(fired)
    query = joined.order_by([joined.fired_at.desc(), joined.firing_id]).limit(limit)
    rows = [Firing.from_row(r) for r in warehouse.to_pyarrow(query).to_pylist()]
    marks = _marks(warehouse, username)
    entries = []
    for firing in rows:
        read = (firing.firing_id, "read") in marks["firing"]
        acknowledged = (firing.key, "acknowledge") in marks["key"]
        until = marks["snooze"].get(firing.key)
        entries.append(
            InboxEntry(
                firing,
                read=read or acknowledged,
                acknowledged=acknowledged,
                snoozed_until=until if until and until > now else None,
            )
        )
    return entries


def unread_count(warehouse: Warehouse, username: str, *, now: dt.datetime | None = None) -> int:
    return sum(
        1 for e in inbox(warehouse, username, now=now) if not e.read and e.snoozed_until is None
    )


def _marks(warehouse: Warehouse, username: str) -> dict[str, Any]:
    table = app_table(warehouse, ALERT_MARKS)
    rows = warehouse.to_pyarrow(table.filter(table.username == username)).to_pylist()
    found: dict[str, Any] = {"firing": set(), "key": set(), "snooze": {}}
    for row in sorted(rows, key=lambda r: r["at"]):
        found["firing"].add((row["firing_id"], row["action"]))
        found["key"].add((row["key"], row["action"]))
        if row["action"] == "snooze":
            found["snooze"][row["key"]] = row["until"]
    return found


def mark(
    warehouse: Warehouse,
    username: str,
    firing_id: str,
    action: str,
    *,
    until: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Firing:
    """Record that `username` read, acknowledged or snoozed one of their alerts.
    Only an alert in their own inbox can be marked (LookupError otherwise)."""
    if action not in MARKS:
        raise ValueError(f"unknown action {action!r}; use one of {', '.join(MARKS)}")
    if action == "snooze" and until is None:
        raise ValueError("a snooze needs an end")
    ensure_tables(warehouse)
    box = app_table(warehouse, ALERT_INBOX)
    delivered = warehouse.execute(
        box.filter(box.username == username, box.firing_id == firing_id).count()
    )
    if not delivered:
        raise LookupError(f"no alert {firing_id!r} in {username}'s inbox")
    (firing,) = firings(warehouse, [firing_id])
    row = {
        "firing_id": firing_id,
        "key": firing.key,
        "username": username,
        "action": action,
        "until": until,
        "at": now or utc_now(),
    }
    append(warehouse, ALERT_MARKS, [row])
    return firing


def quiet_for(warehouse: Warehouse, key: str, now: dt.datetime) -> set[str]:
    """Users who asked not to hear about alert `key` again for now: acknowledged it (until
    it clears: a new firing after a clear has a new state) or snoozed it."""
    table = app_table(warehouse, ALERT_MARKS)
    state = states(warehouse).get(key)
    since = state.first_fired_at if state else dt.datetime.min
    rows = warehouse.to_pyarrow(
        table.filter(table.key == key, table.at >= ibis.literal(since))
    ).to_pylist()
    quiet = set()
    for row in rows:
        if row["action"] == "acknowledge" or (
            row["action"] == "snooze" and row["until"] and row["until"] > now
        ):
            quiet.add(row["username"])
    return quiet


def _arrow(declared: Table, rows: list[dict]) -> pa.Table:
    schema = pa.schema([f.with_nullable(True) for f in declared.ibis_schema().to_pyarrow()])
    return pa.Table.from_pylist([{k: r.get(k) for k in schema.names} for r in rows], schema=schema)
