"""A manager's morning, a rep's view and a viewer's limits, in a real Chromium."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from tests.e2e.conftest import screenshot


def test_manager_filters_opens_a_kpi_drills_down_and_exports(log_in, served):
    page = log_in("manager")
    assert page.locator("h1").inner_text() == "Overview"
    assert page.locator(".card").count() > 5
    assert page.locator("#area-sales .card").count() > 0
    screenshot(page, "01-overview-manager-en")

    # Change a filter: the choice lands in the URL (bookmarkable) and the cards follow it.
    # The channel chosen is the one with most of the team's new deals last month (JSON twin).
    by_channel = page.request.get(served["url"] + "/api/kpi/new_opportunities?by=channel").json()
    channel = by_channel["breakdown"]["rows"][0]["key"]
    page.select_option("select[name=channel]", channel)
    page.click(".filters button[type=submit]")
    page.wait_for_url(re.compile(rf"channel={re.escape(channel)}"))
    assert "rep=" not in page.url  # pickers left on "All" stay out of the URL
    assert page.locator("select[name=channel]").input_value() == channel
    screenshot(page, "02-overview-filtered")

    # Open a KPI: definition card, trend drawn by the locally served plotly.js.
    page.click('a.card[data-kpi="new_opportunities"]')
    page.wait_for_url(re.compile(r"/kpi/new_opportunities"))
    assert f"channel={channel}" in page.url  # the filter follows into the KPI page
    page.wait_for_selector("#trend-chart[data-drawn=true] .main-svg")
    assert "Deals" in page.locator(".definition-card").inner_text()  # its source table, named
    screenshot(page, "03-kpi-new-opportunities")

    # Drill down: the records table, sorted by a column, then the next page.
    page.wait_for_selector("#records-table")
    records = page.locator("#records-table tbody tr")
    assert records.count() > 0
    page.click("#records-table th[data-column=created_at] a")
    page.wait_for_url(re.compile(r"sort=created_at"))
    assert page.locator("#records-table th[data-column=created_at]").inner_text() == "Created ▲"
    screenshot(page, "04-kpi-records-sorted")

    # Export: the CSV download holds the same records, all of the manager's team.
    with page.expect_download() as download_info:
        page.click("#csv-download")
    download = download_info.value
    assert download.suggested_filename.startswith("new_opportunities_")
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    total = int(re.sub(r"\D", "", page.locator(".pager span").first.inner_text()))
    assert len(rows) == total
    overview = page.request.get(served["url"] + "/api/overview").json()
    team_reps = {value for value, _label in overview["pickers"]["rep"]}
    assert {r["Owner (id)"] for r in rows} <= team_reps


def test_language_switch_is_remembered_and_formats_numbers(log_in, served):
    page = log_in("admin")
    page.click("button[data-language=it]")
    page.wait_for_selector("h1:text-is('Panoramica')")
    assert "Vendite" in page.locator("#area-sales h2").inner_text()
    screenshot(page, "05-overview-admin-it")
    page.goto(served["url"] + "/kpi/avg_opportunity_value")
    value = page.locator("[data-figure=current] .big").inner_text()
    assert re.fullmatch(r"[\d.]+(,\d\d)?\s€", value), value  # Italian: 12.345 € or 1.234,56 €
    screenshot(page, "06-kpi-it")
    # Remembered on the user: a new login starts in Italian.
    again = log_in("admin")
    assert again.locator("h1").inner_text() == "Panoramica"
    again.click("button[data-language=pt]")
    again.wait_for_selector("h1:text-is('Visão geral')")
    screenshot(again, "07-overview-admin-pt")
    again.click("button[data-language=en]")
    again.wait_for_selector("h1:text-is('Overview')")


def test_rep_sees_only_own_records(log_in, served):
    page = log_in("rep")
    rep_id = page.request.get(served["url"] + "/api/me").json()["rep_id"]
    reps = dict(page.request.get(served["url"] + "/api/overview").json()["pickers"].get("rep", []))
    banner = page.locator(".scope-banner").inner_text()
    name = re.search(r"\(([^)]+)\)", banner).group(1)
    assert name != rep_id and not reps  # the rep's name; no picker to choose another rep
    assert page.locator("select[name=rep]").count() == 0
    screenshot(page, "08-overview-rep")
    page.goto(served["url"] + "/kpi/new_opportunities?period=2026-Q1")
    page.wait_for_selector("#records-table")
    columns = page.locator("#records-table thead th").evaluate_all(
        "ths => ths.map(th => th.dataset.column)"
    )
    column = columns.index("owner_id") + 1
    owners = page.locator(f"#records-table tbody tr td:nth-child({column})")
    assert owners.count() > 0
    assert set(owners.all_inner_texts()) == {name}  # the rep's name, their id as tooltip
    assert {owners.nth(i).get_attribute("title") for i in range(owners.count())} == {rep_id}
    # Asking for someone else's numbers in the URL is refused, not answered.
    response = page.goto(served["url"] + "/kpi/new_opportunities?rep=someone-else")
    assert response.status == 403
    screenshot(page, "09-rep-refused")


def test_viewer_sees_numbers_but_no_records_or_export(log_in, served):
    page = log_in("viewer")
    page.goto(served["url"] + "/kpi/new_leads")
    page.wait_for_selector("#trend-chart[data-drawn=true]")
    page.wait_for_selector("#kpi-details[data-loaded=true]")
    assert page.locator("#records-table").count() == 0
    assert page.locator("#csv-download").count() == 0
    assert "not the records" in page.locator("#records").inner_text()
    response = page.goto(served["url"] + "/api/kpi/new_leads/records.csv")
    assert response.status == 403
