"""Pinning and ordering one's own KPIs on the overview (issue 10, item 5): per user,
stored, audited, only KPIs the user may see, a 4xx for anything else; the JSON twin and
the page's forms. The hand-counted company of tests/web/data.py (March 2026: 6 new leads,
average opportunity value 7,250 EUR)."""

from __future__ import annotations

import pytest

from cruscotto import audit
from cruscotto.settings import CompanySettings
from cruscotto.web import create_app
from cruscotto.web.pins import MAX_PINS
from tests.web.conftest import login, with_parts
from tests.web.data import TODAY, load_company


@pytest.fixture
def app(app, web_warehouse):
    """The conftest's fresh app (tests write pins), over the hand-counted company."""
    load_company(web_warehouse)
    return app


def pins(client) -> list[str]:
    response = client.get("/api/pins")
    assert response.status_code == 200, response.text
    return [p["id"] for p in response.json()["pins"]]


def test_pinned_kpis_come_first_in_the_users_order_and_are_theirs_alone(app, web_warehouse):
    manager, admin = login(app, "manager"), login(app, "admin")
    assert pins(manager) == []
    chosen = ["avg_opportunity_value", "new_leads"]
    response = manager.put("/api/pins", json={"kpis": chosen})
    assert response.status_code == 200, response.text
    assert [p["id"] for p in response.json()["pins"]] == chosen
    assert response.json()["pins"][1]["name"] == "New leads"
    # The overview's JSON twin: the pinned area first, in the chosen order, with the same
    # numbers as the cards in their own areas (North's March: 4 new leads, L1 L2 L3 L7).
    data = manager.get("/api/overview?period=2026-03").json()
    first = data["areas"][0]
    assert first["id"] == "pinned"
    assert [c["id"] for c in first["cards"]] == chosen
    sales = {c["id"]: c for c in data["areas"][1]["cards"]}
    assert first["cards"][1]["value"] == sales["new_leads"]["value"] == 4
    # Only this area's cards, as the page's deferred part asks for them.
    only = manager.get("/api/overview?period=2026-03&area=pinned").json()["areas"]
    assert [a["id"] for a in only] == ["pinned"]
    # Someone else's overview is untouched.
    assert pins(admin) == []
    assert admin.get("/api/overview?period=2026-03").json()["areas"][0]["id"] == "sales"
    # Stored: a new app on the same database (a restart) shows the same pins.
    again = create_app(web_warehouse, CompanySettings(), today=TODAY)
    assert pins(login(again, "manager")) == chosen
    # Audited, with the list before and after.
    [entry] = [e for e in audit.entries(web_warehouse) if e.action == "pins.set"]
    assert (entry.username, entry.before, entry.after) == ("manager", [], chosen)


def test_the_page_pins_moves_and_unpins_with_its_forms(app):
    rep = login(app, "rep")
    for kpi in ("new_leads", "win_rate", "avg_opportunity_value"):
        moved = rep.post("/pins", data={"kpi": kpi, "move": "pin"}, follow_redirects=False)
        assert moved.status_code == 303 and moved.headers["location"] == "/overview#pins"
    assert pins(rep) == ["new_leads", "win_rate", "avg_opportunity_value"]
    rep.post("/pins", data={"kpi": "avg_opportunity_value", "move": "up"})
    assert pins(rep) == ["new_leads", "avg_opportunity_value", "win_rate"]
    rep.post("/pins", data={"kpi": "new_leads", "move": "up"})  # already first: stays
    rep.post("/pins", data={"kpi": "new_leads", "move": "down"})
    assert pins(rep) == ["avg_opportunity_value", "new_leads", "win_rate"]
    rep.post("/pins", data={"kpi": "new_leads", "move": "unpin"})
    assert pins(rep) == ["avg_opportunity_value", "win_rate"]
    page = with_parts(rep, "/overview?period=2026-03")
    assert "My pinned KPIs" in page and 'id="area-pinned"' in page
    # The panel names the pins and offers the others; no code is shown for a KPI.
    assert '<span class="pin-name">Average opportunity value</span>' in page
    assert '<option value="new_leads">New leads</option>' in page


def test_italian_page_names_the_pinned_area_in_italian(app):
    app.state.users.set_language("viewer", "it")
    viewer = login(app, "viewer")
    assert viewer.put("/api/pins", json={"kpis": ["new_leads"]}).status_code == 200
    page = with_parts(viewer, "/overview?period=2026-03")
    assert "I miei KPI fissati" in page and "Togli" in page


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"kpis": ["no_such_kpi"]}, "no_such_kpi is not a KPI on your dashboards"),
        ({"kpis": ["new_leads", "new_leads"]}, "new_leads is listed twice"),
        # MRR has no rep dimension: a rep never sees it, so cannot pin it either.
        ({"kpis": ["mrr"]}, "mrr is not a KPI on your dashboards"),
    ],
)
def test_bad_pins_are_refused_with_the_reason_and_nothing_stored(app, body, message):
    rep = login(app, "rep")
    assert rep.put("/api/pins", json={"kpis": ["win_rate"]}).status_code == 200
    response = rep.put("/api/pins", json=body)
    assert response.status_code == 400 and message in response.text
    assert pins(rep) == ["win_rate"]


def test_too_many_pins_and_unknown_moves_are_refused(app):
    admin = login(app, "admin")
    visible = [k.id for k in app.state.engine.catalog.all() if k.dashboard_area]
    response = admin.put("/api/pins", json={"kpis": visible[: MAX_PINS + 1]})
    assert response.status_code == 400
    assert f"{MAX_PINS + 1} KPIs pinned: at most {MAX_PINS} can be." in response.text
    bad = admin.post("/pins", data={"kpi": "new_leads", "move": "sideways"})
    assert bad.status_code == 400 and "sideways" in bad.text
    not_pinned = admin.post("/pins", data={"kpi": "new_leads", "move": "unpin"})
    assert not_pinned.status_code == 400 and "new_leads is not pinned" in not_pinned.text
    assert pins(admin) == []
