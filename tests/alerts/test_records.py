"""Record alerts on the hand-computed company (tests/alerts/company.py), both engines."""

from __future__ import annotations

import pytest

from cruscotto.alerts import records
from cruscotto.alerts.rules import Rule, RuleStore


def by_subject(hits):
    return {h.subject: h for h in hits}


def test_stalled_deals_by_inactivity_and_by_the_stages_usual_length(company):
    hits = by_subject(records.stalled_deals(company, Rule(name="s", kind="deal_stalled")))
    # D2 (idle 5.5 d, 11.0 d in proposal) is fine; W* are closed.
    assert set(hits) == {"D1", "D3", "D4"}
    d1 = hits["D1"].numbers
    # Idle: 2026-11-30 23:00 − 2026-10-20 10:00 = 41 d 13 h = 41.54 d; in proposal since
    # 2026-10-05 00:00 = 56.96 d; proposal's p90 of stays 10…19 d = 10 + 0.9 × 9 = 18.1 d.
    assert d1["reasons"] == ["no_activity", "slow_stage"]
    assert (d1["idle_days"], d1["stage_days"]) == (41.5, 57.0)
    assert d1["stage_usual_days"] == pytest.approx(18.1)
    assert hits["D1"].rep_id == "R1"
    # D3: 2026-11-30 23:00 − 2026-11-01 12:00 = 29.46 d idle; discovery has no usual length.
    assert hits["D3"].numbers["reasons"] == ["no_activity"]
    assert hits["D3"].numbers["stage_usual_days"] is None
    # D4: 2.5 d idle, but 25 d 23 h in proposal > 18.1.
    assert hits["D4"].numbers["reasons"] == ["slow_stage"]
    assert hits["D4"].numbers["stage_days"] == 26.0


def test_stalled_deals_thresholds_are_parameters(company):
    rule = Rule(name="s", kind="deal_stalled", params={"idle_days": 30, "stage_percentile": 100})
    hits = by_subject(records.stalled_deals(company, rule))
    # D3 (29.5 d) is no longer idle enough; the longest proposal stay is 19 d: D1, D4 exceed it.
    assert set(hits) == {"D1", "D4"}
    assert hits["D1"].numbers["stage_usual_days"] == pytest.approx(19.0)


def test_tickets_past_their_sla(company):
    hits = by_subject(records.sla_breaches(company, Rule(name="t", kind="ticket_sla")))
    # K1: opened 2026-11-28 21:00 + 48 h = 11-30 21:00, now 23:00 → 2 h late.
    # K4: opened 2026-11-10 08:00: 20 d 15 h = 495 h open − 48 h = 447 h late.
    # K2 is within its SLA (deadline 12-01 00:00), K3 is resolved.
    assert set(hits) == {"K1", "K4"}
    assert hits["K1"].numbers["overdue_hours"] == 2.0
    assert hits["K4"].numbers["overdue_hours"] == 447.0
    assert hits["K1"].rep_id == "R2"


def test_churn_signals_are_named_and_counted(company):
    hits = by_subject(records.churn_signals(company, Rule(name="c", kind="churn_signals")))
    assert set(hits) == {"A1"}  # A2 shows two signals, the default needs three
    a1 = hits["A1"].numbers
    assert a1["signals"] == [
        "activity_falling",  # 6 activities in June (3 per 90 days), none in the last 90
        "detractor_nps",  # 3
        "open_complaints",  # K4, open
        "contract_ending",  # 2026-12-31: 30 days, no later contract
    ]
    assert a1["details"]["activity_falling"] == {"last_90_days": 0, "usual_90_days": 3.0}
    assert a1["details"]["contract_ending"] == {"ends": "2026-12-31", "days": 30}
    assert a1["not_available"] == ["overdue_invoices"]
    two = Rule(name="c", kind="churn_signals", params={"min_signals": 2})
    a2 = by_subject(records.churn_signals(company, two))["A2"].numbers
    assert a2["signals"] == ["detractor_nps", "contract_ending"]
    assert a2["details"]["contract_ending"]["days"] == 45


def test_the_churn_risk_models_score_is_a_named_signal(company):
    """Scores as the web passes them (ChurnRisk.scores): A2's 0.62 ≥ 0.5 is a third signal
    (with its two of the test above it now fires at the default three); A1's 0.49 is not."""
    complaints = {"feature": "complaints_90d", "label": "…", "value": 2, "effect": 0.2}
    scores = {
        "A1": {"probability": 0.49, "reasons": []},
        "A2": {"probability": 0.62, "reasons": [complaints]},
    }
    rule = Rule(name="c", kind="churn_signals")
    hits = by_subject(records.churn_signals(company, rule, scores))
    a2 = hits["A2"].numbers
    assert a2["signals"] == ["churn_risk", "detractor_nps", "contract_ending"]
    assert a2["details"]["churn_risk"] == {"probability": 0.62, "reasons": ["complaints_90d"]}
    assert "churn_risk" not in hits["A1"].numbers["signals"]
    lower = Rule(name="c", kind="churn_signals", params={"risk_above": 0.4})
    a1 = by_subject(records.churn_signals(company, lower, scores))["A1"].numbers
    assert a1["signals"][0] == "churn_risk"


