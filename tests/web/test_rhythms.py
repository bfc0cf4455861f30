"""The operational (daily/weekly) and strategic (monthly/quarterly) dashboards."""

from __future__ import annotations


def card_ids(data: dict) -> set[str]:
    return {card["id"] for area in data["areas"] for card in area["cards"]}


def test_each_rhythm_shows_the_kpis_of_its_frequency(company):
    operational = company["admin"].get("/api/dashboards/operational").json()
    strategic = company["admin"].get("/api/dashboards/strategic").json()
    # today 2026-04-15 (a Wednesday): the last complete week is 6–12 April (2026-W15),
    # the last complete month March.
    assert (operational["grain"], operational["period"]["label"]) == ("week", "2026-W15")
    assert (strategic["grain"], strategic["period"]["label"]) == ("month", "2026-03")
    # new_leads is watched weekly, ticket response time daily; win rate and CLV monthly
    # and quarterly (the catalog's `frequency`).
    assert {"new_leads", "ticket_response_time"} <= card_ids(operational)
    assert {"win_rate", "clv"} <= card_ids(strategic)
    assert not card_ids(operational) & card_ids(strategic)
    page = company["manager"].get("/dashboards/operational")
    assert page.status_code == 200 and "Operational dashboard" in page.text


def test_a_rep_sees_only_own_numbers_on_both(company):
    data = company["rep"].get("/api/dashboards/strategic").json()
    assert data["filters"] == {"rep": ["r1"]}
    assert company["rep"].get("/api/dashboards/strategic?rep=r2").status_code == 403
