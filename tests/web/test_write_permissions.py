"""Who may write what (cruscotto.web.permissions), and the audit entry of every import.

The company is tests/web/data.py's: r1 Anna and r3 Carla in North, r2 Bruno in South; deal
o1 is r1's, o2 is r2's. The manager manages North. The exploit of issue 15: a manager
importing `reps` moved a South rep into North (and so saw their deals), and overwrote
other teams' deals and the P&L.
"""

from __future__ import annotations

import pytest
from fastapi import HTTPException

from cruscotto import audit
from cruscotto.settings import CompanySettings, SecuritySettings
from cruscotto.warehouse import connect
from cruscotto.web import create_app
from cruscotto.web.access import Access
from cruscotto.web.permissions import ACTIONS, authorize
from cruscotto.web.users import User
from tests.web.conftest import add_users, close_app, login
from tests.web.data import TODAY, load_company

DEAL_HEADER = (
    "opportunity_id,account_id,owner_id,pipeline,stage,amount,currency,created_at,status\n"
)


def deal(opportunity: str, owner: str, amount: int) -> str:
    return f"{opportunity},a1,{owner},New business,proposal,{amount},EUR,2026-03-10 10:00,open\n"


def upload(client, table: str, text: str, name: str = "upload.csv"):
    return client.post(
        "/api/data/import",
        files=[("files", (name, text.encode(), "text/csv"))],
        data={"table": table},
    )


def make_app(tmp_path, security: SecuritySettings | None = None):
    warehouse = connect(str(tmp_path / "w.duckdb"))
    load_company(warehouse)
    app = create_app(warehouse, CompanySettings(), today=TODAY, security=security)
    add_users(app)
    return app


@pytest.fixture
def app(tmp_path):
    application = make_app(tmp_path)
    yield application
    close_app(application)


def column(app, table: str, key: str, value: str, name: str):
    t = app.state.warehouse.table(table)
    return t.filter(t[key] == value)[name].execute().tolist()


def imports(app) -> list[audit.AuditEntry]:
    return [e for e in audit.entries(app.state.warehouse) if e.action == "import"]


# -- what a manager may not write ---------------------------------------------------------


def test_a_manager_cannot_move_another_teams_rep_into_their_team(app):
    manager = login(app, "manager")
    moved = "rep_id,name,team,role,active\nr2,Bruno Bianchi,North,ae,true\n"
    response = upload(manager, "reps", moved)
    assert response.status_code == 403, response.text
    assert "administrator" in response.json()["detail"]
    assert column(app, "reps", "rep_id", "r2", "team") == ["South"]
    # …so the South deal o2 stays out of the manager's records.
    records = manager.get("/api/kpi/open_pipeline_value/records").json()
    assert "o2" not in str(records)
    assert imports(app) == []


def test_a_manager_cannot_overwrite_another_teams_deal(app):
    manager = login(app, "manager")
    # o2 is r2's (South). Rewriting it with a North owner would steal it; keeping r2 would
    # change a South deal: both refused, nothing written.
    for owner in ("r1", "r2"):
        response = upload(manager, "opportunities", DEAL_HEADER + deal("o2", owner, 1))
        assert response.status_code == 403, response.text
        assert "r2" in response.json()["detail"] or "r1" not in response.json()["detail"]
    assert column(app, "opportunities", "opportunity_id", "o2", "amount") == [5000.0]
    assert column(app, "opportunities", "opportunity_id", "o2", "owner_id") == ["r2"]


def test_a_manager_cannot_add_deals_of_another_team_or_without_owner(app):
    manager = login(app, "manager")
    mixed = DEAL_HEADER + deal("o9", "r1", 100) + deal("o10", "r2", 200)
    assert upload(manager, "opportunities", mixed).status_code == 403
    unowned = DEAL_HEADER + "o11,a1,,New business,proposal,50,EUR,2026-03-10 10:00,open\n"
    assert upload(manager, "opportunities", unowned).status_code == 403
    stored = app.state.warehouse.table("opportunities").opportunity_id.execute().tolist()
    assert sorted(stored) == ["o1", "o2"]  # nothing of either file, not even o9


@pytest.mark.parametrize(
    ("table", "text"),
    [
        ("financials", "month,revenue,cogs,opex\n2026-03-01,1,1,1\n"),
        ("fx_rates", "day,currency,rate_to_base\n2026-01-01,USD,99\n"),
    ],
)
def test_a_manager_cannot_import_company_tables(app, table, text):
    before = app.state.warehouse.table(table).count().execute()
    response = upload(login(app, "manager"), table, text)
    assert response.status_code == 403, response.text
    assert app.state.warehouse.table(table).count().execute() == before


def test_a_deals_file_naming_an_unknown_owner_would_create_a_rep_so_it_is_refused(app):
    hubspot = (
        '"Record ID","Deal Name","Deal Stage","Close Date","Deal owner","Amount",'
        '"Create Date","Pipeline"\n'
        '"9401","Acme","Closed Won","2026-03-15 10:00","Mario Rossi","12000",'
        '"2026-01-10 09:30","Sales Pipeline"\n'
    )
    response = upload(login(app, "manager"), "", hubspot, name="hubspot-deals.csv")
    assert response.status_code == 403, response.text
    assert column(app, "reps", "rep_id", "Mario Rossi", "name") == []


