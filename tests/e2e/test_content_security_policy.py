"""The Content-Security-Policy in a real browser: every main page works under it (issue 15).

Chromium enforces the policy the server sends and reports each thing it refuses (an
inline script, an inline style, an image or a connection elsewhere, an `eval`) as a
console message and a `securitypolicyviolation` event. Each main page is opened as the
admin (who sees them all) and in Italian for the plotly locale file; its deferred parts
and charts are waited for; any violation fails the test with what was refused.
"""

from __future__ import annotations

import pytest

PAGES = (
    "/attention",
    "/overview",
    "/dashboards/operational",
    "/dashboards/strategic",
    "/kpi/win_rate?period=2026-03",
    "/kpi/engagement_rate?period=2026-03",
    "/goals",
    "/alerts",
    "/reports",
    "/reports/leaderboard",
    "/reports/forecast",
    "/models/close-probability",
    "/accounts/at-risk",
    "/data/import",
    "/data/mapper",
    "/data/health",
    "/admin/settings",
)
# Listens for the browser's own report of each refusal (it also goes to the console).
LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) =>
  window.__csp.push(`${e.violatedDirective} refused ${e.blockedURI} at ${e.sourceFile}`));
"""


@pytest.fixture
def admin_page(log_in):
    page = log_in("admin")
    messages: list[str] = []
    page.on(
        "console",
        lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda error: messages.append(f"page error: {error}"))
    page.add_init_script(LISTEN)
    return page, messages


@pytest.mark.parametrize("path", PAGES)
def test_page_runs_under_the_policy_without_a_violation(admin_page, served, path):
    page, messages = admin_page
    response = page.goto(served["url"] + path)
    assert response.status == 200, path
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy
    page.wait_for_load_state("networkidle")
    # Deferred parts load after the page; wait until none is left pending.
    from playwright.sync_api import expect

    expect(page.locator(".deferred[data-src]:not([data-loaded])")).to_have_count(0, timeout=120_000)
    failed = page.locator(".deferred[data-loaded=failed]")
    assert failed.count() == 0, (path, failed.all_inner_texts())
    violations = page.evaluate("window.__csp")
    assert not violations and not messages, (path, violations, messages)


def test_plotly_draws_a_chart_under_the_policy_in_italian(admin_page, served):
    """The KPI page's trend is drawn by plotly.js and its Italian locale file (both from
    /static): with `script-src 'self'` they run and the chart's SVG is there."""
    page, messages = admin_page
    page.click("button[data-language=it]")
    page.wait_for_selector("html[lang=it]")
    page.goto(served["url"] + "/kpi/win_rate?period=2026-03")
    page.wait_for_selector(".js-plotly-plot .main-svg")
    assert page.evaluate("window.__csp") == [] and messages == []
