"""Pinning in a real Chromium: a viewer pins two KPIs on the overview, moves the second
above the first, sees the pinned cards first in that order (after a reload too, so it is
stored), and unpins one. Demo company, scale 0.05 (this folder's conftest)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def test_a_viewer_pins_and_orders_their_own_kpis(log_in, served):
    page = log_in("viewer")
    page.goto(served["url"] + "/overview")
    panel = page.locator("details#pins")
    panel.locator("summary").click()
    for kpi in ("win_rate", "new_leads"):
        panel.locator("select[name=kpi]").select_option(kpi)
        panel.locator("button[value=pin]").click()
        page.wait_for_url("**/overview#pins")
        panel = page.locator("details#pins")
    names = panel.locator(".pin-name")
    assert names.all_inner_texts() == ["Win rate", "New leads"]

    # Move New leads up: it becomes the first pinned card.
    panel.locator('li[data-kpi="new_leads"] button[value=up]').click()
    page.wait_for_url("**/overview#pins")
    page.reload()
    # The pinned area comes first, and its numbers load like the other areas'.
    assert page.locator("section.area").first.get_attribute("id") == "area-pinned"
    assert page.locator("#area-pinned h2").inner_text() == "My pinned KPIs"
    page.wait_for_selector("#area-pinned .cards[data-loaded=true]")
    cards = page.locator("#area-pinned a.card")
    assert [c.get_attribute("data-kpi") for c in cards.all()] == ["new_leads", "win_rate"]
    assert cards.first.locator(".value").inner_text().strip() != ""
    screenshot(page, "pins-01-ordered")

    page.locator('details#pins li[data-kpi="win_rate"] button[value=unpin]').click()
    page.wait_for_url("**/overview#pins")
    assert page.locator("details#pins .pin-name").all_inner_texts() == ["New leads"]
    assert [c.get_attribute("data-kpi") for c in page.locator("#area-pinned a.card").all()] == [
        "new_leads"
    ]
    # Let every area finish loading: the server must not be left computing a part of this
    # page when the session's fixture closes the database.
    from playwright.sync_api import expect

    expect(page.locator("[aria-busy=true]")).to_have_count(0, timeout=120_000)
