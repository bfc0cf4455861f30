"""Every KPI's records, as a rep and as a manager, hold only rows of their scope (issue 15).

The demo company (scale 0.02) is served with a rep (the first account executive, as
`cruscotto serve --demo` picks) and a manager of that rep's team. For each KPI of the
catalog each may see, the records behind its value in the first quarter of 2026 are read
the three ways a user can read them — the JSON twin, the CSV export, the HTML page — and
every row is checked against the scope with rules that do not go through the engine's
filters, only through the stored tables:

- a row naming its own person (owner, rep, agent, assignee, person) is in scope when that
  person is the rep / one of the team's reps;
- otherwise a row of an account is in scope when the account's owner is, or — the
  catalog's customer rule for an account without a contract — when one of its invoices
  was issued by a rep in scope (that rep's sale made it their customer);
- otherwise a row of a deal (a stage stay, a deal's touches) when the deal's owner is.

A row none of these rules can place fails the test: records nobody can tell the owner of
are not shown to a scoped user.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from cruscotto.settings import CompanySettings
from cruscotto.warehouse import connect
from cruscotto.web import create_app, users
from cruscotto.web.records import INTERNAL_PREFIX, NAMED_IDS
from tests.web.conftest import log_in

TODAY = date(2026, 4, 15)
PERIOD = "2026-Q1"  # its trend and last year's stay within the demo's exchange rates
PERSON_COLUMNS = ("owner_id", "rep_id", "agent_id", "assignee_id", "person_id")
ROLES = ("rep", "manager")
PASSWORD = "scope-pass-0123"


def _kpis() -> list:
    from cruscotto.catalog import load_catalog

    return load_catalog().all()


KPIS = _kpis()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The served demo, its logged-in rep and manager, and who is in each one's scope."""
    from cruscotto.cli.serve import first_account_executive
    from cruscotto.demo import generate

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=256))
        warehouse = connect(str(tmp_path_factory.mktemp("scope") / "demo.duckdb"))
        generate(warehouse, scale=0.02, seed=7, today=TODAY)
        rep_id, team = first_account_executive(warehouse)
        app = create_app(warehouse, CompanySettings(), today=TODAY)
        app.state.users.add("rep", PASSWORD, "rep", rep_id=rep_id)
        app.state.users.add("manager", PASSWORD, "manager", teams=[team])
        app.state.users.add("admin", PASSWORD, "admin")
        reps = warehouse.execute(warehouse.table("reps"))
        accounts = warehouse.execute(warehouse.table("accounts"))
        invoices = warehouse.execute(warehouse.table("invoices"))
        contracts = warehouse.execute(warehouse.table("contracts"))
        deals = warehouse.execute(warehouse.table("opportunities"))
        scope = {
            "rep": {rep_id},
            "manager": set(reps.loc[reps.team == team, "rep_id"]),
        }
        clients = {name: log_in(TestClient(app), name, PASSWORD) for name in (*ROLES, "admin")}
        yield {
            "clients": clients,
            "scope": scope,
            "account_owner": dict(zip(accounts.account_id, accounts.owner_id, strict=True)),
            "invoiced_by": invoices.groupby("account_id")["rep_id"].agg(set).to_dict(),
            "with_contract": set(contracts.account_id),
            "deal_owner": dict(zip(deals.opportunity_id, deals.owner_id, strict=True)),
        }
        warehouse.close()


def _whose(row: dict, demo: dict, allowed: set[str]) -> str | None:
    """Why `row` is in scope (a rule's name), or None when it is not."""
    person = next((c for c in PERSON_COLUMNS if c in row), None)
    if person is not None:
        return person if row[person] in allowed else None
    if "account_id" in row:
        account = row["account_id"]
        if demo["account_owner"].get(account) in allowed:
            return "account owner"
        invoiced = demo["invoiced_by"].get(account, set())
        if account not in demo["with_contract"] and invoiced & allowed:
            return "invoiced by"
        return None
    if "opportunity_id" in row:
        return "deal owner" if demo["deal_owner"].get(row["opportunity_id"]) in allowed else None
    raise AssertionError(f"no rule tells whose this record is: {sorted(row)}")


