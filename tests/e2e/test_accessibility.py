"""Accessibility and the phone layout, checked in a real Chromium (issue 14.8).

axe-core 4.14.1 (vendored in tests/e2e/assets, MPL-2.0: nothing is fetched) runs on each
main page once its deferred parts have loaded; a serious or critical violation fails the
test with the rule, its help text and the elements it found. The overview at 390 px wide
(a phone) must not scroll sideways.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import screenshot

AXE = (Path(__file__).parent / "assets" / "axe.min.js").read_text(encoding="utf-8")
FAILING_IMPACTS = ("serious", "critical")
PAGES = [
    "/overview",
    "/kpi/win_rate",
    "/reports",
    "/reports/leaderboard",
    "/reports/lost",
    "/reports/summary",
    "/goals",
    "/alerts",
    "/data/health",
    "/admin/settings",
    "/admin/users",
]


def loaded(page, url: str) -> None:
    """Open `url` and wait until every deferred part has been filled in (static/app.js)."""
    page.goto(url)
    page.wait_for_selector("h1")
    page.wait_for_function(
        "[...document.querySelectorAll('.deferred[data-src]')]"
        ".every(part => part.hasAttribute('data-loaded'))"
    )


def serious_violations(page) -> list[dict]:
    # Evaluated through the DevTools protocol: no <script> tag, so no CSP question.
    page.evaluate(AXE)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"][:5]],
        }
        for v in result["violations"]
        if v["impact"] in FAILING_IMPACTS
    ]


@pytest.mark.parametrize("language", ["en", "it"])
def test_main_pages_have_no_serious_accessibility_violations(log_in, served, language):
    page = log_in("admin")
    if language != "en":
        token = page.locator("meta[name=csrf-token]").get_attribute("content")
        page.request.post(
            served["url"] + "/language",
            form={"language": language},
            headers={"X-CSRF-Token": token},
        )
    found = {}
    for path in PAGES:
        loaded(page, served["url"] + path)
        violations = serious_violations(page)
        if violations:
            found[path] = violations
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)


def test_the_overview_fits_a_phone(browser, served):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    try:
        page = context.new_page()
        page.set_default_timeout(120_000)
        page.goto(served["url"] + "/overview")
        page.fill("input[name=username]", "manager")
        page.fill("input[name=password]", served["logins"]["manager"])
        page.click("button[type=submit].primary")
        loaded(page, served["url"] + "/overview")
        width = page.evaluate("document.documentElement.scrollWidth")
        screenshot(page, "overview-390px")
        assert width <= 390, f"the overview is {width} px wide at a 390 px viewport"
        # Every card is within the screen (none pushed off to the right).
        right_edges = page.evaluate(
            "[...document.querySelectorAll('.card')].map(c => c.getBoundingClientRect().right)"
        )
        assert right_edges and max(right_edges) <= 390
    finally:
        context.close()
