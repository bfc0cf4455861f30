"""Each user's own overview: the KPIs they pinned, in the order they chose.

The overview shows a user's pinned KPIs first, in their order, above the four areas
(issue 10, item 5: "a user can pin KPIs and order their own overview"). Pins are personal,
like the language: every user — a viewer too — changes only their own (the username comes
from the session, never from the request), and only with KPIs they may see. They live in
`web_pins`, one row per user and KPI with its place; a change rewrites the user's list in
one transaction with its audit entry (`pins.set`, before and after).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pyarrow as pa

from cruscotto import audit
from cruscotto.model import Column as C
from cruscotto.model import Table
from cruscotto.warehouse import Warehouse, conform
from cruscotto.web.storage import read_rows, utc_now

PINS = Table(
    "web_pins",
    "A KPI a user pinned to the top of their overview, and its place there.",
    (
        C("username", "string", "Whose overview", nullable=False),
        C("kpi", "string", "The pinned KPI's id", nullable=False),
        C("position", "int", "Its place among the user's pins (1 = first)", nullable=False),
        C("pinned_at", "timestamp", "When the list was last changed (UTC)", nullable=False),
    ),
    primary_key=("username", "kpi"),
)
# A pinned area is a short list read first; more than this is the whole overview again.
MAX_PINS = 24
MOVES = ("pin", "unpin", "up", "down")


class PinError(ValueError):
    """A pin list that cannot be stored: `key` names the reason in the message catalog
    (`pins.*`), `params` fill it in (the KPI, the limit…)."""

    def __init__(self, key: str, **params) -> None:
        super().__init__(f"{key} {params}")
        self.key, self.params = key, params


def pinned(warehouse: Warehouse, username: str) -> list[str]:
    """The user's pinned KPI ids, first first."""
    warehouse = warehouse.state_store  # the app's own tables (beside a read-only lake)
    warehouse.ensure_tables([PINS])
    rows = [r for r in read_rows(warehouse, PINS) if r["username"] == username]
    return [r["kpi"] for r in sorted(rows, key=lambda r: r["position"])]


def moved(pins: Sequence[str], move: str, kpi: str) -> list[str]:
    """The list after one move of the page's buttons: pin (at the end), unpin, or one
    place up or down (at either end nothing moves)."""
    if move not in MOVES:
        raise PinError("pins.bad_move", move=move, moves=", ".join(MOVES))
    pins = list(pins)
    if move == "pin":
        return pins if kpi in pins else [*pins, kpi]
    if kpi not in pins:
        raise PinError("pins.not_pinned", kpi=kpi)
    if move == "unpin":
        return [p for p in pins if p != kpi]
    at = pins.index(kpi)
    to = at - 1 if move == "up" else at + 1
    if 0 <= to < len(pins):
        pins[at], pins[to] = pins[to], pins[at]
    return pins


def set_pins(
    warehouse: Warehouse,
    username: str,
    kpis: Sequence[str],
    allowed: Iterable[str],
    *,
    address: str | None = None,
) -> list[str]:
    """Make `kpis` the user's pins in this order (audited); `allowed` are the KPI ids the
    user may see. Nothing is stored when any KPI is refused."""
    allowed = set(allowed)
    seen: set[str] = set()
    for kpi in kpis:
        if kpi not in allowed:
            raise PinError("pins.unknown_kpi", kpi=kpi)
        if kpi in seen:
            raise PinError("pins.twice", kpi=kpi)
        seen.add(kpi)
    if len(kpis) > MAX_PINS:
        raise PinError("pins.too_many", count=len(kpis), most=MAX_PINS)
    warehouse = warehouse.state_store
    warehouse.ensure_tables([PINS])
    with warehouse.transaction(app_state=True):  # no KPI reads the pins
        rows = read_rows(warehouse, PINS)
        before = [
            r["kpi"] for r in sorted(rows, key=lambda r: r["position"]) if r["username"] == username
        ]
        now = utc_now()
        others = [r for r in rows if r["username"] != username]
        mine = [
            {"username": username, "kpi": kpi, "position": i, "pinned_at": now}
            for i, kpi in enumerate(kpis, start=1)
        ]
        # The table is tiny: rewritten whole, with the audit entry in the same transaction.
        warehouse.truncate(PINS.name)
        if others + mine:
            warehouse.append(PINS.name, conform(PINS, pa.Table.from_pylist(others + mine)))
        audit.record(
            warehouse,
            username=username,
            address=address,
            action="pins.set",
            target=username,
            before=before,
            after=list(kpis),
        )
    return list(kpis)
