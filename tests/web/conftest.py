"""Web fixtures: a real app over a real warehouse, and logged-in clients for each role.

`web_warehouse` is a DuckDB file with the canonical schema; tests that need data load it
through `Warehouse.load` (see tests/web/data.py). Every role's client logs in through the
real /login form, so the session cookie path is exercised by every page test.
"""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from cruscotto.settings import CompanySettings
from cruscotto.warehouse import Warehouse, connect
from cruscotto.web import create_app, users
from tests.web.data import TODAY, load_company

PASSWORDS = {
    "admin": "admin-pass-1",
    "manager": "manager-pass-1",
    "rep": "rep-pass-1",
    "other_rep": "other-rep-pass-1",
    "viewer": "viewer-pass-1",
}


def add_users(app) -> None:
    store = app.state.users
    store.add("admin", PASSWORDS["admin"], "admin")
    store.add("manager", PASSWORDS["manager"], "manager", teams=["North"])
    store.add("rep", PASSWORDS["rep"], "rep", rep_id="r1")
    store.add("other_rep", PASSWORDS["other_rep"], "rep", rep_id="r2")
    store.add("viewer", PASSWORDS["viewer"], "viewer")


def with_parts(client: TestClient, url: str) -> str:
    """A page as the browser ends up showing it: its HTML with every `.deferred` part the
    page loads (static/app.js fetches each data-src) appended, in order."""
    page = client.get(url)
    assert page.status_code == 200, page.text
    parts = [client.get(html.unescape(src)) for src in re.findall(r'data-src="([^"]+)"', page.text)]
    for part in parts:
        assert part.status_code == 200, part.text
    return page.text + "".join(part.text for part in parts)


def with_csrf(client: TestClient) -> TestClient:
    """The client sends the CSRF token of its visit on every request, as csrf.js does in a
    browser (before login: the token of the login page)."""
    page = client.get("/login")
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
    assert match, page.text
    client.headers["X-CSRF-Token"] = match.group(1)
    return client


def log_in(client: TestClient, username: str, password: str) -> TestClient:
    """Log `client` in through the real /login form; it then sends its session's token."""
    with_csrf(client)
    response = client.post(
        "/login", data={"username": username, "password": password, "next": "/api/me"}
    )
    assert response.status_code == 200, response.text
    me = response.json()
    assert me["username"] == username
    client.headers["X-CSRF-Token"] = me["csrf_token"]
    return client


def close_app(app) -> None:
    """Wait for the app's background threads (an import's retraining and alert
    evaluation, a model's training, the warm-up), then close its warehouse: no thread may
    use a database a fixture has closed."""
    app.state.background.join()
    app.state.warehouse.close()


@contextlib.contextmanager
def app_over(path, tables: dict, today, people: dict[str, tuple[str, dict]]):
    """An app over a new DuckDB file at `path` holding `tables`, with `people`
    ({name: (role, extra)}, password "<name>-pass-1"); closed with close_app."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=256))
        warehouse = connect(str(path))
        warehouse.load(tables)
        application = create_app(warehouse, CompanySettings(), today=today)
        for name, (role, extra) in people.items():
            application.state.users.add(name, f"{name}-pass-1", role, **extra)
        try:
            yield application
        finally:
            close_app(application)


def login(app, username: str) -> TestClient:
    return log_in(TestClient(app), username, PASSWORDS[username])


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """argon2id still, with tiny costs: the real costs (≈60 ms a hash) are for production."""
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=256))


@pytest.fixture
def web_warehouse(tmp_path) -> Iterator[Warehouse]:
    wh = connect(str(tmp_path / "web.duckdb"))
    yield wh
    wh.close()


@pytest.fixture
def app(web_warehouse):
    application = create_app(web_warehouse, CompanySettings(), today=TODAY)
    add_users(application)
    yield application
    application.state.background.join()  # before web_warehouse closes the database


@pytest.fixture(scope="module")
def company_app(tmp_path_factory):
    """The app over the hand-counted company of tests/web/data.py (shared by a module)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=256))
        wh = connect(str(tmp_path_factory.mktemp("company") / "company.duckdb"))
        load_company(wh)
        application = create_app(wh, CompanySettings(), today=TODAY)
        add_users(application)
        yield application
    close_app(application)


@pytest.fixture(scope="module")
def company(company_app) -> dict[str, TestClient]:
    """Logged-in clients per user on the hand-counted company."""
    return {name: login(company_app, name) for name in PASSWORDS}


@pytest.fixture
def clients(app) -> dict[str, TestClient]:
    """A logged-in client per user name (admin, manager, rep, other_rep, viewer)."""
    return {name: login(app, name) for name in PASSWORDS}


@pytest.fixture
def anonymous(app) -> TestClient:
    """Not logged in, but with the login page's CSRF token (as a browser would have)."""
    return with_csrf(TestClient(app))
