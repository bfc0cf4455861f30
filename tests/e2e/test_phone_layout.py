"""The overview on a phone (issue 14.8): at 390 px wide nothing scrolls sideways and
every card is within the screen."""

from __future__ import annotations

from tests.e2e.conftest import loaded, screenshot, sign_in


def test_the_overview_fits_a_phone(browser, served):
    context, page = sign_in(
        browser, served["url"], "manager", served["logins"]["manager"], viewport=(390, 844), scale=2
    )
    try:
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
