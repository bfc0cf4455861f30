"""Digests: a person's key numbers, goals and open alerts, by e-mail on a rhythm.

Each subscription (`digest_subscriptions`: user × daily / weekly / monthly) sends, in
the user's language and scope, an HTML e-mail with the executive summary's key numbers
for the last complete day / week / month, the alerts of their inbox still open, and two
attachments: the executive summary as PDF (the page's own template) and as XLSX.
`cruscotto digest send --user NAME --now` sends one at once; the scheduler sends the
subscriptions (daily at 07:00, weekly on Mondays, monthly on the 1st, company time).

A digest the mail server refuses is not lost: every attempt is a row of `digest_sends`,
and a failed one is tried again for the same period on the alert deliveries' back-off
(1, 5, 30 minutes, 2 and 12 hours), then given up with its error kept. A digest that
cannot be made at all (no e-mail address, no mail server) is given up at once, with why.

Goals: the running goals within the user's scope (`cruscotto.goals`), with the value
so far against the target, their status and the probability of reaching them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from html import escape
from types import SimpleNamespace
from typing import Any

from cruscotto import audit
from cruscotto.alerts import mail, store
from cruscotto.alerts.delivery import BACKOFF_MINUTES
from cruscotto.alerts.evaluate import Person, can_receive, goal_owner, reps_of
from cruscotto.engine import Engine, Period
from cruscotto.model import Column as C
from cruscotto.model import Table
from cruscotto.reports import build, to_xlsx
from cruscotto.reports.export import XLSX_MEDIA_TYPE
from cruscotto.warehouse import Warehouse
from cruscotto.web.access import Access
from cruscotto.web.alert_texts import describe
from cruscotto.web.report_export import ReportReader
from cruscotto.web.users import User, UserStore
from cruscotto.web.values import ValueText

FREQUENCIES = ("daily", "weekly", "monthly")
GRAIN = {"daily": "day", "weekly": "week", "monthly": "month"}
OPEN_ALERTS_SHOWN = 20

DIGEST_SUBSCRIPTIONS = Table(
    "digest_subscriptions",
    "Who receives which digest.",
    (
        C("username", "string", "The user", nullable=False),
        C("frequency", "string", "daily, weekly or monthly", nullable=False, allowed=FREQUENCIES),
    ),
)

SEND_STATUSES = ("sent", "failed", "gave_up")
DIGEST_SENDS = Table(
    "digest_sends",
    "Every attempt to send a digest: sent, or failed with the error and the next try.",
    (
        C("send_id", "string", "The digest (all its attempts share it)", nullable=False),
        C("username", "string", "The user", nullable=False),
        C("frequency", "string", "daily, weekly or monthly", nullable=False, allowed=FREQUENCIES),
        C("period", "string", "The period the digest reports on", nullable=False),
        C("attempt", "int", "1, 2…", nullable=False),
        C("status", "string", "sent, failed or gave_up", nullable=False, allowed=SEND_STATUSES),
        C("error", "string", "Why the attempt failed"),
        C("at", "timestamp", "When (UTC)", nullable=False),
        C("next_at", "timestamp", "When to try again (failed)"),
    ),
)


class DigestError(ValueError):
    """A digest that cannot be sent (unknown user, no address, no mail server…)."""


def subscriptions(warehouse: Warehouse) -> list[tuple[str, str]]:
    warehouse.ensure_tables([DIGEST_SUBSCRIPTIONS])
    table = store.app_table(warehouse, DIGEST_SUBSCRIPTIONS)
    return [(r["username"], r["frequency"]) for r in warehouse.to_pyarrow(table).to_pylist()]


def subscribe(
    warehouse: Warehouse, username: str, frequencies: list[str], *, actor: str, address: str
) -> None:
    """Make `frequencies` the user's digests (an empty list stops them), audited."""
    unknown = set(frequencies) - set(FREQUENCIES)
    if unknown:
        raise DigestError(f"unknown frequency {sorted(unknown)[0]!r}; use {', '.join(FREQUENCIES)}")
    before = sorted(f for u, f in subscriptions(warehouse) if u == username)
    rows = [(u, f) for u, f in subscriptions(warehouse) if u != username]
    rows += [(username, f) for f in sorted(set(frequencies))]
    with warehouse.transaction(app_state=True):  # no KPI reads subscriptions
        store.replace_all(
            warehouse, DIGEST_SUBSCRIPTIONS, [{"username": u, "frequency": f} for u, f in rows]
        )
        audit.record(
            warehouse,
            username=actor,
            address=address,
            action="digest.subscribe",
            target=username,
            before=before,
            after=sorted(set(frequencies)),
        )


