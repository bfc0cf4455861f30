"""In Italian, in a real Chromium: an admin uploads a sheet no preset knows, maps its
columns, previews it, saves the mapping and imports the file again with it."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.test_import_journey import PASSWORD, empty_company  # noqa: F401 - fixture
from tests.web.test_mapper import SHEET

pytestmark = pytest.mark.e2e


def test_map_preview_save_and_reimport_in_italian(browser, empty_company, tmp_path):  # noqa: F811
    url = empty_company["url"]
    sheet = tmp_path / "trattative.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    fixed = tmp_path / "trattative-corrette.csv"
    fixed.write_text(SHEET.replace("boh", "lost"), encoding="utf-8")
    empty_company["app"].state.users.set_language("admin", "it")
    context, page = sign_in(browser, url, "admin", PASSWORD, "/data/mapper", timeout=60_000)
    try:
        page.wait_for_selector("#mapper-upload")
        assert page.locator("h1").inner_text() == "Mappa le colonne di un file"

        # Upload: the columns with their sample values, fields suggested from the names.
        page.set_input_files("#mapper-upload input[name=file]", str(sheet))
        page.select_option("#mapper-upload select[name=table]", "opportunities")
        page.click("#mapper-upload button[type=submit]")
        page.wait_for_selector("#mapper-fields")
        samples = page.locator("#mapper-headers tr[data-header=Importo]").inner_text()
        assert "1.200,50" in samples and "300" in samples
        assert page.locator("select[name='field.amount']").input_value() == "Importo"
        assert page.locator("select[name='field.opportunity_id']").input_value() == "Codice"
        screenshot(page, "mapper-01-columns")

        # The pipeline is required: the preview says so in Italian.
        page.click("#mapper-preview")
        page.wait_for_selector("#mapper-error")
        assert (
            page.locator("#mapper-error").inner_text()
            == "Scegli una colonna del file per: Pipeline."
        )

        # Map it and preview: "Cliente" was suggested as the company, but the database
        # has no companies yet, so every row would be refused for it.
        page.select_option("select[name='field.pipeline']", "Fase")
        page.click("#mapper-preview")
        page.wait_for_selector("#mapper-rejects")
        assert "Alfa is not in accounts" in page.locator("#mapper-rejects").inner_text()
        # Without the company: two rows land, T-3 ("boh" is no outcome) would be refused.
        page.select_option("select[name='field.account_id']", "")
        page.click("#mapper-preview")
        page.wait_for_selector("#mapper-preview-rows")
        assert page.locator("#mapper-preview-rows tbody tr").count() == 2
        assert (
            "Righe che verrebbero rifiutate: 1"
            in page.locator("#mapper-rejects-title").inner_text()
        )
        assert "boh" in page.locator("#mapper-rejects").inner_text()
        screenshot(page, "mapper-02-preview")

        # Save under a name; it is listed and offered for the next import.
        page.fill("#mapper-form input[name=name]", "Gestionale")
        page.click("#mapper-save")
        page.wait_for_selector("#mapper-saved")
        assert "Mappatura “Gestionale” salvata" in page.locator("#mapper-saved").inner_text()
        assert page.locator("#mapper-saved-list li[data-name=Gestionale]").count() == 1
        screenshot(page, "mapper-03-saved")

        # Re-import the corrected file with the saved mapping, through the import page.
        page.set_input_files("#mapper-import input[name=files]", str(fixed))
        page.select_option("#mapper-import select[name=saved_mapping]", "Gestionale")
        page.click("#mapper-import button[type=submit]")
        page.wait_for_selector("#import-outcome[data-applied=true]")
        row = page.locator("#import-files tbody tr[data-file='trattative-corrette.csv']")
        assert row.locator("[data-count=inserted]").inner_text() == "3"
        assert page.locator("#import-outcome").inner_text().strip() == "Importato."
        screenshot(page, "mapper-04-reimported")
        deals = empty_company["warehouse"].table("opportunities")
        assert deals.count().execute() == 3
    finally:
        context.close()
