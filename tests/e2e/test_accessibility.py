"""Accessibility, checked in a real Chromium (issue 14.8).

axe-core 4.14.1 (vendored in tests/e2e/assets, MPL-2.0: nothing is fetched) runs on each
main page once its deferred parts have loaded; a serious or critical violation fails the
test with the rule, its help text and the elements it found.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import ARTIFACTS, loaded

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
    "/alerts/rules",  # its rows' buttons (pause, remove) are link-styled buttons
    "/data/health",
    "/admin/settings",
    "/admin/users",
]


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
    token = page.locator("meta[name=csrf-token]").get_attribute("content")

    def switch(to: str) -> None:
        headers = {"X-CSRF-Token": token}
        page.request.post(
            served["url"] + "/language",
            form={"language": to},
            headers=headers,
            max_redirects=0,  # the answer sends back to a page: no need to load it here
            timeout=120_000,
        )

    switch(language)
    found = {}
    try:
        for path in PAGES:
            loaded(page, served["url"] + path)
            violations = serious_violations(page)
            if violations:
                found[path] = violations
    finally:
        switch("en")  # the language is kept on the user: leave the admin as found
    if found:  # kept for review beside the screenshots
        ARTIFACTS.mkdir(exist_ok=True)
        report = json.dumps(found, indent=1, ensure_ascii=False)
        (ARTIFACTS / f"axe-violations-{language}.json").write_text(report, encoding="utf-8")
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)
