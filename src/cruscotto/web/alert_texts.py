"""An alert in words, in the reader's language: the inbox line, the e-mail, the webhook text.

The firing keeps only numbers and codes; the sentence is made when someone reads it, so
each person gets their own language and number formats (1.234,5 € or € 1,234.5).
"""

from __future__ import annotations

import datetime as dt
import math
from email.message import EmailMessage
from html import escape
from typing import Any

from cruscotto.alerts.store import Firing
from cruscotto.catalog import Catalog
from cruscotto.web.i18n import Formatter
from cruscotto.web.values import ValueText


def describe(firing: Firing, fmt: Formatter, catalog: Catalog) -> str:
    """One sentence saying what fired, where, and the numbers."""
    t, n = fmt.t, firing.numbers
    values = ValueText(fmt.language)  # codes in the data (stages, priorities) in words
    if firing.kind in ("threshold", "change", "unusual"):
        return _kpi_sentence(firing, fmt, catalog)
    if firing.kind == "goal_at_risk":
        unit = n.get("unit", "count")
        return t(
            "alerts.msg.goal_at_risk",
            kpi=_kpi_name(firing.kpi, fmt, catalog),
            scope=firing.subject_label or t("alerts.company"),
            period=fmt.period(firing.period) if firing.period else "",
            target=fmt.kpi_value(n.get("target"), unit),
            projection=fmt.kpi_value(n.get("projection"), unit),
            low=fmt.kpi_value(n.get("projection_low"), unit),
            high=fmt.kpi_value(n.get("projection_high"), unit),
            probability=fmt.percent(n.get("probability"), 0),
        )
    if firing.kind == "deal_stalled":
        reasons = []
        if "no_activity" in n.get("reasons", []):
            reasons.append(t("alerts.msg.no_activity", days=_whole_days(n.get("idle_days"))))
        if "slow_stage" in n.get("reasons", []):
            reasons.append(
                t(
                    "alerts.msg.slow_stage",
                    days=_whole_days(n.get("stage_days")),
                    stage=values.value("stage", n.get("stage")),
                    usual=fmt.number(n.get("stage_usual_days"), 1),
                )
            )
        return t(
            "alerts.msg.deal_stalled",
            label=firing.subject_label,
            stage=values.value("stage", n.get("stage")),
            owner=n.get("owner") or "–",
            reasons="; ".join(reasons),
        )
    if firing.kind == "ticket_sla":
        return t(
            "alerts.msg.ticket_sla",
            label=firing.subject_label,
            priority=values.value("priority", n.get("priority")),
            hours=fmt.number(n.get("overdue_hours")),
        )
    if firing.kind == "churn_signals":
        signals = [_signal(name, n.get("details", {}).get(name, {}), fmt) for name in n["signals"]]
        return t(
            "alerts.msg.churn_signals",
            label=firing.subject_label,
            owner=n.get("owner") or "–",
            signals="; ".join(signals),
        )
    if firing.kind == "stale_source":
        return t(
            "alerts.msg.stale_source",
            label=t(f"table.{firing.subject_label}"),
            age=fmt.number(n.get("age_days")),
            newest=fmt.date(dt.date.fromisoformat(n["newest"])) if n.get("newest") else "–",
        )
    return t(
        "alerts.msg.import_rejects",
        label=firing.subject_label,
        table=t(f"table.{n.get('table')}"),
        rejected=fmt.number(n.get("rejected")),
        rows=fmt.number(n.get("rows_read")),
    )


