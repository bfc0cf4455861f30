"""The reports in a real Chromium: a rep opens the forecast (chart drawn by the locally
served plotly.js), the leaderboard in Italian, and downloads it as XLSX holding only the
rep's own deals. Uses the browser fixtures of this folder's conftest (demo company, scale 0.05)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def rep_page(browser, served):
    """The demo rep, logged in straight to the reports (the overview is not under test)."""
    context, page = sign_in(
        browser, served["url"], "rep", served["logins"]["rep"], "/reports", timeout=60_000
    )
    yield page
    context.close()


def test_a_rep_reads_and_exports_own_reports(rep_page, served):
    page = rep_page
    page.wait_for_selector(".report-list .card")
    page.click("a.card[data-report=forecast]")
    page.wait_for_url(re.compile(r"/reports/forecast"))
    page.wait_for_selector("#report-chart[data-drawn=true] .main-svg")
    # The note says where each deal's probability comes from: the learned model once its
    # training (started by the server) is done and beat the stage rates, else those rates.
    note = page.locator(".report-notes").inner_text()
    assert "historical win rate" in note or "a model learned from" in note, note
    screenshot(page, "reports-01-forecast-rep")

    # The leaderboard, in Italian: labels translated, numbers in the Italian way.
    page.click("button[data-language=it]")
    page.goto(served["url"] + "/reports/leaderboard")
    assert page.locator("#report-title").inner_text() == "Classifica delle performance di vendita"
    assert "Trattative per venditore" in page.locator("#table-reps h2").inner_text()
    screenshot(page, "reports-02-leaderboard-it")

    mine = page.request.get(served["url"] + "/api/reports/leaderboard").json()
    (me,) = next(t for t in mine["tables"] if t["name"] == "reps")["rows"] or [{"rep": None}]
    with page.expect_download() as download_info:
        page.click("#xlsx-download")
    download = download_info.value
    assert download.suggested_filename.startswith("leaderboard-")
    workbook = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    # The file speaks the reader's language too: sheets and headers in Italian.
    assert workbook.sheetnames == [
        "Trattative per venditore",
        "Valore delle trattative per",  # Excel's 31 characters, cut at a word
        "Trattative",
        "Informazioni",
    ]
    deals = workbook["Trattative"]
    header = [c.value for c in deals[1]]
    reps_in_file = {row[header.index("Venditore")].value for row in deals.iter_rows(min_row=2)}
    assert reps_in_file <= {me["rep"]}  # only the rep's own deals, if any
    page.click("button[data-language=en]")
