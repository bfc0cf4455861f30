"""Goals in a real Chromium: a manager sets a quarterly goal for their team in the form,
sees it on the KPI chart (goal line and progress chart) and on the attention page; a rep
is refused when trying to set another rep's goal. Demo company, scale 0.05, today
2026-04-15 (this folder's conftest)."""

from __future__ import annotations

import re

import pytest

from cruscotto.cli.serve import first_account_executive
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def open_as(browser, served, username: str, start: str):
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.set_default_timeout(180_000)
    page.set_default_navigation_timeout(180_000)
    page.goto(served["url"] + "/login?next=" + start)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", served["logins"][username])
    page.click("button[type=submit].primary")
    page.wait_for_selector("h1")
    return context, page


def test_a_manager_sets_a_goal_and_sees_it_on_the_chart_and_the_attention_page(browser, served):
    rep_id, team = first_account_executive(served["warehouse"])
    context, page = open_as(browser, served, "manager", "/goals")
    try:
        form = page.locator("form.goal-form")
        form.locator("select[name=kpi]").select_option("deals_won")
        form.locator("input[name=period]").fill("2026-Q2")
        # Far above what the demo team closes in a quarter: behind pace two weeks in.
        form.locator("input[name=target]").fill("500")
        form.locator("select[name=scope_dimension]").select_option("team")
        form.locator("select[name=scope_value]").select_option(team)
        form.locator("input[name=note]").fill("stretch goal")
        form.locator("button[type=submit]").click()
        page.wait_for_url(re.compile(r"/goals\?period=2026-Q2&saved="))
        row = page.locator("tr.saved")
        assert "stretch goal" in row.inner_text()
        assert "Behind pace" in row.inner_text()
        screenshot(page, "goals-01-set-by-manager")

        # The KPI page for the goal's scope and period: the goal line on the trend and
        # the progress chart (expected path, value so far, projection).
        row.locator("a").first.click()
        page.wait_for_url(re.compile(r"/kpi/deals_won\?period=2026-Q2"))
        page.wait_for_selector("#trend-chart[data-drawn=true] .main-svg")
        page.wait_for_selector("#goal-chart[data-drawn=true] .main-svg")
        assert f"Goal: {team} (Team), 2026-Q2" in page.locator("#trend-chart").inner_text()
        assert "Expected path" in page.locator("#goal-chart").inner_text()
        assert "Goal for" in page.locator(".goal-summary").inner_text()
        screenshot(page, "goals-02-kpi-chart")

        page.goto(served["url"] + "/attention")
        # The list loads into the page once computed (it says "being prepared" meanwhile).
        item = page.locator('li.attention-item[data-type="goal_behind"][data-kpi="deals_won"]')
        item.filter(has_text=team).wait_for()
        assert item.filter(has_text=team).count() == 1
        screenshot(page, "goals-03-attention")
    finally:
        context.close()


def test_a_rep_cannot_set_another_reps_goal(browser, served):
    context, page = open_as(browser, served, "rep", "/goals")
    try:
        # No form for a rep (the company does not let reps set goals)…
        assert page.locator("form.goal-form").count() == 0
        # …and the server refuses the write a rep could still send by hand.
        status = page.evaluate(
            """async () => {
                const token = document.querySelector('meta[name=csrf-token]').content;
                const response = await fetch('/api/goals', {
                    method: 'POST',
                    headers: {'Content-Type': 'application/json', 'X-CSRF-Token': token},
                    body: JSON.stringify({kpi: 'deals_won', period: '2026-Q2', target: 5,
                                          scope: 'rep=R00000002'}),
                });
                return response.status;
            }"""
        )
        assert status == 403
    finally:
        context.close()
