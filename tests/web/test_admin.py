"""Settings and people in the browser (issue 14.5): company settings, targets, users, the
change log; every change through the one writer of its kind, audited (who, old → new)."""

from __future__ import annotations

import pytest
import yaml

from cruscotto import audit
from cruscotto.settings import CompanySettings
from cruscotto.web import create_app
from tests.web.conftest import add_users, login
from tests.web.data import TODAY, load_company


@pytest.fixture
def admin_app(web_warehouse, tmp_path):
    load_company(web_warehouse)
    config = tmp_path / "cruscotto.yaml"
    config.write_text("company:\n  name: Alfa\n", encoding="utf-8")
    app = create_app(web_warehouse, CompanySettings(name="Alfa"), today=TODAY, config=config)
    add_users(app)
    return app, config


def test_admin_changes_the_fiscal_year_from_the_browser(admin_app):
    app, config = admin_app
    admin = login(app, "admin")
    page = admin.get("/admin/settings")
    assert page.status_code == 200 and 'name="fiscal_year_start_month"' in page.text
    saved = admin.post(
        "/admin/settings",
        data={"name": "Alfa", "fiscal_year_start_month": "4", "timezone": "Europe/Rome"},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/admin/settings?saved=1"
    assert yaml.safe_load(config.read_text())["company"]["fiscal_year_start_month"] == 4
    # In force at once: FY2026 now runs from April 2026 (it started in January before).
    data = admin.get("/api/overview?period=FY2026&kpi=new_leads").json()
    assert data["period"]["start"] == "2026-04-01"
    (entry,) = [e for e in audit.entries(app.state.warehouse) if e.action == "settings.set"]
    assert (entry.username, entry.target, entry.before, entry.after) == (
        "admin",
        "company.fiscal_year_start_month",
        1,
        4,
    )


def test_admin_chooses_the_benchmark_template_and_the_cards_follow(admin_app):
    """The catalog's services band for the sales cycle is 60–90 days
    (catalog/kpis/sales.yaml); with the template "none" the KPI has no band at once, the
    change is audited, and a template with no bands behind it is refused."""
    app, config = admin_app
    admin = login(app, "admin")
    page = admin.get("/admin/settings").text
    assert 'name="benchmark_template"' in page and "B2B services" in page

    def band() -> dict | None:
        kpis = admin.get("/api/kpis").json()
        return next(k["benchmark"] for k in kpis if k["id"] == "sales_cycle_length")

    assert (band()["low"], band()["high"]) == (60.0, 90.0)
    saved = admin.post(
        "/admin/settings", data={"benchmark_template": "none"}, follow_redirects=False
    )
    assert saved.status_code == 303
    assert yaml.safe_load(config.read_text())["company"]["benchmark_template"] == "none"
    assert band() is None
    (entry,) = [e for e in audit.entries(app.state.warehouse) if e.action == "settings.set"]
    assert (entry.target, entry.before, entry.after) == (
        "company.benchmark_template",
        "services",
        "none",
    )
    refused = admin.post("/api/admin/settings", json={"benchmark_template": "retail"})
    assert refused.status_code == 400 and "retail" in refused.json()["detail"]
    assert app.state.settings.benchmark_template == "none"


def test_a_bad_setting_is_a_message_and_changes_nothing(admin_app):
    app, config = admin_app
    admin = login(app, "admin")
    bad = admin.post("/api/admin/settings", json={"base_currency": "EURO"})
    assert bad.status_code == 400
    assert "ISO 4217" in bad.json()["detail"]
    assert "base_currency" not in yaml.safe_load(config.read_text())["company"]
    assert app.state.settings.base_currency == "EUR"


def test_admin_sets_a_target_in_percent_and_it_shows_at_once(admin_app):
    app, config = admin_app
    admin = login(app, "admin")
    before = admin.get("/api/kpis").json()
    old = next(k["target"] for k in before if k["id"] == "win_rate")
    saved = admin.post(
        "/admin/targets", data={"kpi": "win_rate", "target": "27,5"}, follow_redirects=False
    )
    assert saved.status_code == 303
    # "27,5" typed in an Italian way, in percent: 0.275 stored.
    assert yaml.safe_load(config.read_text())["kpis"]["targets"]["win_rate"] == 0.275
    after = admin.get("/api/kpis").json()
    assert next(k["target"] for k in after if k["id"] == "win_rate") == 0.275
    (entry,) = [e for e in audit.entries(app.state.warehouse) if e.action == "target.set"]
    assert (entry.target, entry.before, entry.after) == ("kpis.targets.win_rate", old, 0.275)
    # Empty: back to the catalog's target.
    admin.post("/admin/targets", data={"kpi": "win_rate", "target": ""})
    assert "kpis" not in yaml.safe_load(config.read_text())
    assert next(k["target"] for k in admin.get("/api/kpis").json() if k["id"] == "win_rate") == old


def test_only_admins_change_settings_and_people(admin_app):
    app, _ = admin_app
    for name in ("manager", "rep", "viewer"):
        client = login(app, name)
        assert client.get("/admin/settings").status_code == 403, name
        assert client.get("/admin/users").status_code == 403, name
        assert client.get("/admin/audit").status_code == 403, name
        response = client.post("/api/admin/settings", json={"fiscal_year_start_month": 7})
        assert response.status_code == 403, name
        assert (
            client.post("/admin/targets", data={"kpi": "win_rate", "target": "1"}).status_code
            == 403
        )
    assert app.state.settings.fiscal_year_start_month == 1


def test_admin_adds_changes_and_removes_a_user_all_audited(admin_app):
    app, _ = admin_app
    admin = login(app, "admin")
    added = admin.post(
        "/admin/users",
        data={"username": "carla", "password": "carla-pass-1", "role": "rep", "rep_id": "r3"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    page = admin.get("/admin/users").text
    assert 'data-user="carla"' in page and "Carla Verdi" in page  # the rep's name, not r3
    changed = admin.post(
        "/admin/users/carla", data={"role": "manager", "teams": ["North"]}, follow_redirects=False
    )
    assert changed.status_code == 303
    assert app.state.users.get("carla").teams == ("North",)
    admin.post("/admin/users/carla/remove")
    assert app.state.users.get("carla") is None
    actions = [(e.action, e.target) for e in audit.entries(app.state.warehouse)]
    assert [a for a in actions if a[1] == "carla"] == [
        ("user.remove", "carla"),
        ("user.change", "carla"),
        ("user.add", "carla"),
    ]
    change = next(e for e in audit.entries(app.state.warehouse) if e.action == "user.change")
    assert (change.before["role"], change.after["role"]) == ("rep", "manager")


def test_the_change_log_reads_in_italian(admin_app):
    app, _ = admin_app
    admin = login(app, "admin")
    admin.post("/api/admin/settings", json={"fiscal_year_start_month": 7})
    admin.post("/language", data={"language": "it"})
    page = admin.get("/admin/audit").text
    assert "Registro delle modifiche" in page
    assert "Impostazione modificata" in page  # settings.set, translated
    assert "company.fiscal_year_start_month" in page and ">1<" in page and ">7<" in page


def test_the_company_language_is_set_in_the_browser_and_new_users_start_in_it(admin_app):
    from fastapi.testclient import TestClient

    app, config = admin_app
    admin = login(app, "admin")
    assert 'name="language"' in admin.get("/admin/settings").text
    saved = admin.post("/api/admin/settings", json={"language": "pt"}).json()
    assert saved == {"language": {"before": "en", "after": "pt"}}
    assert yaml.safe_load(config.read_text())["company"]["language"] == "pt"
    (entry,) = [e for e in audit.entries(app.state.warehouse) if e.target == "company.language"]
    assert (entry.username, entry.before, entry.after) == ("admin", "en", "pt")
    # A user added without a language starts in the company's; one given a language keeps it.
    strong = "Saldo-Verde-Fiume-42"
    admin.post("/api/admin/users", json={"username": "bia", "password": strong, "role": "viewer"})
    admin.post(
        "/api/admin/users",
        json={"username": "tom", "password": strong, "role": "viewer", "language": "en"},
    )
    users = {u["username"]: u["language"] for u in admin.get("/api/admin/users").json()["users"]}
    assert (users["bia"], users["tom"]) == ("pt", "en")
    # The login page: a browser asking for none of our languages gets the company's.
    german = TestClient(app).get("/login", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert '<html lang="pt"' in german.text
    italian = TestClient(app).get("/login", headers={"Accept-Language": "it-IT"})
    assert '<html lang="it"' in italian.text
    bad = admin.post("/api/admin/settings", json={"language": "fr"})
    assert bad.status_code == 400 and app.state.settings.language == "pt"
