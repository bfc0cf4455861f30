"""The inbox and rules pages and their JSON twins, through the real app and login."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher

from cruscotto import audit
from cruscotto.settings import CompanySettings
from cruscotto.web import create_app, users
from cruscotto.web.alerting import run_alerts
from tests.alerts.company import NOW, TODAY, load_company
from tests.web.conftest import PASSWORDS, login


@pytest.fixture
def app(duckdb_warehouse, monkeypatch, tmp_path):
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=256))
    # A company that starts with no alert rule (the built-in defaults are tested apart).
    (tmp_path / "cruscotto.yaml").write_text("alerts: {rules: []}\n")
    monkeypatch.chdir(tmp_path)
    load_company(duckdb_warehouse)
    application = create_app(duckdb_warehouse, CompanySettings(), today=TODAY, cache_seconds=0)
    store = application.state.users
    store.add("admin", PASSWORDS["admin"], "admin")
    store.add("manager", PASSWORDS["manager"], "manager", teams=["North"])
    store.add("rep", PASSWORDS["rep"], "rep", rep_id="R1", language="it")
    store.add("other_rep", PASSWORDS["other_rep"], "rep", rep_id="R2")
    store.add("viewer", PASSWORDS["viewer"], "viewer")
    return application


NO_DEFAULTS = {"alerts": {"rules": []}}


def evaluate_now(app):
    from cruscotto.web.kpis import engine

    class Request:  # engine() only reads request.app
        pass

    request = Request()
    request.app = app
    return run_alerts(engine(request), app.state.users, deliver=False, now=NOW, config=NO_DEFAULTS)


def test_a_manager_writes_rules_within_their_teams(app):
    manager = login(app, "manager")
    created = manager.post(
        "/api/alerts/rules",
        json={"name": "Stalled in my teams", "kind": "deal_stalled", "scope": "each:rep"},
    )
    assert created.status_code == 201, created.text
    assert created.json()["within"] == {"team": ["North"]}
    refused = manager.post(
        "/api/alerts/rules", json={"name": "South", "kind": "deal_stalled", "scope": "team:South"}
    )
    assert refused.status_code == 403
    bad = manager.post(
        "/api/alerts/rules", json={"name": "x", "kind": "threshold", "kpi": "win_rate"}
    )
    assert bad.status_code == 400
    assert bad.json()["detail"] == "Give the value to compare with."
    assert login(app, "rep").post("/api/alerts/rules", json={"name": "x"}).status_code == 403
    assert login(app, "viewer").get("/api/alerts/rules").status_code == 403
    # The admin's own rule is not the manager's to see or remove.
    admin = login(app, "admin")
    other = admin.post("/api/alerts/rules", json={"name": "All SLA", "kind": "ticket_sla"}).json()
    assert [r["name"] for r in manager.get("/api/alerts/rules").json()["rules"]] == [
        "Stalled in my teams"
    ]
    assert manager.delete(f"/api/alerts/rules/{other['rule_id']}").status_code == 403
    actions = [e.action for e in audit.entries(app.state.warehouse)]
    assert actions.count("alert_rule.add") == 2


def test_a_refused_rule_says_why_in_the_users_language_with_names(app):
    """The refusal is the catalog's sentence (refusal.*.it.json), the KPI by its Italian
    name, not the rule module's English with ids."""
    app.state.users.set_language("manager", "it")
    manager = login(app, "manager")

    def refused(rule: dict) -> str:
        answer = manager.post("/api/alerts/rules", json=rule)
        assert answer.status_code == 400, answer.text
        return answer.json()["detail"]

    assert refused({"name": " ", "kind": "deal_stalled"}) == "Dai un nome alla regola."
    no_value = {"name": "x", "kind": "threshold", "kpi": "win_rate"}
    assert refused(no_value) == "Indica il valore con cui confrontare."
    assert refused(no_value | {"params": {"value": "tanto"}}) == "«tanto» non è un numero."
    # Win rate is not cut by ticket priority (its catalog dimensions).
    assert refused(no_value | {"scope": "each:priority", "params": {"value": 0.2}}) == (
        "Questo KPI non si può suddividere per priorità ticket."
    )
    assert refused({"name": "x", "kind": "deal_stalled", "recipients": ["bob"]}) == (
        "«bob» non è un destinatario: scrivi user:NOME, role:RUOLO, email:INDIRIZZO o "
        "webhook:https://…"
    )
    # The e-mail address form too (a UserError, the same door).
    assert manager.post("/api/alerts/email", json={"email": "nope"}).json()["detail"] == (
        "«nope» non è un indirizzo e-mail (scrivi nome@esempio.it)."
    )


