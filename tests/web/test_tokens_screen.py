"""The tokens screen: every user lists, creates and revokes their own API tokens in the
browser, through the one token store, each change audited (issue 14.6)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from cruscotto.audit import entries


def issued_token(page: str) -> str:
    match = re.search(r'id="new-token"[^>]*value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def bearer(app, token: str) -> TestClient:
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("user", ["rep", "viewer"])
def test_a_user_creates_uses_and_revokes_their_own_token(app, clients, user):
    client = clients[user]
    assert 'id="no-tokens"' in client.get("/tokens").text
    page = client.post("/tokens", data={"name": "Monthly Excel", "expires": "30d"})
    assert page.status_code == 200
    token = issued_token(page.text)
    # It works as the user, and reads what the user reads.
    assert bearer(app, token).get("/api/me").json()["username"] == user
    # Listed afterwards by name and status, never the token itself.
    listing = client.get("/api/tokens").json()["tokens"]
    assert [(t["name"], t["status"]) for t in listing] == [("Monthly Excel", "active")]
    assert token not in client.get("/tokens").text
    (info,) = listing
    created, expires = info["created_at"], info["expires_at"]
    # 30 days: the expiry is the creation time + 30 days (both to the minute, UTC).
    assert expires[:10] > created[:10]
    revoked = client.post(f"/tokens/{info['token_id']}/revoke", follow_redirects=False)
    assert revoked.status_code == 303
    assert bearer(app, token).get("/api/me").status_code == 401  # stops at once
    assert client.get("/api/tokens").json()["tokens"][0]["status"] == "revoked"


def test_token_changes_are_audited_under_the_user(app, clients, web_warehouse):
    made = clients["rep"].post("/api/tokens", json={"name": "script", "expires": "never"}).json()
    clients["rep"].post(f"/api/tokens/{made['token_id']}/revoke")
    actions = [
        (e.username, e.action, e.target)
        for e in entries(web_warehouse)
        if e.action.startswith("token.")
    ]
    assert sorted(actions) == [
        ("rep", "token.issue", made["token_id"]),
        ("rep", "token.revoke", made["token_id"]),
    ]
    assert made["expires_at"] is None and made["token"].startswith(made["token_id"] + ".")


def test_nobody_revokes_or_sees_another_users_token(app, clients):
    made = clients["rep"].post("/api/tokens", json={"name": "mine"}).json()
    other = clients["other_rep"]
    assert other.get("/api/tokens").json()["tokens"] == []
    assert other.post(f"/api/tokens/{made['token_id']}/revoke").status_code == 404
    # Not even an admin through this screen (the CLI is the admin's tool for that).
    assert clients["admin"].post(f"/api/tokens/{made['token_id']}/revoke").status_code == 404
    assert bearer(app, made["token"]).get("/api/me").status_code == 200


def test_bad_requests_are_4xx_with_a_reason(app, clients):
    client = clients["manager"]
    bad = client.post("/api/tokens", json={"name": "x", "expires": "forever"})
    assert bad.status_code == 400 and "30d, 90d, 1y, never" in bad.json()["detail"]
    assert client.post("/api/tokens", json={"name": "x" * 81}).status_code == 422
    # A token cannot mint a successor for itself.
    made = client.post("/api/tokens", json={"name": "ci"}).json()
    minted = bearer(app, made["token"]).post("/api/tokens", json={"name": "more"})
    assert minted.status_code == 403
    assert len(client.get("/api/tokens").json()["tokens"]) == 1


def test_the_page_reads_in_italian(app, clients):
    client = clients["rep"]
    client.post("/language", data={"language": "it"})
    page = client.post("/tokens", data={"name": "Report", "expires": "1y"}).text
    assert "I tuoi token API" in page and "Copialo ora" in page and "Tra un anno" in page
    assert "Attivo" in page
