"""The company's mail server: where it is, and sending one message through it.

Configured by `CRUSCOTTO_SMTP_URL` and `CRUSCOTTO_MAIL_FROM` in the environment, else
`mail: {smtp_url: …, from: …}` in `cruscotto.yaml`:

    smtp://user:password@mail.example.com:587?starttls=true   (STARTTLS, then login)
    smtps://user:password@mail.example.com:465                (TLS from the start)
    smtp://127.0.0.1:2525                                     (no TLS, no login)

User and password may be percent-encoded (`%40` for `@`).
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

SMTP_ENV = "CRUSCOTTO_SMTP_URL"
FROM_ENV = "CRUSCOTTO_MAIL_FROM"
TIMEOUT_SECONDS = 20


class MailSettingsError(ValueError):
    """A mail server URL that cannot be understood."""


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    tls: bool = False  # TLS from the first byte (smtps://)
    starttls: bool = False

    @classmethod
    def from_url(cls, url: str, sender: str) -> MailSettings:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise MailSettingsError(f"{SMTP_ENV}: write smtp://… or smtps://…, not {url!r}")
        if not parts.hostname:
            raise MailSettingsError(f"{SMTP_ENV}: no host in {url!r}")
        query = {k: v[-1].lower() for k, v in parse_qs(parts.query).items()}
        tls = parts.scheme == "smtps"
        try:
            port = parts.port or (465 if tls else 25)
        except ValueError as exc:
            raise MailSettingsError(f"{SMTP_ENV}: {exc}") from None
        if not sender:
            raise MailSettingsError(f"set {FROM_ENV} (or mail: from:) to the sender address")
        return cls(
            host=parts.hostname,
            port=port,
            sender=sender,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            tls=tls,
            starttls=query.get("starttls") in ("1", "true", "yes"),
        )


def mail_settings(config: dict[str, Any] | None = None) -> MailSettings | None:
    """The mail server in force (environment first, then cruscotto.yaml's `mail:`), or
    None when none is configured."""
    section = (config or {}).get("mail") or {}
    url = os.environ.get(SMTP_ENV) or section.get("smtp_url")
    if not url:
        return None
    sender = os.environ.get(FROM_ENV) or section.get("from") or ""
    return MailSettings.from_url(url, sender)


def send(settings: MailSettings, message: EmailMessage) -> None:
    """Send one message (From is set here); raises on any refusal."""
    if "From" not in message:
        message["From"] = settings.sender
    context = ssl.create_default_context()
    if settings.tls:
        server = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=TIMEOUT_SECONDS, context=context
        )
    else:
        server = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
    with server:
        if settings.starttls:
            server.starttls(context=context)
        if settings.username:
            server.login(settings.username, settings.password or "")
        server.send_message(message)
