"""Goals in the web app: who may set which goal, who sees which, page and JSON twin.

The hand-counted company of tests/web/data.py: r1 Anna and r3 Carla in North, r2 Bruno
in South; the manager manages North; today is 2026-04-15.
"""

from __future__ import annotations

import pytest

from cruscotto.goals import GoalSettings
from cruscotto.settings import CompanySettings
from cruscotto.web import create_app
from tests.web.conftest import PASSWORDS, add_users, login, with_parts
from tests.web.data import TODAY, load_company


def post_goal(client, **body):
    return client.post("/api/goals", json={"period": "2026-Q2", "target": 10, **body})


@pytest.fixture
def app(web_warehouse):
    """A fresh app over the hand-counted company for each test (tests write goals)."""
    load_company(web_warehouse)
    application = create_app(web_warehouse, CompanySettings(), today=TODAY)
    add_users(application)
    return application


@pytest.fixture
def goals(app):
    return {name: login(app, name) for name in PASSWORDS}


def test_a_manager_sets_a_goal_for_their_team_and_their_reps(goals):
    response = post_goal(goals["manager"], kpi="new_leads", scope="team=North", owner="manager")
    assert response.status_code == 201, response.text
    team = response.json()["goal"]
    assert (team["kpi"], team["scope"], team["period"], team["target"]) == (
        "new_leads",
        "team=North",
        "2026-Q2",
        10,
    )
    assert team["scope_label"] == "North (Team)"
    assert team["set_by"] == "manager" and team["status"] in ("on_pace", "behind_pace")
    rep = post_goal(goals["manager"], kpi="new_leads", scope="rep=r1", target=12)
    assert rep.status_code == 201, rep.text
    # r1 is in North: the goal rolls up into North's, and 12 > 10 is shown as "over".
    assert rep.json()["goal"]["parent_id"] == team["id"]
    assert rep.json()["rollup"]["verdict"] == "over"
    assert rep.json()["rollup"]["difference"] == 2


@pytest.mark.parametrize(
    ("user", "scope"),
    [
        ("manager", "team=South"),  # not their team
        ("manager", "rep=r2"),  # Bruno is in South
        ("manager", None),  # the whole company
        ("manager", "channel=web"),  # a company-wide channel
        ("rep", "rep=r1"),  # own scope, but the company does not allow it
        ("rep", "rep=r2"),  # another rep
        ("viewer", None),
    ],
)
def test_writes_outside_the_users_scope_are_refused(goals, user, scope):
    response = post_goal(goals[user], kpi="new_leads", scope=scope)
    assert response.status_code == 403, response.text
    assert goals["admin"].get("/api/goals?period=2026-Q2").json()["goals"] == []


def test_a_rep_sets_their_own_goal_only_when_the_company_allows_it(app, goals):
    app.state.goal_settings = GoalSettings(reps_set_own=True)
    assert post_goal(goals["rep"], kpi="new_leads", scope="rep=r1").status_code == 201
    assert post_goal(goals["rep"], kpi="new_leads", scope="rep=r2").status_code == 403


def test_each_user_sees_the_goals_of_their_scope(goals):
    for scope in ("team=North", "team=South", "rep=r1", "rep=r2", None):
        assert post_goal(goals["admin"], kpi="new_leads", scope=scope).status_code == 201

    def seen(user):
        data = goals[user].get("/api/goals?period=2026-Q2").json()
        return sorted(g["scope"] for g in data["goals"])

    everything = ["company", "rep=r1", "rep=r2", "team=North", "team=South"]
    assert seen("admin") == everything and seen("viewer") == everything
    assert seen("manager") == ["rep=r1", "team=North"]
    assert seen("rep") == ["rep=r1"]
    assert seen("other_rep") == ["rep=r2"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"kpi": "new_leads", "period": "2026-W05"}, 400, "a month, a quarter"),
        ({"kpi": "new_leads", "scope": "team=Nowhere"}, 400, "no team “Nowhere” in the data"),
        ({"kpi": "new_leads", "scope": "stage=won"}, 400, "cannot be 'stage'"),
        ({"kpi": "no_such_kpi"}, 400, "There is no KPI no_such_kpi."),
        ({"kpi": "win_rate", "target": 40}, 400, "as a fraction"),
    ],
)
def test_bad_goals_get_a_4xx_with_the_reason(goals, body, status, message):
    response = post_goal(goals["admin"], **body)
    assert response.status_code == status and message in response.json()["detail"]