def _visible(kpi, role: str) -> bool:
    forced = "rep" if role == "rep" else "team"
    return forced in kpi.dimensions


CASES = [
    pytest.param(kpi.id, role, id=f"{kpi.id}-{role}")
    for kpi in KPIS
    for role in ROLES
    if _visible(kpi, role)
]


@pytest.mark.parametrize(("kpi_id", "role"), CASES)
def test_records_hold_only_rows_of_the_users_scope(demo, kpi_id, role):
    client, allowed = demo["clients"][role], demo["scope"][role]
    answer = client.get(f"/api/kpi/{kpi_id}", params={"period": PERIOD, "limit": 200})
    assert answer.status_code == 200, answer.text
    records = answer.json()["records"]
    columns = records["columns"]
    rows = [dict(zip(columns, row, strict=True)) for row in records["rows"]]
    outside = [row for row in rows if _whose(row, demo, allowed) is None]
    assert not outside, f"{len(outside)} rows outside {sorted(allowed)}: {outside[:2]}"

    # The records left out are the colleagues' ones counted in the number: what the admin
    # lists under the same filters is what the user lists plus what they are told is left.
    forced = {"rep": demo["scope"]["rep"]} if role == "rep" else None
    asked = {"rep": sorted(forced["rep"])} if forced else {"team": _team_of(client)}
    admin = demo["clients"]["admin"].get(
        f"/api/kpi/{kpi_id}", params={"period": PERIOD, "limit": 1, **asked}
    )
    assert admin.status_code == 200, admin.text
    assert records["total"] + records["not_listed"] == admin.json()["records"]["total"]

    # The CSV export: every record (not one page), each in scope.
    export = client.get(f"/api/kpi/{kpi_id}/records.csv", params={"period": PERIOD})
    assert export.status_code == 200, export.text
    exported = list(csv.reader(io.StringIO(export.text)))[1:]
    assert len(exported) == records["total"]
    positions = _csv_positions(columns)
    for line in exported:
        row = {c: line[i] or None for c, i in positions.items()}
        assert _whose(row, demo, allowed) is not None, row

    # The HTML part of the page: the ids behind the names shown are the JSON page's.
    part = client.get(
        f"/kpi/{kpi_id}/numbers", params={"period": PERIOD, "limit": 200, "part": "details"}
    )
    assert part.status_code == 200, part.text
    table = part.text.split('id="records-table"', 1)
    shown = set(re.findall(r'title="([^"]+)"', table[1])) if len(table) == 2 else set()
    ids = {str(row[c]) for row in rows for c in row if c in NAMED_IDS and row[c] is not None}
    assert {t for t in shown if re.fullmatch(r"[A-Z]\d{8}", t)} <= ids


def _team_of(client: TestClient) -> list[str]:
    return client.get("/api/me").json()["teams"]


def _csv_positions(columns: list[str]) -> dict[str, int]:
    """Where each record column is in the CSV export (a named id is followed by its name;
    the engine's working columns are left out)."""
    positions, at = {}, 0
    for column in columns:
        if column.startswith(INTERNAL_PREFIX):
            continue
        positions[column] = at
        at += 2 if column in NAMED_IDS else 1
    return positions


def test_the_scope_check_has_rows_to_refuse(demo):
    """The check above is not vacuous: under the rep's filter, the admin's list of
    engagement_rate's records holds colleagues' interactions with the rep's customers
    (issue 15's finding: the rep saw them too); the rep is told how many, not shown them."""
    admin, allowed = demo["clients"]["admin"], demo["scope"]["rep"]
    rep_id = sorted(allowed)[0]
    answer = admin.get(
        "/api/kpi/engagement_rate", params={"period": PERIOD, "limit": 200, "rep": rep_id}
    ).json()["records"]
    rows = [dict(zip(answer["columns"], row, strict=True)) for row in answer["rows"]]
    others = [row for row in rows if row["rep_id"] not in allowed]
    assert others, "the rep's customers had no interaction with a colleague in the quarter"
    rep_view = demo["clients"]["rep"].get(
        "/api/kpi/engagement_rate", params={"period": PERIOD, "limit": 200}
    )
    rep_records = rep_view.json()["records"]
    assert rep_records["not_listed"] == answer["total"] - rep_records["total"] > 0
