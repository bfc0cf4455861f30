"""In the browser: a manager creates an alert rule, sees what fired in the inbox with the
unread count in the menu, and acknowledges an alert."""

from __future__ import annotations

from cruscotto.alerts.evaluate import evaluate
from cruscotto.alerts.rules import RuleStore
from cruscotto.web.alerting import people
from cruscotto.web.users import UserStore
from tests.e2e.conftest import TODAY, screenshot


def test_a_manager_creates_a_rule_and_works_the_inbox(log_in, served):
    from cruscotto.api import engine_for

    page = log_in("manager")
    page.click("nav.mainnav >> text=Alerts")
    page.wait_for_selector("h1")
    page.click("text=Alert rules")
    page.wait_for_selector("#rule-form")
    page.fill("#rule-form input[name=name]", "My stalled deals")
    page.select_option("#rule-form select[name=kind]", "deal_stalled")
    # Only the chosen kind's fields show (a threshold's value, a KPI: not for stalled deals).
    assert page.locator("#rule-form input[name=param_idle_days]").is_visible()
    assert page.locator("#rule-form input[name=param_value]").is_hidden()
    assert page.locator("#rule-form select[name=kpi]").is_hidden()
    page.fill("#rule-form input[name=param_idle_days]", "7")
    page.select_option("#rule-form select[name=severity]", "critical")
    page.click("#rule-form button[type=submit]")
    page.wait_for_selector("#rule-saved")
    row = page.locator("#rules-table tr", has_text="My stalled deals")
    assert "Deal stalled" in row.inner_text() and "Critical" in row.inner_text()
    screenshot(page, "alerts-rules")

    # The scheduler would evaluate within the hour; here the test evaluates the rule now.
    warehouse = served["warehouse"]
    engine = engine_for(warehouse, today=TODAY)
    rules = RuleStore(warehouse, engine.catalog)
    (rule,) = [r for r in rules.list() if r.name == "My stalled deals"]
    assert rule.within == {"team": list(UserStore(warehouse).get("manager").teams)}
    report = evaluate(engine, [rule], people(UserStore(warehouse)))
    assert report.fired, "the demo has open deals idle for over a week"

    page.goto(served["url"] + "/alerts")
    unread = int(page.locator("#nav-unread").inner_text())
    items = page.locator("#alert-list li.alert-item")
    assert unread == items.count() == len(report.fired)
    assert "Deal stalled" in items.first.inner_text()
    page.locator("#alert-list li.alert-item").first.locator("[data-action=acknowledge]").click()
    page.wait_for_selector("#alert-list")
    if unread > 1:
        assert int(page.locator("#nav-unread").inner_text()) == unread - 1
    else:
        assert page.locator("#nav-unread").count() == 0
    assert page.locator("#alert-list li.alert-item").first.locator("text=Acknowledged").count()
    screenshot(page, "alerts-inbox")
