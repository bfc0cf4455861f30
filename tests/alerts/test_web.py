"""The inbox and rules pages and their JSON twins, through the real app and login."""

from __future__ import annotations

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
    assert bad.status_code == 400 and "params.value" in bad.json()["detail"]
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