def test_inbox_holds_only_own_scope_and_counts_unread(app):
    login(app, "admin").post("/api/alerts/rules", json={"name": "Stalled", "kind": "deal_stalled"})
    report, _ = evaluate_now(app)
    assert sorted(f.subject for f in report.fired) == ["D1", "D3", "D4"]
    rep = login(app, "rep")
    mine = rep.get("/api/alerts").json()
    assert sorted(a["subject"] for a in mine["alerts"]) == ["D1", "D4"]
    assert mine["unread"] == 2
    # Italian, whole days: D1 idle 41.5 days → "41 giorni"; the usual length 18.1 → "18,1".
    d1 = next(a for a in mine["alerts"] if a["subject"] == "D1")
    assert "nessuna attività da 41 giorni" in d1["text"]
    assert "di solito al massimo 18,1" in d1["text"]
    page = rep.get("/alerts")
    assert page.status_code == 200 and 'id="nav-unread"' in page.text
    other = login(app, "other_rep")
    assert [a["subject"] for a in other.get("/api/alerts").json()["alerts"]] == ["D3"]
    # Someone else's alert cannot be marked; one's own can.
    assert other.post(f"/api/alerts/{d1['firing_id']}/read").status_code == 404
    assert rep.post(f"/api/alerts/{d1['firing_id']}/acknowledge").status_code == 200
    assert rep.post(f"/api/alerts/{d1['firing_id']}/snooze?days=3").status_code == 400
    assert rep.get("/api/alerts").json()["unread"] == 1
    # Snoozed: the inbox says until when in the reader's words (it showed "2026-12-02").
    d4 = next(a for a in mine["alerts"] if a["subject"] == "D4")
    assert rep.post(f"/api/alerts/{d4['firing_id']}/snooze?days=1").status_code == 200
    snoozed = re.search(r"Rimandato fino al ([^<]+)<", rep.get("/alerts").text)
    assert snoozed and re.fullmatch(r"\d{1,2} [a-z]{3} \d{4}, \d{2}:\d{2}", snoozed.group(1))
    assert login(app, "viewer").get("/api/alerts").json()["alerts"] == []


def test_own_email_address_is_set_and_checked(app):
    rep = login(app, "rep")
    assert rep.post("/api/alerts/email", json={"email": "not an address"}).status_code == 400
    assert rep.post("/api/alerts/email", json={"email": "rino@example.com"}).status_code == 200
    assert app.state.users.get("rep").email == "rino@example.com"
    assert [e.action for e in audit.entries(app.state.warehouse)] == ["user.email"]


def test_own_digests_are_chosen_on_the_inbox(app):
    rep = login(app, "rep")
    assert rep.post("/api/alerts/digests", json={"frequencies": ["hourly"]}).status_code == 400
    chosen = rep.post("/api/alerts/digests", json={"frequencies": ["weekly", "monthly"]})
    assert chosen.json() == {"digests": ["monthly", "weekly"]}
    assert rep.get("/api/alerts").json()["digests"] == ["monthly", "weekly"]
    assert rep.post("/api/alerts/digests", json={"frequencies": []}).json() == {"digests": []}
    assert [e.action for e in audit.entries(app.state.warehouse)] == ["digest.subscribe"] * 2


