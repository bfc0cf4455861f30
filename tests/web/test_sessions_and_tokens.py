"""Server-side sessions and API tokens (issue 15): a cookie replayed after logout used to
work for 14 days; tokens never expired and could not be revoked."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cruscotto import audit
from cruscotto.cli import app as cli
from cruscotto.settings import CompanySettings, SecuritySettings
from cruscotto.warehouse import connect
from cruscotto.web import create_app, sessions, users
from cruscotto.web.auth import SESSION_COOKIE
from cruscotto.web.storage import SESSIONS, read_rows
from cruscotto.web.user_admin import parse_expiry
from cruscotto.web.users import UserError
from tests.web.conftest import add_users, login
from tests.web.data import TODAY


class Clock:
    """Moves the sessions' and tokens' "now" forward without waiting."""

    def __init__(self, monkeypatch) -> None:
        self.offset = timedelta()
        real = sessions.utc_now

        def now() -> datetime:
            return real() + self.offset

        monkeypatch.setattr(sessions, "utc_now", now)
        monkeypatch.setattr(users, "utc_now", now)

    def advance(self, **delta) -> None:
        self.offset += timedelta(**delta)


def replay(app, cookie: str) -> int:
    client = TestClient(app)
    client.cookies.set(SESSION_COOKIE, cookie)
    return client.get("/api/me").status_code


# -- sessions -----------------------------------------------------------------------------


def test_a_cookie_replayed_after_logout_is_worthless(app):
    client = login(app, "admin")
    cookie = client.cookies[SESSION_COOKIE]
    assert replay(app, cookie) == 200
    assert client.post("/logout").status_code == 200
    assert replay(app, cookie) == 401


def test_the_database_holds_only_a_digest_of_the_session_id(app):
    cookie = login(app, "admin").cookies[SESSION_COOKIE]
    (row,) = read_rows(app.state.warehouse, SESSIONS)
    assert row["username"] == "admin" and cookie not in str(row)


def test_removing_a_user_ends_their_sessions_at_once(app):
    cookie = login(app, "viewer").cookies[SESSION_COOKIE]
    app.state.users.remove("viewer")
    assert replay(app, cookie) == 401
    assert [r["username"] for r in read_rows(app.state.warehouse, SESSIONS)] == []


def test_a_session_ends_after_the_idle_time(app, monkeypatch):
    # The default idle time is 8 h (SecuritySettings.session_idle_minutes = 480).
    clock = Clock(monkeypatch)
    cookie = login(app, "admin").cookies[SESSION_COOKIE]
    clock.advance(hours=7, minutes=59)
    assert replay(app, cookie) == 200  # …and this request counts as activity
    clock.advance(hours=7, minutes=59)
    assert replay(app, cookie) == 200
    clock.advance(hours=8, minutes=1)
    assert replay(app, cookie) == 401


def test_a_session_ends_after_its_lifetime_even_when_active(app, monkeypatch):
    # Lifetime 7 days (session_max_hours = 168): active every 4 hours, still out at 7 days.
    clock = Clock(monkeypatch)
    cookie = login(app, "admin").cookies[SESSION_COOKIE]
    for _ in range(41):  # 41 × 4 h = 164 h
        clock.advance(hours=4)
        assert replay(app, cookie) == 200
    clock.advance(hours=4)  # 168 h
    assert replay(app, cookie) == 401


def secure_flag(app, base_url: str, headers: dict | None = None) -> bool:
    client = TestClient(app, base_url=base_url)
    client.headers.update(headers or {})
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"username": "admin", "password": "admin-pass-1", "csrf_token": token}
    # Sent by hand: behind the proxy the browser speaks HTTPS, so it sends the Secure
    # cookie back, which httpx over plain http would not.
    cookie = f"cruscotto_csrf={page.cookies.get('cruscotto_csrf') or token}"
    response = client.post("/login", data=form, headers={"Cookie": cookie}, follow_redirects=False)
    cookie = next(
        v for k, v in response.headers.multi_items() if k == "set-cookie" and SESSION_COOKIE in v
    )
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    return "secure" in cookie.lower()


def test_the_cookie_is_secure_over_https_or_behind_a_trusted_proxy(tmp_path):
    warehouse = connect(str(tmp_path / "s.duckdb"))
    plain = create_app(warehouse, CompanySettings(), today=TODAY)
    add_users(plain)
    proxied = {"X-Forwarded-Proto": "https"}
    assert secure_flag(plain, "https://testserver") is True
    assert secure_flag(plain, "http://testserver") is False
    assert secure_flag(plain, "http://testserver", proxied) is False  # proxy not trusted
    trusting = create_app(
        warehouse,
        CompanySettings(),
        today=TODAY,
        security=SecuritySettings(trust_proxy_headers=True),
    )
    assert secure_flag(trusting, "http://testserver", proxied) is True
    warehouse.close()


# -- API tokens ---------------------------------------------------------------------------


def api(app, token: str) -> int:
    return TestClient(app).get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_revoked_token_stops_working_at_once(app):
    issued = app.state.users.issue_token("rep", name="script")
    assert api(app, issued.token) == 200
    app.state.users.revoke(issued.info.token_id)
    assert api(app, issued.token) == 401
    (info,) = app.state.users.tokens("rep")
    assert (info.name, info.status()) == ("script", "revoked")


def test_a_token_expires(app, monkeypatch):
    clock = Clock(monkeypatch)
    issued = app.state.users.issue_token("rep", expires_in=parse_expiry("12h"))
    clock.advance(hours=11, minutes=59)
    assert api(app, issued.token) == 200
    clock.advance(minutes=2)
    assert api(app, issued.token) == 401
    assert app.state.users.tokens("rep")[0].status() == "expired"


def test_a_tokens_last_use_is_recorded(app):
    issued = app.state.users.issue_token("rep")
    assert app.state.users.tokens("rep")[0].last_used_at is None
    before = datetime.now().astimezone().replace(tzinfo=None) - timedelta(days=1)
    assert api(app, issued.token) == 200
    used = app.state.users.tokens("rep")[0].last_used_at
    assert used is not None and used > before


@pytest.mark.parametrize(
    ("text", "days"), [("90d", 90), ("12h", 0.5), ("4w", 28), ("1y", 365), ("never", None)]
)
def test_token_lifetimes(text, days):
    expected = None if days is None else timedelta(days=days)
    assert parse_expiry(text) == expected


@pytest.mark.parametrize("text", ["", "0d", "90", "ninety days", "-1d"])
def test_unreadable_token_lifetimes_are_refused(text):
    with pytest.raises(UserError, match="cannot read the expiry"):
        parse_expiry(text)


def test_cli_token_name_expiry_list_revoke_all_audited(tmp_path, monkeypatch):
    from cruscotto.cli import context

    monkeypatch.setattr(context.console, "width", 200)  # a wide terminal: no wrapped cells
    db = str(tmp_path / "t.duckdb")
    runner = CliRunner()

    def run(*args: str):
        result = runner.invoke(cli, ["--db", db, "user", *args])
        assert result.exit_code == 0, result.output
        return result

    run("add", "ann", "--role", "viewer", "--password", "a-long-password-9")
    issued = run("token", "ann", "--name", "nightly export", "--expires", "30d")
    token = issued.stdout.strip()
    token_id = token.split(".")[0]
    assert f"token {token_id} for ann" in issued.stderr
    listed = run("tokens").stdout
    assert token_id in listed and "nightly export" in listed and "active" in listed
    run("revoke", token_id)
    assert "revoked" in run("tokens", "ann").stdout
    run("remove", "ann")
    warehouse = connect(db)
    try:
        store = users.UserStore(warehouse)
        assert store.user_for_token(token) is None
        actions = [(e.action, e.target) for e in reversed(audit.entries(warehouse))]
        who = {e.username for e in audit.entries(warehouse)}
    finally:
        warehouse.close()
    assert actions == [
        ("user.add", "ann"),
        ("token.issue", token_id),
        ("token.revoke", token_id),
        ("user.remove", "ann"),
    ]
    assert len(who) == 1 and next(iter(who)).startswith("cli:")
