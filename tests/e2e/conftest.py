"""Browser tests: the real app in uvicorn, driven by Debian's headless Chromium.

The app serves a small demo company (scale 0.05) on a free 127.0.0.1 port from a thread
of the test process. Chromium is never downloaded: Playwright drives /usr/bin/chromium.
Without it the tests skip, unless CRUSCOTTO_REQUIRE_BROWSER=1 (set by `make test`), in
which case they fail. Screenshots go to test-artifacts/ (gitignored).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import pytest
from benchmarks.chromium import CHROMIUM, CHROMIUM_ARGS

ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
TODAY = date(2026, 4, 15)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not CHROMIUM.exists():
        if os.environ.get("CRUSCOTTO_REQUIRE_BROWSER") == "1":
            pytest.fail("/usr/bin/chromium is required (CRUSCOTTO_REQUIRE_BROWSER=1)")
        pytest.skip("/usr/bin/chromium is not installed")
    return str(CHROMIUM)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def served(tmp_path_factory, chromium_path) -> Iterator[dict]:
    """The demo company served by uvicorn; yields the base URL and the demo logins."""
    import uvicorn

    from cruscotto.cli.serve import create_demo_users
    from cruscotto.demo import generate
    from cruscotto.settings import CompanySettings
    from cruscotto.warehouse import connect
    from cruscotto.web import create_app

    warehouse = connect(str(tmp_path_factory.mktemp("e2e") / "demo.duckdb"))
    generate(warehouse, scale=0.05, seed=7, today=TODAY)
    logins = {user: password for user, password, _, _ in create_demo_users(warehouse)}
    app = create_app(warehouse, CompanySettings(), today=TODAY)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("uvicorn did not start within 20 s")
        time.sleep(0.05)
    yield {"url": f"http://127.0.0.1:{port}", "logins": logins, "warehouse": warehouse}
    server.should_exit = True
    thread.join(timeout=10)
    app.state.background.join()  # the server's lifespan waits for them too; if it timed out
    warehouse.close()


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def sign_in(
    browser,
    url: str,
    username: str,
    password: str,
    start: str = "/overview",
    *,
    viewport: tuple[int, int] = (1360, 900),
    scale: float = 1,
    timeout: float = 120_000,
):
    """A new browser context signed in as `username` through the login form, on `start`
    (the login page's `next`): (context, page). The caller closes the context.

    A cold overview computes the whole catalog (≈10 s on 2 busy cores with the suite
    running beside it), so page loads get a generous limit by default."""
    width, height = viewport
    context = browser.new_context(
        viewport={"width": width, "height": height},
        device_scale_factor=scale,
        accept_downloads=True,
    )
    page = context.new_page()
    page.set_default_timeout(timeout)
    page.set_default_navigation_timeout(timeout)
    page.goto(f"{url}/login?{urlencode({'next': start})}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit].primary")
    page.wait_for_selector("h1")
    return context, page


@pytest.fixture
def log_in(browser, served):
    """log_in(user) → a page logged in as that demo user, on the overview."""
    contexts = []

    def open_as(username: str):
        context, page = sign_in(browser, served["url"], username, served["logins"][username])
        contexts.append(context)
        return page

    yield open_as
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def loaded(page, url: str) -> None:
    """Open `url` and wait until every deferred part has been filled in (static/app.js)."""
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    page.wait_for_selector("h1")
    from playwright.sync_api import expect

    # A locator, not wait_for_function: Playwright polls a JavaScript string with eval,
    # which the app's Content-Security-Policy refuses ('unsafe-eval' is not allowed).
    expect(page.locator(".deferred[data-src]:not([data-loaded])")).to_have_count(0, timeout=120_000)