def digest_period(engine: Engine, frequency: str) -> Period:
    """The last complete day, week or month."""
    fiscal = engine.settings.fiscal_year_start_month
    return Period.of(GRAIN[frequency], engine.today, fiscal).previous()


def compose(
    engine: Engine,
    user: User,
    frequency: str,
    *,
    base_url: str = "",
    period: Period | None = None,
) -> EmailMessage:
    """The digest e-mail for `user` (their language, their scope), with its attachments,
    on `period` (the last complete one by default)."""
    from cruscotto.web.routes.reports import report_pdf

    if not user.email:
        raise DigestError(f"{user.username} has no e-mail address (cruscotto user email …)")
    who = Access(user=user, settings=engine.settings)
    t, fmt = who.t, who.fmt
    period = period or digest_period(engine, frequency)
    said = fmt.period(period.label)
    summary = build(engine, "summary", period, who.filters())
    rows = summary.tables[0].records()
    alerts = [
        e for e in store.inbox(engine.warehouse.state_store, user.username) if not e.acknowledged
    ][:OPEN_ALERTS_SHOWN]
    message = EmailMessage()
    message["Subject"] = t("digest.subject", frequency=t(f"digest.{frequency}"), period=said)
    message["To"] = user.email
    lines = [f"{t('digest.key_numbers')} — {said}"]
    html = [
        f"<html lang='{who.language}'><body>",
        f"<h2>{escape(t('digest.key_numbers'))} — {escape(said)}</h2>",
        "<table cellpadding='4' style='border-collapse:collapse'>",
    ]
    for row in rows:
        name = engine.catalog.get(row["kpi_id"]).text("name", who.language)
        value = fmt.kpi_value(row["value"], row["unit"])
        change = fmt.change(row["value"], row["previous"], row["unit"])
        status = (
            t("card.maturing") if row.get("maturing") else t(f"status.{row['status'] or 'none'}")
        )
        lines.append(f"- {name}: {value} ({change}; {status})")
        html.append(
            f"<tr><td>{escape(name)}</td><td align='right'><b>{escape(value)}</b></td>"
            f"<td>{escape(change)}</td><td>{escape(status)}</td></tr>"
        )
    html.append("</table>")
    goals = goal_lines(engine, user, who)
    if goals:
        lines += ["", t("digest.goals"), *[f"- {g}" for g in goals]]
        html.append(f"<h3>{escape(t('digest.goals'))}</h3><ul>")
        html += [f"<li>{escape(g)}</li>" for g in goals]
        html.append("</ul>")
    lines += ["", t("digest.open_alerts", count=len(alerts))]
    html.append(f"<h3>{escape(t('digest.open_alerts', count=len(alerts)))}</h3><ul>")
    for entry in alerts:
        sentence = describe(entry.firing, fmt, engine.catalog)
        link = base_url.rstrip("/") + (entry.firing.link or "/alerts")
        lines.append(f"- {sentence} {link}")
        html.append(f"<li><a href='{escape(link)}'>{escape(sentence)}</a></li>")
    html.append(f"</ul><p style='color:#666'>{escape(t('digest.footer'))}</p></body></html>")
    message.set_content("\n".join(lines) + "\n\n" + t("digest.footer") + "\n")
    message.add_alternative("".join(html), subtype="html")
    pdf, pdf_name = report_pdf("summary", period.label, None, None, who, engine)
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=pdf_name)
    maintype, subtype = XLSX_MEDIA_TYPE.split("/", 1)
    message.add_attachment(
        to_xlsx(summary, ReportReader(who, engine.catalog)),
        maintype=maintype,
        subtype=subtype,
        filename=f"summary-{period.label}.xlsx",
    )
    return message


def goal_lines(engine: Engine, user: User, who: Access) -> list[str]:
    """The running goals within the user's scope, each with its pace and probability."""
    from cruscotto.goals import GoalStore, progress

    reps = reps_of(engine)
    person = Person(user.username, user.role, user.rep_id, user.teams)
    lines = []
    for goal in GoalStore(engine.warehouse).list():
        period = engine.period(goal.period)
        if not period.start <= engine.today < period.end:
            continue
        rep_id, team = goal_owner(goal, reps)
        if not can_receive(person, SimpleNamespace(kind="goal_at_risk", rep_id=rep_id, team=team)):
            continue
        state = progress(engine, goal)
        name = engine.catalog.get(goal.kpi).text("name", who.language)
        if rep_id:
            scope = reps.get(rep_id, (rep_id,))[0]
        elif goal.scope.dimension:
            scope = ValueText(who.language).dimension(goal.scope.dimension, goal.scope.value)
        else:
            scope = None
        chance = (
            f", {who.t('digest.probability', probability=who.fmt.percent(state.probability, 0))}"
            if state.probability is not None
            else ""
        )
        lines.append(
            f"{name} ({scope or who.t('alerts.company')}, {who.fmt.period(goal.period)}): "
            f"{who.fmt.kpi_value(state.actual, state.unit)} / "
            f"{who.fmt.kpi_value(goal.target, state.unit)} — "
            f"{who.t('goal_status.' + state.status)}{chance}"
        )
    return lines


