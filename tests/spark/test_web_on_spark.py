"""The web app served over a Spark lake (SPEC §7, issue 16 item 4): the KPIs come from
Spark, the app's own tables (users, sessions, goals, alerts, audit) from the DuckDB file
beside the lake, and a write to the data is refused with the way round it.

The company is tests/web/data.py's hand-counted one, whose numbers tests/web pins by hand
on DuckDB (new leads in March 2026: 6; in the North team: 4; by rep 3, 2 and 1).
"""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from cruscotto.settings import CompanySettings
from cruscotto.warehouse import connect
from cruscotto.warehouse.copy import copy_warehouse
from cruscotto.web import create_app, users
from tests.web.conftest import add_users, login
from tests.web.data import TODAY, load_company

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def lake(java, tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-spark")
    duck = connect(str(folder / "company.duckdb"))
    load_company(duck)
    duck.close()
    copy_warehouse(str(folder / "company.duckdb"), f"spark+local://{folder / 'lake'}")
    return folder / "lake"


@pytest.fixture(scope="module")
def warehouse(lake):
    opened = connect(f"spark+local://{lake}")
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def clients(warehouse):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=256))
        app = create_app(warehouse, CompanySettings(), today=TODAY)
        add_users(app)
        yield {name: login(app, name) for name in ("admin", "manager", "rep", "viewer")}


def test_kpis_on_spark_are_the_hand_counted_ones_in_every_scope(clients):
    data = clients["admin"].get("/api/kpi/new_leads?period=2026-03&by=rep").json()
    assert data["compare"]["current"]["value"] == 6
    rows = {r["key"]: r["value"] for r in data["breakdown"]["rows"]}
    assert rows == {"r1": 3, "r2": 2, "r3": 1}
    manager = clients["manager"].get("/api/kpi/new_leads?period=2026-03").json()
    assert manager["records"]["total"] == 4
    viewer = clients["viewer"].get("/api/kpi/new_leads?period=2026-03").json()
    assert viewer["records"] is None


def test_the_app_keeps_its_own_tables_beside_the_lake(lake, warehouse, clients):
    stored = warehouse.state_store
    assert stored.url == f"duckdb://{lake.parent / f'{lake.name}-app.duckdb'}"
    names = {r["username"] for r in stored.to_pyarrow(stored.con.table("web_users")).to_pylist()}
    assert names >= {"admin", "manager", "rep", "viewer"}
    # The lake holds only the canonical tables' folders that `db copy` wrote.
    assert not {"users", "sessions", "audit_log"} & {p.name for p in lake.iterdir()}


def test_a_goal_is_stored_in_the_app_database(clients):
    response = clients["admin"].post(
        "/api/goals", json={"kpi": "new_leads", "period": "2026-Q2", "target": 9}
    )
    assert response.status_code == 201, response.text
    listed = clients["admin"].get("/api/goals?period=2026-Q2").json()
    assert [(g["kpi"], g["target"]) for g in listed["goals"]] == [("new_leads", 9)]


def test_an_import_on_spark_is_refused_with_the_way_round(clients):
    response = clients["admin"].post(
        "/api/data/import",
        data={"table": "leads"},
        files=[("files", ("leads.csv", b"lead_id,created_at\nL99,2026-03-02\n"))],
    )
    assert response.status_code == 409, response.text
    assert "read-only" in response.json()["detail"]
    assert "db copy" in response.json()["detail"]
    assert (
        clients["admin"]
        .get("/api/kpi/new_leads?period=2026-03")
        .json()["compare"]["current"]["value"]
        == 6
    )
