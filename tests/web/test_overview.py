"""The overview page and its JSON twin, on the hand-counted company (tests/web/data.py)."""

from __future__ import annotations

import pytest

from tests.web.conftest import with_parts

CARDS = "kpi=new_leads&kpi=avg_opportunity_value&kpi=share_of_voice"


def cards(response) -> dict[str, dict]:
    assert response.status_code == 200, response.text
    return {c["id"]: c for area in response.json()["areas"] for c in area["cards"]}


def test_default_period_is_the_last_complete_month(company):
    data = company["admin"].get("/api/overview").json()
    # today is 2026-04-15 → March 2026, compared with February
    assert data["period"]["label"] == "2026-03"
    assert data["previous"]["label"] == "2026-02"
    assert [a["id"] for a in data["areas"]] == ["sales", "customer", "operations", "profitability"]
    # every KPI of the catalog gets a card that computed (no error) for the admin
    every = [c for area in data["areas"] for c in area["cards"]]
    assert {c["id"] for c in every} == {k["id"] for k in company["admin"].get("/api/kpis").json()}
    assert [c["id"] for c in every if c["error"]] == []


def test_card_value_previous_change_and_sparkline(company):
    card = cards(company["admin"].get("/api/overview?" + CARDS))["new_leads"]
    # March: L1 L2 L3 (r1) + L5 L6 (r2) + L7 (r3) = 6; February: L8 = 1
    assert card["value"] == 6
    assert card["previous_value"] == 1
    assert card["change"] == pytest.approx((6 - 1) / 1)
    assert card["improved"] is True
    # 12 monthly points ending in March 2026: April 2025 … March 2026
    spark = card["sparkline"]
    assert [p["period"] for p in spark][0] == "2025-04"
    assert [p["period"] for p in spark][-2:] == ["2026-02", "2026-03"]
    assert [p["value"] for p in spark][-2:] == [1, 6]
    assert card["small_sample"] is True  # 6 leads < 30


def test_money_card_is_converted_to_the_base_currency(company):
    card = cards(company["admin"].get("/api/overview?" + CARDS))["avg_opportunity_value"]
    # (10 000 EUR + 5 000 USD × 0.9) / 2 = 7 250 EUR
    assert card["value"] == pytest.approx(7250.0)


def test_filters_in_the_url_cut_the_numbers(company):
    by_channel = cards(company["admin"].get("/api/overview?channel=web&" + CARDS))
    assert by_channel["new_leads"]["value"] == 3  # L1, L2, L5
    # share of voice has no dimensions: it says so instead of showing an unfiltered number
    assert by_channel["share_of_voice"]["not_applicable"] == ["channel"]
    assert "value" not in by_channel["share_of_voice"]
    april = cards(company["admin"].get("/api/overview?period=2026-04&" + CARDS))
    assert april["new_leads"]["value"] == 1  # L4: 22:30Z on 31 March is 1 April in Rome


def test_grain_changes_the_sparkline(company):
    url = "/api/overview?period=2026-Q1&grain=quarter&kpi=new_leads"
    card = cards(company["admin"].get(url))["new_leads"]
    # Q1 2026: L3 L8 (Feb/Mar) + the March ones: L1 L2 L3 L5 L6 L7 L8 = 7
    assert card["value"] == 7
    assert len(card["sparkline"]) == 8
    assert card["sparkline"][-1] == {"period": "2026-Q1", "value": 7}


def test_bad_period_and_grain_are_explained(company):
    bad = company["admin"].get("/api/overview?period=March")
    assert bad.status_code == 400
    assert "2026-Q1" in bad.json()["detail"]
    assert company["admin"].get("/api/overview?grain=decade").status_code == 400
    # The page explains it above the default period's cards, instead of an error page.
    page = company["admin"].get("/overview?period=March")
    assert page.status_code == 200
    assert 'id="period-error"' in page.text
    assert "Cannot read the period &#39;March&#39;" in page.text
    assert "Showing March 2026 instead." in page.text  # the last complete month of 2026-04-15
    assert "/overview/cards?area=sales&amp;period=2026-03" in page.text


def test_pickers_offer_the_data_values(company):
    pickers = company["admin"].get("/api/overview?kpi=new_leads").json()["pickers"]
    assert pickers["rep"] == [["r1", "Anna Rossi"], ["r2", "Bruno Bianchi"], ["r3", "Carla Verdi"]]
    assert pickers["team"] == [["North", "North"], ["South", "South"]]
    assert ["web", "web"] in pickers["channel"]