def send_digest(
    engine: Engine,
    users: UserStore,
    username: str,
    frequency: str,
    settings: mail.MailSettings | None,
    *,
    base_url: str = "",
    period: Period | None = None,
) -> EmailMessage:
    """Compose and send one digest now; DigestError says why it cannot be sent."""
    if frequency not in FREQUENCIES:
        raise DigestError(f"unknown frequency {frequency!r}; use {', '.join(FREQUENCIES)}")
    user = users.get(username)
    if user is None:
        raise DigestError(f"no user named {username!r}")
    if settings is None:
        raise DigestError(
            "no mail server configured (CRUSCOTTO_SMTP_URL or mail: in cruscotto.yaml)"
        )
    message = compose(engine, user, frequency, base_url=base_url, period=period)
    mail.send(settings, message)
    return message


def send_due(
    engine: Engine,
    users: UserStore,
    frequency: str,
    settings: mail.MailSettings | None,
    *,
    base_url: str = "",
    log: Any = None,
    now: dt.datetime | None = None,
) -> int:
    """Send every subscription of `frequency`; a failure for one user is recorded (and
    tried again by `retry_due`) and does not stop the others. Returns how many were sent."""
    now = now or store.utc_now()
    period = digest_period(engine, frequency).label
    sent = 0
    for username, wanted in subscriptions(engine.warehouse.state_store):
        if wanted == frequency:
            attempt = Attempt(uuid.uuid4().hex[:16], username, frequency, period, 1)
            sent += _try(engine, users, attempt, settings, base_url, log, now)
    return sent


def retry_due(
    engine: Engine,
    users: UserStore,
    settings: mail.MailSettings | None,
    *,
    base_url: str = "",
    log: Any = None,
    now: dt.datetime | None = None,
) -> int:
    """Try again every failed digest whose next try is due (the scheduler does it every
    minute, with the alert deliveries). Returns how many were sent."""
    now = now or store.utc_now()
    sent = 0
    for row in latest_sends(engine.warehouse.state_store):
        if row["status"] == "failed" and row["next_at"] is not None and row["next_at"] <= now:
            attempt = Attempt(
                row["send_id"], row["username"], row["frequency"], row["period"], row["attempt"] + 1
            )
            sent += _try(engine, users, attempt, settings, base_url, log, now)
    return sent


@dataclass(frozen=True)
class Attempt:
    send_id: str
    username: str
    frequency: str
    period: str
    number: int


def _try(engine, users, attempt: Attempt, settings, base_url: str, log, now) -> bool:
    """One attempt, recorded whatever happens; True if the digest went out."""
    status, error, next_at = "sent", None, None
    try:
        send_digest(
            engine,
            users,
            attempt.username,
            attempt.frequency,
            settings,
            base_url=base_url,
            period=engine.period(attempt.period),
        )
    except DigestError as exc:  # nothing to retry: the digest cannot be made as things are
        status, error = "gave_up", str(exc)
    except Exception as exc:  # the mail server or the network: tried again later
        error = f"{type(exc).__name__}: {exc}"
        last = attempt.number > len(BACKOFF_MINUTES)
        status = "gave_up" if last else "failed"
        if not last:
            next_at = now + dt.timedelta(minutes=BACKOFF_MINUTES[attempt.number - 1])
    if error and log is not None:
        log.warning("digest %s for %s: %s", attempt.frequency, attempt.username, error)
    row = {
        "send_id": attempt.send_id,
        "username": attempt.username,
        "frequency": attempt.frequency,
        "period": attempt.period,
        "attempt": attempt.number,
        "status": status,
        "error": error,
        "at": now,
        "next_at": next_at,
    }
    warehouse = engine.warehouse.state_store
    warehouse.ensure_tables([DIGEST_SENDS])
    with warehouse.transaction(app_state=True):
        store.append(warehouse, DIGEST_SENDS, [row])
    return status == "sent"


def latest_sends(warehouse: Warehouse) -> list[dict[str, Any]]:
    """The latest attempt of every digest (its current state)."""
    return store.latest_attempts(warehouse, DIGEST_SENDS, "send_id")
