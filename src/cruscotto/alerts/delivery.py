"""Delivering firings by e-mail and webhook: queued, retried with back-off, logged.

Evaluation only *queues* a delivery (a row in `alert_deliveries`, in the same transaction
as the firing), so a page or an import that triggers an evaluation never waits for a
mail server. `deliver_due` — run by the scheduler every minute and by `cruscotto alert
run` — sends what is due and appends one row per attempt: `sent`, or `failed` with the
error and the time of the next try (1, 5, 30 minutes, 2 and 12 hours), or `gave_up`
after the last. Nothing is lost silently: every attempt and its error stay in the table.

The webhook body (one shape, documented in docs/alerts.md) carries a `text` field, so
Slack and Microsoft Teams incoming webhooks show it as is.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from cruscotto.alerts.store import (
    STORE_TABLES,
    Firing,
    append,
    firings,
    latest_attempts,
    utc_now,
)
from cruscotto.model import Column as C
from cruscotto.model import Table
from cruscotto.warehouse import Warehouse

log = logging.getLogger("cruscotto.alerts")

# Minutes to wait after the 1st, 2nd… failure; after the last, the delivery is given up.
BACKOFF_MINUTES = (1, 5, 30, 120, 720)
WEBHOOK_TIMEOUT_SECONDS = 10
STATUSES = ("queued", "sent", "failed", "gave_up")

ALERT_DELIVERIES = Table(
    "alert_deliveries",
    "One attempt to deliver a firing by e-mail or webhook (the first row is the queueing).",
    (
        C("delivery_id", "string", "The delivery (all its attempts share it)", nullable=False),
        C("firing_id", "string", "The firing delivered", nullable=False),
        C("channel", "string", "email or webhook", nullable=False, allowed=("email", "webhook")),
        C("address", "string", "E-mail address or webhook URL", nullable=False),
        C("language", "string", "Language of the message"),
        C("attempt", "int", "0 when queued, then 1, 2…", nullable=False),
        C("status", "string", "queued, sent, failed or gave_up", nullable=False, allowed=STATUSES),
        C("error", "string", "Why the attempt failed"),
        C("at", "timestamp", "When (UTC)", nullable=False),
        C("next_at", "timestamp", "When to try next (queued or failed)"),
    ),
)


def ensure_tables(warehouse: Warehouse) -> None:
    warehouse.ensure_tables([ALERT_DELIVERIES, *STORE_TABLES])


def queue_rows(
    firing: Firing,
    emails: Iterable[str | tuple[str, str]],
    hooks: Iterable[str],
    now: dt.datetime,
) -> list[dict[str, Any]]:
    """Rows queueing one e-mail per address ((address, language) pairs or addresses) and
    one post per webhook."""
    rows = []
    for target in emails:
        address, language = target if isinstance(target, tuple) else (target, None)
        rows.append(_row(firing.firing_id, "email", address, language, now))
    rows += [_row(firing.firing_id, "webhook", url, None, now) for url in hooks]
    return rows


def _row(firing_id: str, channel: str, address: str, language: str | None, now) -> dict:
    return {
        "delivery_id": uuid.uuid4().hex[:16],
        "firing_id": firing_id,
        "channel": channel,
        "address": address,
        "language": language,
        "attempt": 0,
        "status": "queued",
        "error": None,
        "at": now,
        "next_at": now,
    }


@dataclass(frozen=True)
class Pending:
    delivery_id: str
    firing_id: str
    channel: str
    address: str
    language: str | None
    attempt: int


def latest(warehouse: Warehouse) -> list[dict[str, Any]]:
    """The latest row of every delivery (its current state)."""
    return latest_attempts(warehouse, ALERT_DELIVERIES, "delivery_id")


def due(warehouse: Warehouse, now: dt.datetime) -> list[Pending]:
    return [
        Pending(
            r["delivery_id"],
            r["firing_id"],
            r["channel"],
            r["address"],
            r["language"],
            r["attempt"],
        )
        for r in latest(warehouse)
        if r["status"] in ("queued", "failed") and r["next_at"] is not None and r["next_at"] <= now
    ]


# What sends: (firing, address, language) -> None, raising on failure.
Sender = Callable[[Firing, str, str | None], None]


def deliver_due(
    warehouse: Warehouse,
    *,
    send_email: Sender | None,
    post_webhook: Sender,
    now: dt.datetime | None = None,
) -> dict[str, int]:
    """Try every delivery that is due once; returns counts by outcome. Without an e-mail
    sender (no SMTP configured) e-mails fail with that reason and are retried later."""
    now = now or utc_now()
    pending = due(warehouse, now)
    by_id = {f.firing_id: f for f in firings(warehouse, {p.firing_id for p in pending})}
    outcome = {"sent": 0, "failed": 0, "gave_up": 0}
    rows = []
    for item in pending:
        attempt = item.attempt + 1
        firing = by_id.get(item.firing_id)
        try:
            if firing is None:
                raise LookupError(f"firing {item.firing_id} is gone")
            sender = send_email if item.channel == "email" else post_webhook
            if sender is None:
                raise RuntimeError("no mail server configured (CRUSCOTTO_SMTP_URL or mail:)")
            sender(firing, item.address, item.language)
        except Exception as exc:  # any failure is logged and retried, never lost
            last = attempt > len(BACKOFF_MINUTES)
            status = "gave_up" if last else "failed"
            wait = None if last else now + dt.timedelta(minutes=BACKOFF_MINUTES[attempt - 1])
            log.warning(
                "delivery %s to %s failed (%s): %s", item.delivery_id, item.address, status, exc
            )
            rows.append(_attempt(item, attempt, status, f"{type(exc).__name__}: {exc}", now, wait))
            outcome[status] += 1
            continue
        rows.append(_attempt(item, attempt, "sent", None, now, None))
        outcome["sent"] += 1
    append(warehouse, ALERT_DELIVERIES, rows)
    return outcome


def _attempt(item: Pending, attempt, status, error, now, next_at) -> dict[str, Any]:
    return {
        "delivery_id": item.delivery_id,
        "firing_id": item.firing_id,
        "channel": item.channel,
        "address": item.address,
        "language": item.language,
        "attempt": attempt,
        "status": status,
        "error": error,
        "at": now,
        "next_at": next_at,
    }


def webhook_body(firing: Firing, text: str, link: str | None) -> dict[str, Any]:
    """The one JSON shape every webhook receives (docs/alerts.md)."""
    return {
        "text": text,  # Slack / Teams incoming webhooks display this
        "alert": {
            "id": firing.firing_id,
            "rule": firing.rule_name,
            "rule_id": firing.rule_id,
            "kind": firing.kind,
            "severity": firing.severity,
            "kpi": firing.kpi,
            "period": firing.period,
            "subject": firing.subject,
            "subject_label": firing.subject_label,
            "rep_id": firing.rep_id,
            "team": firing.team,
            "numbers": firing.numbers,
            "fired_at": firing.fired_at.isoformat() + "Z",
            "reminder": firing.reminder,
            "link": link,
        },
    }


def post_json(url: str, body: dict[str, Any]) -> None:
    """POST `body` as JSON; any status other than 2xx is a failure."""
    data = json.dumps(body, default=str, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
            if not 200 <= response.status < 300:
                raise RuntimeError(f"the webhook answered {response.status}")
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"the webhook answered {exc.code} {exc.reason}") from None