def test_a_rep_who_left_is_marked_in_the_picker(web_warehouse):
    """Bruno (r2) left: still choosable for his past numbers, but named as gone."""
    from cruscotto.settings import CompanySettings
    from cruscotto.web import create_app
    from tests.web.conftest import add_users, close_app, login
    from tests.web.data import REPS, TODAY, frame, load_company

    load_company(web_warehouse)
    gone = [dict(r, active=r["rep_id"] != "r2") for r in REPS]
    web_warehouse.load({"reps": frame("reps", gone)}, replace=True)
    app = create_app(web_warehouse, CompanySettings(), today=TODAY)
    add_users(app)
    try:
        app.state.users.set_language("admin", "it")
        pickers = login(app, "admin").get("/api/overview?kpi=new_leads").json()["pickers"]
    finally:
        close_app(app)
    assert pickers["rep"] == [
        ["r1", "Anna Rossi"],
        ["r2", "Bruno Bianchi (non più in azienda)"],
        ["r3", "Carla Verdi"],
    ]


def test_overview_page_renders_the_cards(company):
    page = with_parts(company["admin"], "/overview?period=2026-03&" + CARDS)
    assert 'data-kpi="new_leads"' in page
    assert "€7,250" in page  # en_GB money, whole units on screen
    assert '<svg class="spark"' in page


def test_kpi_parameter_limits_the_cards(company):
    data = company["admin"].get("/api/overview?kpi=new_leads&kpi=win_rate").json()
    assert [c["id"] for a in data["areas"] for c in a["cards"]] == ["new_leads", "win_rate"]


def test_anonymous_page_request_goes_to_login(company_app):
    from fastapi.testclient import TestClient

    response = TestClient(company_app).get("/overview?period=2026-03", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/overview%3Fperiod%3D2026-03"


def test_one_broken_kpi_shows_its_error_and_the_rest_still_show(app, clients, web_warehouse):
    from tests.web.data import OPPORTUNITIES, frame, load_company

    load_company(web_warehouse)
    # A deal in a currency without any exchange rate: money KPIs on deals cannot be computed.
    swiss = dict(OPPORTUNITIES[0], opportunity_id="o3", currency="CHF")
    web_warehouse.load({"opportunities": frame("opportunities", [swiss])})
    url = "/api/overview?period=2026-03&kpi=new_leads&kpi=avg_opportunity_value"
    by_id = cards(clients["admin"].get(url))
    assert "CHF" in by_id["avg_opportunity_value"]["error"]
    assert "value" not in by_id["avg_opportunity_value"]
    assert by_id["new_leads"]["value"] == 6
    page = with_parts(clients["admin"], url.replace("/api", ""))
    assert "Could not compute this number." in page
    assert 'title="no exchange rate for CHF' in page  # the engine's reason, as a tooltip


def test_warm_up_caches_the_company_overview_at_start(web_warehouse):
    from fastapi.testclient import TestClient

    from cruscotto.settings import CompanySettings
    from cruscotto.web import create_app
    from tests.web.data import TODAY, load_company

    load_company(web_warehouse)
    application = create_app(web_warehouse, CompanySettings(), today=TODAY, warm=True)
    with TestClient(application):  # runs the lifespan, which starts the warm-up
        application.state.warm_up.join(timeout=120)
        cached = application.state.engine._answers
        assert any("trends" in key for key in cached)  # (data version, today, question…)


def test_simultaneous_cold_requests_during_warm_up_all_complete(web_warehouse):
    """The shared connection is used by the warm-up and several requests at once."""
    import threading

    from fastapi.testclient import TestClient

    from cruscotto.settings import CompanySettings
    from cruscotto.web import create_app
    from tests.web.conftest import add_users, login
    from tests.web.data import TODAY, load_company

    load_company(web_warehouse)
    application = create_app(web_warehouse, CompanySettings(), today=TODAY, warm=True)
    add_users(application)
    with TestClient(application):
        clients = [login(application, name) for name in ("admin", "rep", "manager", "viewer")]
        statuses = []
        paths = ["/api/overview", "/api/kpi/new_leads", "/overview", "/kpi/avg_opportunity_value"]
        threads = [
            threading.Thread(target=lambda c=c, p=p: statuses.append(c.get(p).status_code))
            for c, p in zip(clients, paths, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "a request hung"
        assert statuses == [200] * 4


@pytest.mark.parametrize(
    ("delta", "direction", "expected"),
    [
        # 89.1 → 89.13 days: +0.03% reads "+0.0%", no ✗ (the card showed "✗ +0.0%").
        (0.0003, "lower", None),
        (-0.0004, "higher", None),
        # Half a step reads "+0.0%" too (rounded half to even); past it, ±0.1 and a verdict.
        (0.0005, "lower", None),
        (0.0006, "lower", False),
        (0.002, "higher", True),
        (None, "higher", None),
    ],
)
def test_a_change_that_reads_zero_gets_no_verdict(delta, direction, expected):
    from cruscotto.web.routes.overview import improved

    assert improved(delta, direction) is expected
