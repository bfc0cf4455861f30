"""Digests through a real SMTP server, and the scheduler's catch-up after a restart."""

from __future__ import annotations

import datetime as dt
import io
import time
import zoneinfo

from apscheduler.triggers.cron import CronTrigger
from openpyxl import load_workbook
from pypdf import PdfReader
from typer.testing import CliRunner

from cruscotto.alerts.mail import MailSettings
from cruscotto.cli import app as cli
from cruscotto.web import digests, scheduler
from cruscotto.web.alerting import run_alerts
from cruscotto.web.i18n import Formatter
from tests.alerts.company import NOW
from tests.alerts.servers import free_port, smtp_server
from tests.alerts.test_web import NO_DEFAULTS, app, evaluate_now  # noqa: F401
from tests.web.conftest import login

ROME = zoneinfo.ZoneInfo("Europe/Rome")


def attachments(message) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in message.iter_attachments()}


def test_a_monthly_digest_in_the_users_language_with_pdf_and_xlsx(app):  # noqa: F811
    users = app.state.users
    users.set_email("admin", "ada@example.com")
    users.set_language("admin", "it")
    login(app, "admin").post("/api/alerts/rules", json={"name": "SLA", "kind": "ticket_sla"})
    evaluate_now(app)
    from cruscotto.goals import Goal, GoalStore, Scope

    GoalStore(app.state.warehouse).set(
        Goal("new_leads", Scope(), "2026-Q4", target=41), username="admin"
    )
    from types import SimpleNamespace

    from cruscotto.web.kpis import engine

    kpis = engine(SimpleNamespace(app=app))
    with smtp_server() as (mailbox, port):
        settings = MailSettings.from_url(f"smtp://127.0.0.1:{port}", "kpi@alpina.example")
        digests.send_digest(kpis, users, "admin", "monthly", settings)
    ((recipients, message, _),) = mailbox.received
    assert recipients == ["ada@example.com"]
    assert message["Subject"] == "[Cruscotto] Il tuo riepilogo mensile — novembre 2026"
    body = message.get_body(("html",)).get_content()
    assert "Avvisi aperti (2)" in body and "Ticket oltre lo SLA: K1" in body
    # The running goal: 2026-Q4 new leads so far, October 18 + November 22 = 40 of 41.
    assert "Nuovi lead (azienda, T4 2026): 40 / 41 — " in body
    files = attachments(message)
    assert set(files) == {"summary-2026-11.pdf", "summary-2026-11.xlsx"}
    pdf_text = "\n".join(
        p.extract_text() for p in PdfReader(io.BytesIO(files["summary-2026-11.pdf"])).pages
    )
    # The engine's own value, formatted the Italian way: 16 + 6 = 22 new leads in November.
    value = kpis.value("new_leads", "2026-11").value
    assert value == 22
    assert f"Nuovi lead\n{Formatter('it').kpi_value(value, 'count')}\n" in pdf_text
    assert "Sintesi per la direzione" in pdf_text
    sheet = load_workbook(io.BytesIO(files["summary-2026-11.xlsx"])).worksheets[0]
    assert any(
        row[0] == "new_leads" or "new_leads" in row for row in sheet.iter_rows(values_only=True)
    )


def test_digest_send_now_from_the_cli_needs_an_address(app, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.chdir(tmp_path)
    db = app.state.warehouse.url.removeprefix("duckdb://")
    app.state.warehouse.close()
    with smtp_server() as (mailbox, port):
        monkeypatch.setenv("CRUSCOTTO_SMTP_URL", f"smtp://127.0.0.1:{port}")
        monkeypatch.setenv("CRUSCOTTO_MAIL_FROM", "kpi@alpina.example")
        runner = CliRunner()
        missing = runner.invoke(cli, ["--db", db, "digest", "send", "--user", "manager", "--now"])
        assert missing.exit_code == 1 and "no e-mail address" in missing.output
        assert (
            runner.invoke(cli, ["--db", db, "user", "email", "manager", "m@ex.com"]).exit_code == 0
        )
        sent = runner.invoke(
            cli,
            ["--db", db, "digest", "send", "--user", "manager", "--now", "--frequency", "weekly"],
        )
        assert sent.exit_code == 0, sent.output
    ((recipients, message, _),) = mailbox.received
    assert recipients == ["m@ex.com"]
    # The last complete week before Tuesday 2026-12-01 is 2026-W48, Monday 23 to Sunday 29
    # November (a calendar).
    assert message["Subject"] == "[Cruscotto] Your weekly digest — Week 48 of 2026 (23–29 Nov)"


def test_missed_runs_are_caught_up_once():
    daily = CronTrigger(hour=7, minute=0, timezone=ROME)
    now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=ROME)
    # Last ran on 29 November at 7:00: the 30th's and the 1st's runs were missed.
    assert scheduler.missed(daily, dt.datetime(2026, 11, 29, 7, 0, tzinfo=ROME), now)
    assert not scheduler.missed(daily, dt.datetime(2026, 12, 1, 7, 0, 5, tzinfo=ROME), now)
    assert not scheduler.missed(daily, None, now)  # never ran: no digest of the past


