"""CSRF (issue 15): a cookie-authenticated cross-origin POST to /api/data/import, /language
or /login used to be applied. Now a write needs its session's token and must not come
from another site; bearer-token API calls are exempt."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORDS, login

REPS = b"rep_id,name,team,role,active\nr9,Zed,North,ae,true\n"


def import_reps(client, **kwargs):
    return client.post(
        "/api/data/import",
        files=[("files", ("reps.csv", REPS, "text/csv"))],
        data={"table": "reps"} | kwargs.pop("data", {}),
        **kwargs,
    )


def reps(app) -> list[str]:
    return sorted(app.state.warehouse.table("reps").rep_id.execute())


@pytest.fixture
def admin(app):
    return login(app, "admin")


def without_token(client: TestClient) -> TestClient:
    client.headers.pop("X-CSRF-Token")
    return client


def test_a_logged_in_client_with_its_token_imports(app, admin):
    assert import_reps(admin).status_code == 200
    assert reps(app) == ["r9"]


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://testserver"},
    ],
)
def test_a_cross_site_post_is_refused_even_with_the_token(app, admin, headers):
    response = import_reps(admin, headers=headers)
    assert response.status_code == 403
    assert "another site" in response.text or "did not come" in response.text
    assert reps(app) == []


def test_a_same_origin_browser_post_is_accepted(app, admin):
    headers = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    assert import_reps(admin, headers=headers).status_code == 200


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_a_post_without_the_sessions_token_is_refused(app, admin, token):
    client = without_token(admin)
    headers = {"X-CSRF-Token": token} if token else {}
    assert import_reps(client, headers=headers).status_code == 403
    assert client.post("/language", data={"language": "it"}, headers=headers).status_code == 403
    assert client.post("/logout", headers=headers).status_code == 403
    assert client.get("/api/me").json()["language"] == "en"  # nothing changed, still logged in
    assert reps(app) == []


def test_the_token_may_come_as_a_form_field(app, admin):
    token = admin.headers["X-CSRF-Token"]
    client = without_token(admin)
    response = import_reps(client, data={"csrf_token": token})
    assert response.status_code == 200, response.text


def test_another_sessions_token_does_not_work(app, admin):
    other = login(app, "manager").headers["X-CSRF-Token"]
    admin.headers["X-CSRF-Token"] = other
    assert import_reps(admin).status_code == 403


def test_login_and_language_need_the_login_pages_token(app):
    client = TestClient(app)
    form = {"username": "admin", "password": PASSWORDS["admin"], "next": "/api/me"}
    assert client.post("/login", data=form).status_code == 403  # login CSRF refused
    assert client.post("/language", data={"language": "it"}).status_code == 403
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert client.post("/login", data=form | {"csrf_token": token}).status_code == 200
    # After login the session has a token of its own; the login page's no longer works.
    assert client.post("/language", data={"language": "it", "csrf_token": token}).status_code == 403


def test_bearer_token_api_calls_need_no_csrf_token(app):
    token = app.state.users.issue_token("admin").token
    response = import_reps(TestClient(app), headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert reps(app) == ["r9"]


def test_pages_carry_the_token_and_the_script_that_sends_it(app, admin):
    token = admin.headers["X-CSRF-Token"]
    page = admin.get("/data/import")
    assert f'<meta name="csrf-token" content="{token}">' in page.text
    assert '<script src="/static/csrf.js"></script>' in page.text
    script = admin.get("/static/csrf.js")
    assert script.status_code == 200 and "X-CSRF-Token" in script.text


@pytest.mark.parametrize("path", ["/login", "/api/me", "/static/app.css", "/nowhere"])
def test_every_answer_forbids_framing_and_sniffing(app, admin, path):
    headers = admin.get(path).headers
    policy = dict(d.split(" ", 1) for d in headers["content-security-policy"].split("; "))
    assert policy["script-src"] == "'self'"  # no inline script, no eval, no other site
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == policy["base-uri"] == "'none'"
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
