"""Roles (SPEC §8): a rep sees own numbers and records only, a manager their teams, a viewer
no records and no exports; asking beyond one's scope is refused, never answered."""

from __future__ import annotations

import csv
import io

import pytest

# Only the cards these tests look at (the full overview is tested in test_overview.py).
CARDS = "kpi=new_leads&kpi=share_of_voice&kpi=cost_per_qualified_lead"


def overview_cards(client, query: str = "") -> dict[str, dict]:
    response = client.get("/api/overview?" + CARDS + query.replace("?", "&"))
    assert response.status_code == 200, response.text
    return {c["id"]: c for area in response.json()["areas"] for c in area["cards"]}


def test_rep_numbers_are_their_own(company):
    cards = overview_cards(company["rep"])
    assert cards["new_leads"]["value"] == 3  # r1: L1 L2 L3 (the company has 6)
    other = overview_cards(company["other_rep"])
    assert other["new_leads"]["value"] == 2  # r2: L5 L6


def test_rep_does_not_see_kpis_that_cannot_be_scoped_to_a_rep(company):
    cards = overview_cards(company["rep"])
    # share_of_voice has no dimensions, cost_per_qualified_lead only channel/campaign
    assert "share_of_voice" not in cards
    assert "cost_per_qualified_lead" not in cards
    assert company["rep"].get("/api/kpi/share_of_voice").status_code == 404
    ids = [k["id"] for k in company["rep"].get("/api/kpis").json()]
    assert "share_of_voice" not in ids and "new_leads" in ids


@pytest.mark.parametrize(
    "path",
    [
        "/api/overview?rep=r2",
        "/api/kpi/new_leads?rep=r2",
        "/api/kpi/new_leads?rep=r1&rep=r2",
        "/api/kpi/new_leads/records.csv?rep=r2",
        "/overview?rep=r2",
        "/kpi/new_leads?rep=r2",
    ],
)
def test_rep_asking_for_another_rep_is_refused(company, path):
    response = company["rep"].get(path)
    assert response.status_code == 403
    assert "L5" not in response.text and "Bruno" not in response.text


def test_rep_records_breakdown_and_export_hold_only_their_records(company):
    data = company["rep"].get("/api/kpi/new_leads?period=2026-03&by=rep").json()
    assert data["filters"] == {"rep": ["r1"]}
    assert [r["key"] for r in data["breakdown"]["rows"]] == ["r1"]
    owner = data["records"]["columns"].index("owner_id")
    assert {row[owner] for row in data["records"]["rows"]} == {"r1"}
    assert data["records"]["total"] == 3
    exported = company["rep"].get("/api/kpi/new_leads/records.csv?period=2026-03").text
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert sorted(r["lead_id"] for r in rows) == ["L1", "L2", "L3"]


def test_rep_pickers_do_not_offer_other_people(company):
    pickers = company["rep"].get("/api/overview?kpi=new_leads").json()["pickers"]
    assert "rep" not in pickers and "team" not in pickers


def test_manager_sees_their_teams_only(company):
    cards = overview_cards(company["manager"])
    assert cards["new_leads"]["value"] == 4  # North: r1 (3) + r3 (1)
    pickers = company["manager"].get("/api/overview?kpi=new_leads").json()["pickers"]
    assert pickers["team"] == [["North", "North"]]
    assert [v for v, _ in pickers["rep"]] == ["r1", "r3"]
    assert company["manager"].get("/api/overview?team=South").status_code == 403
    # a rep of another team in the URL: the team scope still applies, so nothing leaks
    assert overview_cards(company["manager"], "?rep=r2")["new_leads"]["value"] == 0
    records = company["manager"].get("/api/kpi/new_leads?period=2026-03").json()["records"]
    assert records["total"] == 4


def test_viewer_sees_dashboards_but_no_records_or_exports(company):
    assert overview_cards(company["viewer"])["new_leads"]["value"] == 6
    data = company["viewer"].get("/api/kpi/new_leads?period=2026-03").json()
    assert data["records"] is None
    assert data["compare"]["current"]["value"] == 6
    export = company["viewer"].get("/api/kpi/new_leads/records.csv?period=2026-03")
    assert export.status_code == 403
    page = company["viewer"].get("/kpi/new_leads?period=2026-03")
    assert "records-table" not in page.text and "csv-download" not in page.text


def test_bearer_token_carries_the_same_scope(company_app):
    from fastapi.testclient import TestClient

    token = company_app.state.users.issue_token("rep").token
    client = TestClient(company_app, headers={"Authorization": f"Bearer {token}"})
    assert overview_cards(client)["new_leads"]["value"] == 3
    assert client.get("/api/kpi/new_leads?rep=r2").status_code == 403
