"""Alerts wired to the app: the users as recipients, texts in their language, the senders.

One home for "evaluate the rules and deliver what is due", used by `cruscotto alert run`,
the scheduler inside `cruscotto serve` and the evaluation after an import.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from cruscotto.alerts import delivery, mail
from cruscotto.alerts.evaluate import Person, RunReport, evaluate
from cruscotto.alerts.rules import DEFAULT_RULES, RuleStore
from cruscotto.alerts.store import Firing
from cruscotto.engine import Engine
from cruscotto.settings import read_config
from cruscotto.web.alert_texts import describe, email_message
from cruscotto.web.i18n import DEFAULT_LANGUAGE, Formatter
from cruscotto.web.users import UserStore

log = logging.getLogger("cruscotto.alerts")


def people(users: UserStore) -> list[Person]:
    return [
        Person(u.username, u.role, u.rep_id, u.teams, u.language, u.email) for u in users.list()
    ]


def rule_store(engine: Engine, config: dict[str, Any] | None = None) -> RuleStore:
    """The rules; on first use (no rule yet) `cruscotto.yaml`'s `alerts: rules:` are
    added, or the built-in DEFAULT_RULES when the file sets none."""
    store = RuleStore(engine.warehouse, engine.catalog)
    section = (config if config is not None else read_config()).get("alerts") or {}
    store.add_defaults(section.get("rules", DEFAULT_RULES))
    return store


@dataclass
class Senders:
    """How e-mails and webhook posts leave, with their texts in the reader's language."""

    engine: Engine
    mail_settings: mail.MailSettings | None
    base_url: str = ""
    sent_messages: list = field(default_factory=list)

    def _fmt(self, language: str | None) -> Formatter:
        return Formatter(language or DEFAULT_LANGUAGE, self.engine.settings.base_currency)

    def email(self, firing: Firing, address: str, language: str | None) -> None:
        if self.mail_settings is None:
            raise RuntimeError("no mail server configured (CRUSCOTTO_SMTP_URL or mail:)")
        fmt = self._fmt(language)
        message = email_message(firing, address, fmt, self.engine.catalog, self.base_url)
        mail.send(self.mail_settings, message)

    def webhook(self, firing: Firing, url: str, language: str | None) -> None:
        text = describe(firing, self._fmt(language), self.engine.catalog)
        link = self.base_url.rstrip("/") + firing.link if firing.link else None
        delivery.post_json(url, delivery.webhook_body(firing, text, link))


def senders(engine: Engine, config: dict[str, Any] | None = None) -> Senders:
    config = config if config is not None else read_config()
    base_url = ((config.get("alerts") or {}).get("base_url")) or ""
    return Senders(engine, mail.mail_settings(config), base_url)


def run_alerts(
    engine: Engine,
    users: UserStore,
    *,
    deliver: bool = True,
    now: dt.datetime | None = None,
    config: dict[str, Any] | None = None,
) -> tuple[RunReport, dict[str, int]]:
    """Evaluate every rule, then deliver what is due (unless `deliver` is False)."""
    config = config if config is not None else read_config()
    store = rule_store(engine, config)
    report = evaluate(engine, store.list(), people(users), now=now)
    outcome = deliver_now(engine, config=config, now=now) if deliver else {}
    return report, outcome


def evaluate_after_import(engine: Engine, users: UserStore) -> RunReport | None:
    """After an import: evaluate the company's rules and deliver, if it has any rules yet
    (the defaults are added by the server's first evaluation or `cruscotto alert run`,
    not by an import)."""
    if not RuleStore(engine.warehouse, engine.catalog).list():
        return None
    report, _ = run_alerts(engine, users)
    return report


def evaluate_in_background(app) -> threading.Thread:
    """Evaluate the rules after an import without making the page wait for it."""

    def work() -> None:
        from cruscotto.web.kpis import engine

        try:
            evaluate_after_import(engine(SimpleNamespace(app=app)), app.state.users)
        except Exception:  # the import succeeded; a failed evaluation is only logged
            log.warning("alert evaluation after an import failed", exc_info=True)

    thread = threading.Thread(target=work, name="cruscotto-alerts-after-import", daemon=True)
    thread.start()
    return thread


def deliver_now(
    engine: Engine, *, config: dict[str, Any] | None = None, now: dt.datetime | None = None
) -> dict[str, int]:
    send = senders(engine, config)
    return delivery.deliver_due(
        engine.warehouse.state_store,
        send_email=send.email if send.mail_settings else None,
        post_webhook=send.webhook,
        now=now,
    )