def test_a_refused_goal_says_why_in_the_users_language(app, goals):
    """The catalog's sentences (refusal.*.it.json), the KPI and dimension by name."""
    app.state.users.set_language("admin", "it")
    admin = login(app, "admin")

    def refused(**body) -> str:
        response = post_goal(admin, **body)
        assert response.status_code == 400, response.text
        return response.json()["detail"]

    assert refused(kpi="new_leads", scope="team=Nowhere") == "Nei dati non c'è team «Nowhere»."
    assert refused(kpi="new_leads", period="2026-W05") == (
        "Il periodo di un obiettivo è un mese, un trimestre o un esercizio "
        "(2026-11, 2026-Q4, FY2026), non «2026-W05»."
    )
    # Quotes requested is not cut by channel (its catalog dimensions).
    assert refused(kpi="quotes_requested", scope="channel=web") == (
        "Questo KPI non si può suddividere per canale."
    )


def test_the_form_sets_a_goal_and_the_page_shows_it(goals):
    response = goals["manager"].post(
        "/goals",
        data={
            "kpi": "new_leads",
            "period": "2026-Q2",
            "target": "7,5",
            "scope_dimension": "team",
            "scope_value": "North",
            "note": "spring push",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = goals["manager"].get(response.headers["location"])
    assert page.status_code == 200
    assert "spring push" in page.text and "7.5" in page.text
    # History through the API: one version, set by the manager.
    goal_id = response.headers["location"].split("saved=")[1]
    history = goals["manager"].get(f"/api/goals/{goal_id}/history").json()
    assert [(v["target"], v["set_by"]) for v in history] == [(7.5, "manager")]
    # Another rep's user cannot even read it.
    assert goals["other_rep"].get(f"/api/goals/{goal_id}/history").status_code == 404


def test_removing_needs_write_rights(goals):
    goal = post_goal(goals["admin"], kpi="new_leads", scope="team=South").json()["goal"]
    assert goals["manager"].delete(f"/api/goals/{goal['id']}").status_code == 403
    assert goals["admin"].delete(f"/api/goals/{goal['id']}").status_code == 204
    assert goals["admin"].get("/api/goals?period=2026-Q2").json()["goals"] == []


def test_a_goal_behind_pace_leads_the_attention_page_of_those_who_see_it(goals):
    # North's April: one lead so far (L4, 1 April in Rome) against a target of 100.
    goal = post_goal(
        goals["admin"], kpi="new_leads", scope="team=North", period="2026-04", target=100
    ).json()["goal"]
    assert goal["status"] == "behind_pace" and goal["actual"] == 1

    def behind(user):
        data = goals[user].get("/api/attention").json()
        return [i for i in data["items"] if i["type"] == "goal_behind"]

    [item] = behind("manager")
    assert item["goal"]["id"] == goal["id"]
    assert item["link"] == "/kpi/new_leads?period=2026-04&team=North"
    assert behind("admin") and behind("rep") == []  # r1 sees own-scope goals only
    # The page comes at once, saying the list is being prepared; the list loads into it.
    shell = goals["manager"].get("/attention")
    assert shell.status_code == 200 and "Behind pace" not in shell.text
    assert 'id="attention-preparing"' in shell.text and "Being prepared" in shell.text
    assert 'data-src="/attention/items"' in shell.text
    page = with_parts(goals["manager"], "/attention")
    assert "Behind pace" in page
    # The landing page is the attention list; the cards are one click away.
    assert goals["manager"].get("/", follow_redirects=False).headers["location"] == "/attention"
    assert 'href="/overview' in page


def test_the_attention_pages_are_computed_at_start_up_for_the_company_and_each_manager(
    web_warehouse,
):
    """The warm-up (a tracked background thread) leaves the admin's and the manager's
    attention pages in the answer cache: asking them afterwards computes nothing new."""
    from fastapi.testclient import TestClient

    load_company(web_warehouse)
    application = create_app(web_warehouse, CompanySettings(), today=TODAY, warm=True)
    add_users(application)  # before start-up: the warm-up reads who the managers are
    with TestClient(application):  # runs the lifespan, which starts the warm-up
        assert application.state.background.join(timeout=600)
        cached = application.state.engine._answers
        known = len(cached)
        assert any("trends" in key for key in cached)
        for user in ("admin", "manager"):
            assert login(application, user).get("/api/attention").status_code == 200
            assert len(cached) == known, f"{user}'s attention page was not warmed"
        # A rep's scope is not warmed: their first visit computes (and the page says so).
        assert login(application, "rep").get("/api/attention").status_code == 200
        assert len(cached) > known


def test_a_manager_sees_their_reps_goal_on_the_reps_kpi_page(goals):
    # The manager's pages are forced to North; on r1's page (r1 is in North) that team
    # filter is implied, so r1's goal is the page's — it was missing (the page's filters
    # {team: North, rep: r1} were compared with the goal's {rep: r1}).
    goal = post_goal(goals["manager"], kpi="new_leads", scope="rep=r1", target=6).json()["goal"]
    for user in ("manager", "admin", "rep"):
        data = goals[user].get("/api/kpi/new_leads?period=2026-Q2&rep=r1").json()
        assert [g["id"] for g in data["goals"]] == [goal["id"]], user
    # North's page is the team's, not r1's: the rep's goal is not drawn there.
    data = goals["manager"].get("/api/kpi/new_leads?period=2026-Q2").json()
    assert data["goals"] == []
    # The figures say no "No target" (new leads has no catalog target) beside r1's goal.
    part = goals["manager"].get("/kpi/new_leads/numbers?part=main&period=2026-Q2&rep=r1").text
    assert 'class="badge ' not in part.split('class="goal-summary"')[0]
    assert "No target" not in part
    north = goals["manager"].get("/kpi/new_leads/numbers?part=main&period=2026-Q2").text
    assert "No target" in north


def test_the_leaderboard_shows_quota_attainment_per_rep(goals):
    # r1 (Anna) won o1 in March: 1 deal against a quota of 2 → 50%, the month is over.
    assert (
        post_goal(
            goals["admin"], kpi="deals_won", scope="rep=r1", period="2026-03", target=2
        ).status_code
        == 201
    )
    data = goals["manager"].get("/api/reports/leaderboard?period=2026-03").json()
    [quota] = data["quota"]
    assert (quota["rep"], quota["kpi"], quota["target"], quota["actual"]) == (
        "r1",
        "deals_won",
        2,
        1,
    )
    assert quota["attainment"] == 0.5 and quota["status"] == "missed"
    # March is over: the pace expected the whole quota (2) by now, and the final 1 < 2
    # leaves no chance of reaching it (a period over is certain).
    assert quota["expected_to_date"] == 2 and quota["probability"] == 0.0
    page = with_parts(goals["manager"], "/reports/leaderboard?period=2026-03")
    assert "Quota attainment" in page and "50%" in page
    assert "Expected by now" in page and "Chance" in page
    # Bruno (r2) is in South: the manager of North does not see a quota of his.
    post_goal(goals["admin"], kpi="deals_won", scope="rep=r2", period="2026-03", target=1)
    assert [
        q["rep"]
        for q in goals["manager"].get("/api/reports/leaderboard?period=2026-03").json()["quota"]
    ] == ["r1"]


def test_segments_are_named_in_the_users_language_not_by_their_code(app, goals):
    # A segment goal's scope, and a segment named on the attention page (a watched
    # segment's move, and the segment a move's explanation points at), read "Small
    # business" / "Piccole imprese", never the data's code "smb" (issue 10). The names
    # are the catalog's value.segment.smb in en and it.
    from cruscotto.engine import KpiResult, Period
    from cruscotto.goals.attention import Move
    from cruscotto.goals.decomposition import decompose_sum
    from cruscotto.web.access import Access
    from cruscotto.web.goals import scope_label
    from cruscotto.web.routes.attention import _move_item
    from cruscotto.web.users import User

    goal = post_goal(goals["admin"], kpi="new_leads", scope="segment=smb").json()["goal"]
    assert goal["scope_label"] == "Small business (Segment)"
    kpis = app.state.engine
    italian = Access(User("ita", "admin", language="it"), CompanySettings())
    stored = app.state.goal_store.get(goal["id"])
    assert scope_label(kpis, stored, italian) == "Piccole imprese (Segmento)"
    march, april = Period.parse("2026-03"), Period.parse("2026-04")
    move = Move(
        "new_leads",
        april,
        march,
        "previous",
        KpiResult("new_leads", april, 9.0, "count"),
        KpiResult("new_leads", march, 3.0, "count"),
        z=3.5,
        dimension="segment",
        key="smb",
        explanation=decompose_sum(
            "segment", {"smb": 1.0, "enterprise": 2.0}, {"smb": 6.0, "enterprise": 3.0}
        ),
    )
    item = _move_item(kpis, italian, move)
    assert item["segment_label"] == "Piccole imprese"
    assert item["explanation"]["top"]["label"] == "Piccole imprese"  # +5 of the +6
    labels = [e["label"] for e in item["explanation"]["effects"]]
    assert labels == ["Piccole imprese", "Grandi imprese"]
