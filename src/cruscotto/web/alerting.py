"""Alerts wired to the app: the users as recipients, texts in their language, the senders.

One home for "evaluate the rules and deliver what is due", used by `cruscotto alert run`,
the scheduler inside `cruscotto serve` and the evaluation after an import
(cruscotto.web.after_import).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
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
    churn_scores: Callable[[], dict | None] | None = None,
) -> tuple[RunReport, dict[str, int]]:
    """Evaluate every rule, then deliver what is due (unless `deliver` is False).

    `churn_scores` gives the churn-risk model's scores (see ChurnRisk.scores); it is
    asked only when a churn-signals rule is on, since it may have to train the model."""
    config = config if config is not None else read_config()
    rules = rule_store(engine, config).list()
    wanted = churn_scores is not None and any(
        r.enabled and r.kind == "churn_signals" for r in rules
    )
    risk = churn_scores() if wanted else None
    report = evaluate(engine, rules, people(users), now=now, churn_risk=risk)
    outcome = deliver_now(engine, config=config, now=now) if deliver else {}
    return report, outcome


def evaluate_after_import(
    engine: Engine, users: UserStore, churn_scores: Callable[[], dict | None] | None = None
) -> RunReport | None:
    """After an import: evaluate the company's rules and deliver, if it has any rules yet
    (the defaults are added by the server's first evaluation or `cruscotto alert run`,
    not by an import)."""
    if not RuleStore(engine.warehouse, engine.catalog).list():
        return None
    report, _ = run_alerts(engine, users, churn_scores=churn_scores)
    return report


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