def test_the_churn_risk_signal_reads_in_each_language():
    import datetime as dt

    from cruscotto.alerts.store import Firing
    from cruscotto.catalog import load_catalog
    from cruscotto.web.alert_texts import describe
    from cruscotto.web.i18n import Formatter

    firing = Firing(
        "f", "r", "Churn", "churn_signals", "k", "critical", dt.datetime(2026, 11, 30),
        subject="A2", subject_label="Beta Srl", rep_id="R1",
        numbers={
            "signals": ["churn_risk"],
            "details": {"churn_risk": {"probability": 0.62, "reasons": ["complaints_90d"]}},
        },
    )  # fmt: skip
    italian = describe(firing, Formatter("it"), load_catalog())
    assert "rischio di abbandono 62% in 6 mesi (modello: Reclami negli ultimi 90 giorni)" in italian
    portuguese = describe(firing, Formatter("pt"), load_catalog())
    assert "risco de cancelamento 62% em 6 meses" in portuguese


def test_stale_sources(company):
    # Newest records: surveys 2026-10-01 (61 days), contracts start 2025-01-16… The rule
    # only looks at tables with a date column and rows; a table dated daily in the fixture
    # (activities, newest 2026-11-28: 3 days) is fresh with the default 7 days.
    hits = by_subject(records.stale_sources(company, Rule(name="s", kind="stale_source")))
    assert "activities" not in hits
    surveys = hits["surveys"].numbers
    assert (surveys["newest"], surveys["age_days"]) == ("2026-10-01", 61)


def test_run_alerts_asks_for_the_churn_scores_only_for_a_churn_rule(fresh):
    """The web's and the CLI's evaluation pass the model's scores (they may cost a
    training) and ask for them only when a churn-signals rule is on."""
    from cruscotto.web.alerting import run_alerts
    from cruscotto.web.users import UserStore

    asked = []

    def scores() -> dict:
        asked.append("scores")
        return {"A2": {"probability": 0.9, "reasons": []}}

    users = UserStore(fresh.warehouse)
    sla_only = {"alerts": {"rules": [{"name": "SLA", "kind": "ticket_sla"}]}}
    run_alerts(fresh, users, deliver=False, config=sla_only, churn_scores=scores)
    assert asked == []
    RuleStore(fresh.warehouse, fresh.catalog).save(
        Rule(name="Churn", kind="churn_signals"), username="ann"
    )
    report, _ = run_alerts(fresh, users, deliver=False, config=sla_only, churn_scores=scores)
    assert asked == ["scores"]
    (a2,) = [f for f in report.holding if f.subject == "A2"]
    assert a2.numbers["signals"] == ["churn_risk", "detractor_nps", "contract_ending"]


def test_record_alerts_say_stages_tables_dates_and_periods_in_the_language():
    """The inbox said "(proposal, owner …)", "No new surveys data … (last 2026-10-01)" and
    "2026-11": codes and ISO dates in an Italian sentence."""
    import datetime as dt

    from cruscotto.alerts.store import Firing
    from cruscotto.catalog import load_catalog
    from cruscotto.web.alert_texts import describe
    from cruscotto.web.i18n import Formatter

    def said(kind: str, numbers: dict, label: str = "x", period: str | None = None) -> str:
        firing = Firing(
            "f", "r", "Rule", kind, "k", "warning", dt.datetime(2026, 11, 30),
            subject="s", subject_label=label, period=period, numbers=numbers,
        )  # fmt: skip
        return describe(firing, Formatter("it"), load_catalog())

    stalled = said(
        "deal_stalled",
        {
            "reasons": ["slow_stage"],
            "stage": "proposal",
            "stage_days": 54.2,
            "stage_usual_days": 48.5,
            "owner": "Marco Bianchi",
        },
        label="Cervino Chimica S.r.l.",
    )
    assert "(Proposta, responsabile Marco Bianchi)" in stalled
    assert "54 giorni in Proposta" in stalled and "48,5" in stalled
    stale = said("stale_source", {"newest": "2026-10-01", "age_days": 61}, label="surveys")
    assert stale == "Nessun nuovo dato in Risposte ai sondaggi da 61 giorni (ultimo 1 ott 2026)"
    rejects = said("import_rejects", {"rejected": 3, "rows_read": 1200, "table": "opportunities"})
    assert rejects == "L'importazione di x in Trattative ha rifiutato 3 righe su 1.200"
    goal = said(
        "goal_at_risk",
        {"unit": "count", "target": 40, "projection": 30, "probability": 0.1},
        period="2026-11",
    )
    assert "novembre 2026" in goal and "2026-11" not in goal
