"""Delivery against real local servers: SMTP (aiosmtpd) and an HTTP webhook receiver."""

from __future__ import annotations

import datetime as dt
import ssl
from email.message import EmailMessage

import pytest

from cruscotto.alerts import delivery
from cruscotto.alerts.evaluate import Person, evaluate
from cruscotto.alerts.mail import MailSettings, MailSettingsError, mail_settings, send
from cruscotto.alerts.rules import Rule, RuleStore
from cruscotto.web.alerting import Senders
from tests.alerts.company import NOW
from tests.alerts.servers import self_signed_certificate, smtp_server, webhook_receiver


def rule(engine, **fields):
    return RuleStore(engine.warehouse, engine.catalog).save(Rule(**fields), username="ada")


def deliver(engine, senders, now):
    return delivery.deliver_due(
        engine.warehouse, send_email=senders.email, post_webhook=senders.webhook, now=now
    )


def test_alert_emails_reach_the_right_people_in_their_language(fresh):
    people = [
        Person("nora", "manager", teams=("North",), language="it", email="nora@example.com"),
        Person("sara", "rep", rep_id="R2", language="pt", email="sara@example.com"),
        Person("rino", "rep", rep_id="R1", language="en"),  # no address: inbox only
    ]
    rule(
        fresh,
        name="Trattative ferme",
        kind="deal_stalled",
        params={"idle_days": 25},
        recipients=("role:manager", "role:rep", "email:ops@example.com"),
    )
    evaluate(fresh, RuleStore(fresh.warehouse, fresh.catalog).list(), people, now=NOW)
    with smtp_server("cruscotto", "s3cret pass") as (mailbox, port):
        settings = MailSettings.from_url(
            f"smtp://cruscotto:s3cret%20pass@127.0.0.1:{port}", "alerts@alpina.example"
        )
        outcome = deliver(fresh, Senders(fresh, settings, "https://kpi.example"), NOW)
    # D1 and D4 (R1, North) go to nora and ops; D3 (R2, South) to sara and ops.
    assert outcome == {"sent": 6, "failed": 0, "gave_up": 0}
    got = {(tuple(to), m["Subject"]) for to, m, _ in mailbox.received}
    to_nora = sorted(s for to, s in got if to == ("nora@example.com",))
    assert len(to_nora) == 2
    assert all(s.startswith("[Cruscotto] Attenzione: Trattativa ferma: ") for s in to_nora)
    (to_sara,) = [s for to, s in got if to == ("sara@example.com",)]
    assert to_sara.startswith("[Cruscotto] Atenção: Negócio parado: Account A9")
    assert "sem atividade há 29 dias" in to_sara  # 29.46 days, no decimals
    assert len([s for to, s in got if to == ("ops@example.com",)]) == 3
    message = mailbox.received[0][1]
    assert message["From"] == "alerts@alpina.example"
    assert mailbox.received[0][2] is True  # logged in
    html = message.get_body(("html",)).get_content()
    assert "https://kpi.example/kpi/stage_duration?stage=" in html
    # Everything was sent once: a second pass has nothing due.
    assert deliver(fresh, Senders(fresh, settings), NOW) == {"sent": 0, "failed": 0, "gave_up": 0}


def test_a_webhook_that_fails_twice_gets_exactly_one_delivery(fresh):
    with webhook_receiver(failures=2) as (calls, url):
        rule(fresh, name="SLA", kind="ticket_sla", recipients=(f"webhook:{url}",))
        report = evaluate(fresh, RuleStore(fresh.warehouse, fresh.catalog).list(), [], now=NOW)
        assert sorted(f.subject for f in report.fired) == ["K1", "K4"]
        senders = Senders(fresh, None)
        # Back-off: 1 minute after the first failure, 5 after the second.
        first = deliver(fresh, senders, NOW)
        assert first == {"sent": 0, "failed": 2, "gave_up": 0}
        assert deliver(fresh, senders, NOW + dt.timedelta(seconds=30))["failed"] == 0  # not due
        second = deliver(fresh, senders, NOW + dt.timedelta(minutes=1))
        assert second == {"sent": 2, "failed": 0, "gave_up": 0}
        later = deliver(fresh, senders, NOW + dt.timedelta(hours=1))
        assert later == {"sent": 0, "failed": 0, "gave_up": 0}
    statuses = [status for status, _ in calls]
    # Two alerts: the first two posts fail (one per alert), the next two succeed.
    assert statuses == [500, 500, 200, 200]
    accepted = [body for status, body in calls if status == 200]
    assert sorted(b["alert"]["subject"] for b in accepted) == ["K1", "K4"]
    k1 = next(b for b in accepted if b["alert"]["subject"] == "K1")
    # The priority in words ("Normal"), as the catalog says it.
    assert k1["text"] == "Ticket past its SLA: K1 · Account A9 (Normal), 2 hours late"
    assert k1["alert"]["numbers"]["overdue_hours"] == 2.0
    log = [(r["attempt"], r["status"]) for r in delivery.latest(fresh.warehouse)]
    assert sorted(log) == [(2, "sent"), (2, "sent")]


