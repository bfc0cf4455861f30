"""The executive summary's table (issue 14.5, 14.8): on a laptop the whole table is on the
page (no sideways scroll inside its frame), and on a phone (390 px) every KPI's value,
change, target and status are on the screen, nothing scrolled off to the right."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import loaded, screenshot, sign_in

KEY_COLUMNS = ("value", "change", "target", "status")


def open_summary(browser, served, width: int):
    context, page = sign_in(
        browser,
        served["url"],
        "manager",
        served["logins"]["manager"],
        "/reports/summary",
        viewport=(width, 900),
    )
    loaded(page, served["url"] + "/reports/summary")
    return context, page


@pytest.mark.parametrize("width", [1280, 390])
def test_the_summary_table_shows_its_key_columns_on_the_screen(browser, served, width):
    context, page = open_summary(browser, served, width)
    try:
        screenshot(page, f"summary-table-{width}px")
        frame = page.locator("#table-kpis .table-wrap")
        overflow = frame.evaluate("f => f.scrollWidth - f.clientWidth")
        assert overflow <= 1, f"the summary table scrolls {overflow} px sideways at {width} px"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        rows = page.locator("#table-kpis tbody tr:has(td)")
        assert rows.count() >= 8  # the headline KPIs of the four areas
        for row in range(rows.count()):
            # The name and the key cells: value, change, target, status (in this order).
            cells = rows.nth(row).locator("th, td")
            for index in range(len(KEY_COLUMNS) + 1):
                box = cells.nth(index).bounding_box()
                assert box and box["width"] > 0 and box["x"] >= 0
                assert box["x"] + box["width"] <= width + 0.5, (row, index, box)
    finally:
        context.close()