def test_the_scheduler_catches_up_after_a_restart(app, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.chdir(tmp_path)
    users = app.state.users
    users.set_email("admin", "ada@example.com")
    warehouse = app.state.warehouse
    digests.subscribe(warehouse, "admin", ["daily"], actor="test", address="test")
    long_ago = dt.datetime(2026, 1, 1)
    for job in (
        "digests.daily",
        "digests.weekly",
        "digests.monthly",
        "alerts.evaluate",
        "alerts.deliver",
    ):
        scheduler.record_run(warehouse, job, long_ago if job == "digests.daily" else store_now())
    with smtp_server() as (mailbox, port):
        monkeypatch.setenv("CRUSCOTTO_SMTP_URL", f"smtp://127.0.0.1:{port}")
        monkeypatch.setenv("CRUSCOTTO_MAIL_FROM", "kpi@alpina.example")
        jobs = scheduler.start(app)
        try:
            wait_for(lambda: scheduler.last_runs(warehouse)["digests.daily"] > long_ago)
        finally:
            jobs.shutdown(wait=True)
        assert len(mailbox.received) == 1  # one catch-up, not one per missed day
        # Restarted: the daily digest ran today, nothing to catch up.
        jobs = scheduler.start(app)
        ids = [job.id for job in jobs.get_jobs()]
        jobs.shutdown(wait=True)
        assert "digests.daily.catch-up" not in ids
        assert len(mailbox.received) == 1


def store_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def wait_for(condition, seconds: float = 600.0) -> None:
    """Until `condition` holds. The bound only catches a job that never runs: a digest
    (PDF and summary) took 56 s alone on a 2-core machine and longer under load, so it is
    generous — the test is about running once, not about speed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError("the scheduled job did not run in time")


def test_run_alerts_evaluates_and_queues(app):  # noqa: F811
    from types import SimpleNamespace

    from cruscotto.web.kpis import engine

    login(app, "admin").post(
        "/api/alerts/rules",
        json={"name": "SLA", "kind": "ticket_sla", "recipients": ["email:ops@example.com"]},
    )
    report, outcome = run_alerts(
        engine(SimpleNamespace(app=app)), app.state.users, now=NOW, config=NO_DEFAULTS
    )
    assert len(report.fired) == 2
    # No mail server configured: both e-mails failed and wait for their retry.
    assert outcome == {"sent": 0, "failed": 2, "gave_up": 0}


def test_a_digest_the_mail_server_refused_is_sent_later_for_the_same_period(app):  # noqa: F811
    from types import SimpleNamespace

    from cruscotto.web.kpis import engine

    users = app.state.users
    users.set_email("rep", "rino@example.com")
    digests.subscribe(app.state.warehouse, "rep", ["monthly"], actor="rep", address="test")
    digests.subscribe(app.state.warehouse, "viewer", ["monthly"], actor="viewer", address="test")
    kpis = engine(SimpleNamespace(app=app))
    closed = MailSettings.from_url(f"smtp://127.0.0.1:{free_port()}", "kpi@alpina.example")
    # 07:00 on 1 December: the mail server is down. Nothing is sent, and nothing is lost.
    assert digests.send_due(kpis, users, "monthly", closed, now=NOW) == 0
    first = {r["username"]: r for r in digests.latest_sends(app.state.warehouse)}
    assert first["rep"]["status"] == "failed" and "ConnectionRefusedError" in first["rep"]["error"]
    assert first["rep"]["next_at"] == NOW + dt.timedelta(minutes=1)  # the first back-off
    # The viewer has no address: nothing to retry, given up at once with the reason.
    assert (
        first["viewer"]["status"] == "gave_up" and "no e-mail address" in first["viewer"]["error"]
    )
    # Not yet due: a retry before the back-off ends sends nothing.
    assert digests.retry_due(kpis, users, closed, now=NOW + dt.timedelta(seconds=30)) == 0
    with smtp_server() as (mailbox, port):
        working = MailSettings.from_url(f"smtp://127.0.0.1:{port}", "kpi@alpina.example")
        later = NOW + dt.timedelta(minutes=2)
        assert digests.retry_due(kpis, users, working, now=later) == 1
        # Tried once and sent: a further retry finds nothing due.
        assert digests.retry_due(kpis, users, working, now=later + dt.timedelta(hours=1)) == 0
    ((recipients, message, _),) = mailbox.received
    # The rep reads Italian (tests/alerts/test_web.py's users); November is still the period.
    assert recipients == ["rino@example.com"]
    assert message["Subject"] == "[Cruscotto] Il tuo riepilogo mensile — novembre 2026"
    rows = {r["username"]: r for r in digests.latest_sends(app.state.warehouse)}
    assert (rows["rep"]["attempt"], rows["rep"]["status"], rows["rep"]["period"]) == (
        2,
        "sent",
        "2026-11",
    )


def test_a_digest_that_keeps_failing_is_given_up_after_the_last_back_off(app):  # noqa: F811
    from types import SimpleNamespace

    from cruscotto.alerts.delivery import BACKOFF_MINUTES
    from cruscotto.web.kpis import engine

    app.state.users.set_email("rep", "rino@example.com")
    digests.subscribe(app.state.warehouse, "rep", ["weekly"], actor="rep", address="test")
    kpis = engine(SimpleNamespace(app=app))
    closed = MailSettings.from_url(f"smtp://127.0.0.1:{free_port()}", "kpi@alpina.example")
    digests.send_due(kpis, app.state.users, "weekly", closed, now=NOW)
    moment = NOW
    for minutes in BACKOFF_MINUTES:  # 1, 5, 30, 120, 720: five retries after the first try
        moment += dt.timedelta(minutes=minutes)
        digests.retry_due(kpis, app.state.users, closed, now=moment)
    [row] = digests.latest_sends(app.state.warehouse)
    assert (row["attempt"], row["status"], row["next_at"]) == (6, "gave_up", None)
    assert digests.retry_due(kpis, app.state.users, closed, now=moment + dt.timedelta(days=1)) == 0
