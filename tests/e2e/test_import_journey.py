"""An admin uploads a HubSpot deals export in a real Chromium, reads what the import did,
then the data-health page. Runs against an app of its own over an empty warehouse (the
shared demo company of conftest.py stays untouched for the other browser tests), driven
by the one Playwright browser of this folder's conftest."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date

import pytest

from tests.e2e.conftest import free_port, screenshot, sign_in
from tests.web.conftest import close_app

pytestmark = pytest.mark.e2e

PASSWORD = "import-admin-pass-1"
DEALS = (
    '\ufeff"Record ID","Deal Name","Deal Stage","Close Date","Deal owner","Amount",'
    '"Create Date","Pipeline"\n'
    '"9401","Acme - renewal","Closed Won","2026-03-15 10:00","Mario Rossi","12000",'
    '"2026-01-10 09:30","Sales Pipeline"\n'
    '"9402","Beta - pilot","Contract Sent","2026-05-01 00:00","Giulia Bianchi","3500.5",'
    '"2026-02-01 14:00","Sales Pipeline"\n'
    # Spreadsheet row 4: an amount that is not a number.
    '"9403","Gamma - upsell","Closed Lost","2026-02-20 12:00","Mario Rossi","lots",'
    '"2026-01-15 08:00","Sales Pipeline"\n'
)


@pytest.fixture(scope="module")
def empty_company(tmp_path_factory, chromium_path) -> Iterator[dict]:
    import uvicorn

    from cruscotto.settings import CompanySettings
    from cruscotto.warehouse import connect
    from cruscotto.web import create_app

    warehouse = connect(str(tmp_path_factory.mktemp("import-e2e") / "empty.duckdb"))
    app = create_app(warehouse, CompanySettings(), today=date(2026, 4, 15))
    app.state.users.add("admin", PASSWORD, "admin")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("uvicorn did not start within 20 s")
        time.sleep(0.05)
    yield {"url": f"http://127.0.0.1:{port}", "warehouse": warehouse, "app": app}
    server.should_exit = True
    thread.join(timeout=10)
    close_app(app)


def test_an_admin_uploads_deals_and_reads_the_health_page(browser, empty_company, tmp_path):
    url = empty_company["url"]
    export = tmp_path / "hubspot-deals.csv"
    export.write_text(DEALS, encoding="utf-8")
    context, page = sign_in(browser, url, "admin", PASSWORD, "/data/import", timeout=30_000)
    try:
        page.wait_for_selector("#import-form")
        assert page.locator("#import-presets tbody tr").count() >= 14

        # All or nothing: the bad row is listed and nothing goes in.
        page.set_input_files("input[name=files]", str(export))
        page.click("#import-form button[type=submit]")
        page.wait_for_selector("#import-rejects")
        assert page.locator("#import-outcome").get_attribute("data-applied") == "false"
        reject = page.locator("#import-rejects tbody tr").first.inner_text()
        assert "hubspot-deals.csv" in reject and "4" in reject and "lots" in reject
        with page.expect_download() as download_info:
            page.click("#rejects-download")
        rejects = download_info.value.path().read_text(encoding="utf-8").splitlines()
        assert rejects[0] == "file,row,column,value,reason"
        assert rejects[1].startswith("hubspot-deals.csv,4,Amount,lots,")
        screenshot(page, "import-01-refused")
        assert empty_company["warehouse"].table("opportunities").count().execute() == 0

        # Allowing a partial load: the two valid deals go in.
        page.set_input_files("input[name=files]", str(export))
        page.check("input[name=allow_partial]")
        page.click("#import-form button[type=submit]")
        page.wait_for_selector("#import-outcome[data-applied=true]")
        counts = page.locator("#import-files tbody tr[data-file='hubspot-deals.csv']")
        assert counts.locator("[data-count=inserted]").inner_text() == "2"
        assert counts.locator("[data-count=rejected_rows]").inner_text() == "1"
        screenshot(page, "import-02-partial")
        assert empty_company["warehouse"].table("opportunities").count().execute() == 2

        page.click("nav.mainnav a[href='/data/health']")
        page.wait_for_selector("#health-tables")
        deals = page.locator("#health-tables tr[data-table=opportunities]")
        assert deals.locator("[data-count=rows]").inner_text() == "2"
        assert deals.locator("[data-count=rejected_rows]").inner_text() == "1"
        assert "hubspot-deals.csv" in deals.inner_text()
        screenshot(page, "import-03-health")
    finally:
        context.close()
