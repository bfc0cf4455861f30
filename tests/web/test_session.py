"""Logging in and out, bearer tokens, anonymous requests and the language switch."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORDS


def test_anonymous_api_request_answers_401(anonymous):
    api = anonymous.get("/api/me")
    assert api.status_code == 401
    assert api.headers["www-authenticate"] == "Bearer"


def test_login_page_renders_in_the_browser_language(anonymous):
    page = anonymous.get("/login", headers={"Accept-Language": "it-IT,it;q=0.9"})
    assert page.status_code == 200
    assert "Nome utente" in page.text


def test_wrong_password_goes_back_to_the_form_with_an_error(anonymous):
    response = anonymous.post("/login", data={"username": "admin", "password": "nope-nope"})
    assert response.url.path == "/login"
    assert "Wrong user name or password" in response.text
    assert anonymous.get("/api/me").status_code == 401


def test_login_never_redirects_off_site(anonymous):
    response = anonymous.post(
        "/login",
        data={"username": "admin", "password": PASSWORDS["admin"], "next": "//evil.example"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_logout_ends_the_session(clients):
    client = clients["admin"]
    assert client.get("/api/me").status_code == 200
    client.post("/logout")
    assert client.get("/api/me").status_code == 401


def test_removed_user_loses_the_session_at_once(app, clients):
    app.state.users.remove("viewer")
    assert clients["viewer"].get("/api/me").status_code == 401


def test_token_from_password_authenticates_the_api(app):
    client = TestClient(app)
    token = client.post(
        "/api/token", data={"username": "rep", "password": PASSWORDS["rep"]}
    ).json()["access_token"]
    me = TestClient(app).get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["forced_filters"] == {"rep": ["r1"]}
    bad = TestClient(app).get("/api/me", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401
    refused = client.post("/api/token", data={"username": "rep", "password": "wrong-pass"})
    assert refused.status_code == 401


def test_me_reports_the_scope_of_each_role(clients):
    scopes = {name: c.get("/api/me").json() for name, c in clients.items()}
    assert scopes["admin"]["forced_filters"] == {}
    assert scopes["manager"]["forced_filters"] == {"team": ["North"]}
    assert scopes["rep"]["forced_filters"] == {"rep": ["r1"]}
    assert scopes["viewer"]["can_see_records"] is False
    assert scopes["viewer"]["can_export"] is False


def test_language_switch_is_stored_on_the_user(app, clients):
    client = clients["rep"]
    response = client.post(
        "/language", data={"language": "it", "next": "/api/me"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert client.get("/api/me").json()["language"] == "it"
    assert app.state.users.get("rep").language == "it"
    assert client.post("/language", data={"language": "xx"}).status_code == 400


def test_openapi_document_lists_the_api_and_no_pages(anonymous):
    paths = anonymous.get("/openapi.json").json()["paths"]
    assert "/api/me" in paths and "/api/token" in paths
    assert all(p.startswith("/api/") for p in paths)


def test_assets_are_served_locally(anonymous):
    assert anonymous.get("/static/app.css").status_code == 200
    plotly = anonymous.get("/static/plotly.min.js")
    assert plotly.status_code == 200
    assert len(plotly.content) > 1_000_000  # the real plotly.js bundle, not a placeholder