def test_a_rule_is_paused_changed_and_resumed_by_its_owner(app):
    manager = login(app, "manager")
    rule = manager.post(
        "/api/alerts/rules",
        json={"name": "R1 stalled", "kind": "deal_stalled", "scope": "rep:R1"},
    ).json()
    # The rules page names the rep ("Rep R1", the fixture's name), never the id alone.
    page = manager.get("/alerts/rules").text
    assert "<td>Rep R1</td>" in page and "<td>R1</td>" not in page
    # A new rule's scope is picked by name, among the manager's own team and reps only
    # (R1 is North, the manager's; R2 is South).
    choices = manager.get("/api/alerts/rules").json()["scopes"]
    assert [c for c in choices if ":" in c["value"] and "each" not in c["value"]] == [
        {"value": "team:North", "label": "North"},
        {"value": "rep:R1", "label": "Rep R1"},
    ]
    assert choices[0] == {"value": "company", "label": "My teams"}
    assert '<option value="rep:R1">Rep R1</option>' in page and "rep:R2" not in page
    # Paused from the page: kept, shown as paused, and not evaluated (the company has
    # D1 and D4 stalled for R1; see tests/alerts/company.py).
    paused = manager.post(f"/alerts/rules/{rule['rule_id']}/pause", follow_redirects=False)
    assert paused.status_code == 303
    listed = manager.get("/api/alerts/rules").json()["rules"]
    assert [(r["name"], r["enabled"]) for r in listed] == [("R1 stalled", False)]
    report, _ = evaluate_now(app)
    assert report.fired == []
    # Changed through the API: only the fields sent move; the manager's team bound stays.
    changed = manager.patch(
        f"/api/alerts/rules/{rule['rule_id']}", json={"enabled": True, "severity": "critical"}
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["enabled"], body["severity"], body["scope"]) == (True, "critical", "rep:R1")
    assert body["within"] == {"team": ["North"]}
    report, _ = evaluate_now(app)
    assert sorted(f.subject for f in report.fired) == ["D1", "D4"]
    # A bad change is refused with the field named, and the stored rule is unchanged.
    bad = manager.patch(f"/api/alerts/rules/{rule['rule_id']}", json={"severity": "loud"})
    assert bad.status_code == 400 and "severity" in bad.json()["detail"]
    # Moving the rule outside the manager's teams is refused; others' rules are not theirs.
    out = manager.patch(f"/api/alerts/rules/{rule['rule_id']}", json={"scope": "rep:R2"})
    assert out.status_code == 403
    admin_rule = login(app, "admin").post(
        "/api/alerts/rules", json={"name": "All SLA", "kind": "ticket_sla"}
    )
    other = admin_rule.json()["rule_id"]
    assert manager.patch(f"/api/alerts/rules/{other}", json={"enabled": False}).status_code == 403
    assert manager.patch("/api/alerts/rules/nope", json={"enabled": False}).status_code == 404
    assert login(app, "rep").patch(f"/api/alerts/rules/{other}", json={}).status_code == 403
    stored = {r["name"]: r for r in login(app, "admin").get("/api/alerts/rules").json()["rules"]}
    assert (stored["R1 stalled"]["severity"], stored["R1 stalled"]["scope"]) == (
        "critical",
        "rep:R1",
    )
    actions = [e.action for e in audit.entries(app.state.warehouse)]
    assert actions.count("alert_rule.update") == 2


@pytest.mark.parametrize("change", [{"scope": 5}, {"params": "x"}, {"enabled": "yes"}])
def test_a_managers_change_of_the_wrong_type_is_a_400_not_a_500(app, change):
    manager = login(app, "manager")
    rule = manager.post(
        "/api/alerts/rules", json={"name": "Mine", "kind": "deal_stalled", "scope": "each:rep"}
    ).json()
    answer = manager.patch(f"/api/alerts/rules/{rule['rule_id']}", json=change)
    assert answer.status_code == 400 and next(iter(change)) in answer.json()["detail"]