@pytest.mark.parametrize("role", ["rep", "viewer"])
def test_reps_and_viewers_import_nothing_even_their_own_rows(app, role):
    response = upload(login(app, role), "opportunities", DEAL_HEADER + deal("o9", "r1", 1))
    assert response.status_code == 403
    assert column(app, "opportunities", "opportunity_id", "o9", "amount") == []


def test_the_admin_setting_never_stops_manager_imports(tmp_path):
    app = make_app(tmp_path, SecuritySettings(manager_imports="never"))
    manager = login(app, "manager")
    assert upload(manager, "opportunities", DEAL_HEADER + deal("o9", "r1", 1)).status_code == 403
    assert manager.get("/api/data/import").status_code == 403
    assert column(app, "opportunities", "opportunity_id", "o9", "amount") == []


# -- what a manager and an admin may write, and the audit trail ---------------------------


def test_a_manager_imports_their_teams_deals_and_it_is_audited(app):
    manager = login(app, "manager")
    # o1 (r1, North) updated; o9 new for r3 (North).
    text = DEAL_HEADER + deal("o1", "r1", 12_000) + deal("o9", "r3", 700)
    response = upload(manager, "opportunities", text, name="north.csv")
    assert response.status_code == 200, response.text
    assert response.json()["applied"] is True
    assert column(app, "opportunities", "opportunity_id", "o1", "amount") == [12_000.0]
    assert column(app, "opportunities", "opportunity_id", "o9", "owner_id") == ["r3"]
    (entry,) = imports(app)
    assert (entry.username, entry.target) == ("manager", "opportunities")
    assert entry.address == "testclient"  # what Starlette's TestClient calls its host
    assert entry.after == {"files": ["north.csv"], "opportunities": 2}


def test_an_admin_imports_company_tables_and_it_is_audited(app):
    admin = login(app, "admin")
    moved = "rep_id,name,team,role,active\nr2,Bruno Bianchi,North,ae,true\n"
    assert upload(admin, "reps", moved).status_code == 200
    assert column(app, "reps", "rep_id", "r2", "team") == ["North"]
    (entry,) = imports(app)
    assert (entry.username, entry.action, entry.target) == ("admin", "import", "reps")


def test_a_dry_run_is_not_audited(app):
    admin = login(app, "admin")
    moved = "rep_id,name,team,role,active\nr2,Bruno Bianchi,North,ae,true\n"
    response = admin.post(
        "/api/data/import",
        files=[("files", ("r.csv", moved.encode(), "text/csv"))],
        data={"table": "reps", "dry_run": "true"},
    )
    assert response.status_code == 200 and response.json()["applied"] is False
    assert imports(app) == []


# -- the roles × actions table ------------------------------------------------------------


def who(role: str, teams: tuple[str, ...] = (), **security) -> Access:
    user = User(role, role, rep_id="r1" if role == "rep" else None, teams=teams)
    return Access(user, CompanySettings(), security=SecuritySettings(**security))


def allowed(access: Access, action: str, teams=None) -> bool:
    try:
        authorize(access, action, teams=teams)
    except HTTPException as exc:
        assert exc.status_code == 403
        return False
    return True


def test_the_roles_by_actions_table():
    admin, manager = who("admin"), who("manager", ("North",))
    table = {
        role: {action: allowed(w, action) for action in ACTIONS}
        for role, w in {
            "admin": admin,
            "manager": manager,
            "rep": who("rep"),
            "viewer": who("viewer"),
        }.items()
    }
    assert table == {
        "admin": dict.fromkeys(ACTIONS, True),
        "manager": {
            "users.manage": False,
            "settings.change": False,
            "import": True,
            "targets.set": True,
            "goals.set": True,
            "alerts.manage": True,
        },
        "rep": dict.fromkeys(ACTIONS, False),
        "viewer": dict.fromkeys(ACTIONS, False),
    }
    assert allowed(manager, "goals.set", teams=["North"])
    assert not allowed(manager, "goals.set", teams=["North", "South"])
    assert allowed(admin, "goals.set", teams=["South"])
    assert not allowed(who("manager", ("North",), manager_imports="never"), "import")
    with pytest.raises(ValueError, match="unknown action"):
        authorize(admin, "delete.everything")


def test_a_command_line_import_is_audited_with_the_os_user(tmp_path, monkeypatch):
    import getpass

    from typer.testing import CliRunner

    from cruscotto.cli import app as cli

    monkeypatch.chdir(tmp_path)
    db = tmp_path / "cli.duckdb"
    connect(str(db)).close()
    (tmp_path / "reps.csv").write_text("rep_id,name,team,role,active\nr1,Anna,North,ae,true\n")
    result = CliRunner().invoke(
        cli, ["--db", str(db), "import", str(tmp_path / "reps.csv"), "--table", "reps"]
    )
    assert result.exit_code == 0, result.output
    warehouse = connect(str(db))
    try:
        (entry,) = audit.entries(warehouse)
    finally:
        warehouse.close()
    assert (entry.username, entry.address) == (f"cli:{getpass.getuser()}", "cli")
    assert entry.after == {"files": [str(tmp_path / "reps.csv")], "reps": 1}