def _kpi_sentence(firing: Firing, fmt: Formatter, catalog: Catalog) -> str:
    t, n = fmt.t, firing.numbers
    unit = n.get("unit", "count")
    value = fmt.kpi_value
    common = {
        "kpi": _kpi_name(firing.kpi, fmt, catalog),
        "value": value(n.get("value"), unit),
        "scope": firing.subject_label or t("alerts.company"),
        "period": fmt.period(firing.period) if firing.period else "",
    }
    if firing.kind == "threshold":
        return t(
            "alerts.msg.threshold",
            op=t(f"alerts.op.{n['op']}"),
            reference=value(n.get("reference"), unit),
            **common,
        )
    if firing.kind == "change":
        change = n.get("change") or 0.0
        sign = "+" if change >= 0 else "−"
        amount = (
            fmt.percent(abs(change) / 100.0)
            if n.get("measure") == "percent"
            else t("unit.points", value=fmt.number(abs(change), 1))
        )
        return t(
            "alerts.msg.change",
            change=sign + amount,
            versus=t(f"alerts.versus.{n['versus']}"),
            base=value(n.get("base_value"), unit),
            **common,
        )
    if n.get("drifting"):
        trend = n.get("trend_per_period") or 0.0
        trend_text = ("+" if trend >= 0 else "−") + value(abs(trend), unit)
        return t("alerts.msg.drift", trend=trend_text, **common)
    return t(
        "alerts.msg.unusual",
        low=value(n.get("low"), unit),
        high=value(n.get("high"), unit),
        expected=value(n.get("expected"), unit),
        **common,
    )


def _signal(name: str, details: dict[str, Any], fmt: Formatter) -> str:
    t = fmt.t
    if name == "activity_falling":
        return t(
            "alerts.signal.activity_falling",
            last=details.get("last_90_days"),
            usual=fmt.number(details.get("usual_90_days"), 1),
        )
    if name == "detractor_nps":
        return t("alerts.signal.detractor_nps", score=details.get("score"))
    if name == "open_complaints":
        return t(
            "alerts.signal.open_complaints",
            open=details.get("open"),
            recent=details.get("recent"),
            days=details.get("days"),
        )
    if name == "churn_risk":
        reasons = ", ".join(t(f"churn.feature.{f}") for f in details.get("reasons", []))
        return t(
            "alerts.signal.churn_risk",
            probability=fmt.percent(details.get("probability"), 0),
            reasons=reasons or "–",
        )
    if name == "contract_ending":
        ends = details.get("ends")
        return t(
            "alerts.signal.contract_ending",
            ends=fmt.date(dt.date.fromisoformat(ends)) if ends else "–",
        )
    return t(f"alerts.signal.{name}")


def _whole_days(days: float | None) -> str:
    """Days elapsed, as people count them: 29.5 days without activity is "29 days"."""
    return "–" if days is None else str(math.floor(days))


def _kpi_name(kpi_id: str | None, fmt: Formatter, catalog: Catalog) -> str:
    if kpi_id and kpi_id in catalog:
        return catalog.get(kpi_id).text("name", fmt.language)
    return kpi_id or ""


def email_message(
    firing: Firing, address: str, fmt: Formatter, catalog: Catalog, base_url: str = ""
) -> EmailMessage:
    """The e-mail for one firing: subject and plain text + HTML bodies in `fmt`'s language."""
    t = fmt.t
    sentence = describe(firing, fmt, catalog)
    message = EmailMessage()
    severity = t(f"alerts.severity.{firing.severity}")
    reminder = f"{t('alerts.reminder')} · " if firing.reminder else ""
    message["Subject"] = t("alerts.mail.subject", severity=severity, title=reminder + sentence)
    message["To"] = address
    link = base_url.rstrip("/") + (firing.link or "/alerts")
    footer = t("alerts.mail.footer", rule=firing.rule_name)
    message.set_content(f"{t('alerts.mail.intro')}\n\n{sentence}\n\n{link}\n\n{footer}\n")
    message.add_alternative(
        f"<html lang='{fmt.language}'><body><p>{escape(t('alerts.mail.intro'))}</p>"
        f"<p><strong>{escape(sentence)}</strong></p>"
        f"<p><a href='{escape(link)}'>{escape(t('alerts.open_page'))}</a></p>"
        f"<p style='color:#666'>{escape(footer)}</p></body></html>",
        subtype="html",
    )
    return message