def test_a_delivery_that_keeps_failing_is_given_up_and_logged(fresh):
    rule(fresh, name="SLA", kind="ticket_sla", recipients=("email:ops@example.com",))
    evaluate(fresh, RuleStore(fresh.warehouse, fresh.catalog).list(), [], now=NOW)
    now = NOW
    for _ in range(len(delivery.BACKOFF_MINUTES) + 1):
        # No mail server configured: every attempt fails with that reason.
        delivery.deliver_due(fresh.warehouse, send_email=None, post_webhook=None, now=now)
        now += dt.timedelta(days=1)
    final = delivery.latest(fresh.warehouse)
    assert [(r["attempt"], r["status"]) for r in final] == [(6, "gave_up"), (6, "gave_up")]
    assert "no mail server configured" in final[0]["error"]


def test_mail_settings_from_the_environment_or_the_config(monkeypatch):
    monkeypatch.delenv("CRUSCOTTO_SMTP_URL", raising=False)
    monkeypatch.delenv("CRUSCOTTO_MAIL_FROM", raising=False)
    assert mail_settings({}) is None
    config = {"mail": {"smtp_url": "smtps://a%40b.it:pw@mail.example.com", "from": "k@b.it"}}
    found = mail_settings(config)
    assert (found.host, found.port, found.tls, found.username) == (
        "mail.example.com",
        465,
        True,
        "a@b.it",
    )
    monkeypatch.setenv("CRUSCOTTO_SMTP_URL", "smtp://u:p@relay.example.com:587?starttls=true")
    monkeypatch.setenv("CRUSCOTTO_MAIL_FROM", "cruscotto@example.com")
    env = mail_settings(config)
    assert (env.host, env.port, env.starttls, env.tls, env.sender) == (
        "relay.example.com",
        587,
        True,
        False,
        "cruscotto@example.com",
    )
    with pytest.raises(MailSettingsError, match="smtp://"):
        MailSettings.from_url("http://example.com", "a@b.it")


def test_mail_goes_through_starttls_and_a_certificate_it_cannot_trust_is_refused(
    tmp_path, monkeypatch
):
    """Port 587's way (Office 365, Gmail): plain connection, STARTTLS, then login. The
    server requires STARTTLS before login; the client checks the server's certificate."""
    certificate, key = self_signed_certificate(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(certificate, key)
    message = EmailMessage()
    message["To"], message["Subject"] = "marta@alpina.example", "Win rate below target"
    message.set_content("Win rate 18% in November, target 25%.")
    with smtp_server("cruscotto", "s3cret pass", tls=server_tls) as (mailbox, port):
        url = f"smtp://cruscotto:s3cret%20pass@127.0.0.1:{port}?starttls=true"
        settings = MailSettings.from_url(url, "cruscotto@alpina.example")
        # A certificate no authority vouches for is refused before the password is sent.
        with pytest.raises(ssl.SSLCertVerificationError):
            send(settings, message)
        assert mailbox.received == []
        # Trusted (as a company's own CA would be, through OpenSSL's SSL_CERT_FILE):
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate))
        send(settings, message)
    [(recipients, received, authenticated)] = mailbox.received
    assert recipients == ["marta@alpina.example"] and authenticated
    assert received["From"] == "cruscotto@alpina.example"
    assert received.get_content().strip() == "Win rate 18% in November, target 25%."
