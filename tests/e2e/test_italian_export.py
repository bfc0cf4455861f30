"""An Italian manager exports the records behind a KPI and opens them as Italian Excel would
(issue 14.2): `;` between cells, decimal comma, UTF-8 byte-order mark. Every value of
the downloaded file is compared with the JSON twin of the same records (the engine's
answer, in the same scope and order)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from cruscotto.web.records import INTERNAL_PREFIX, NAMED_IDS
from cruscotto.web.values import VALUE_KINDS, ValueText
from tests.e2e.conftest import screenshot

ITALIAN = ValueText("it")
KPI = "new_opportunities"
PERIOD = "2026-Q1"


def expected_rows(records: dict) -> list[list]:
    """The JSON twin's records laid out as the export lays them out: internal columns
    left out, each named id followed by its name, codes (status, stage, pipeline,
    channel…) and yes/no in the catalog's Italian words."""
    columns = records["columns"]
    rows = []
    for row in records["rows"]:
        laid_out = []
        for column, value in zip(columns, row, strict=True):
            if column.startswith(INTERNAL_PREFIX):
                continue
            coded = isinstance(value, str) and column in VALUE_KINDS
            laid_out.append(
                ITALIAN.value(column, value) if coded or isinstance(value, bool) else value
            )
            if column in NAMED_IDS:
                laid_out.append(records["names"].get(column, {}).get(str(value)))
        rows.append(laid_out)
    return rows


def same(cell: str, value) -> bool:
    """A cell of the Italian CSV against the JSON value: numbers with a decimal comma and
    rounded to their unit (cents at most), nothing for a missing value."""
    if value is None:
        return cell == ""
    if isinstance(value, bool):
        return cell == str(value).lower()
    if isinstance(value, int | float):
        assert "." not in cell, f"{cell!r}: a dot in an Italian number"
        return float(cell.replace(",", ".")) == pytest.approx(value, abs=0.005)
    return cell == str(value)


def test_italian_csv_export_matches_the_engine_value_by_value(log_in, served):
    page = log_in("manager")
    page.click("button[data-language=it]")
    page.wait_for_selector("h1:text-is('Panoramica')")
    try:
        page.goto(f"{served['url']}/kpi/{KPI}?period={PERIOD}")
        page.wait_for_selector("#records-table")
        screenshot(page, "10-kpi-records-it")
        with page.expect_download() as download_info:
            page.click("#csv-download")
        raw = Path(download_info.value.path()).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Italian Excel needs to read UTF-8
        table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
        header, cells = table[0], table[1:]
        assert header[0] != "opportunity_id" and all("_" not in h for h in header)  # words

        twin = page.request.get(f"{served['url']}/api/kpi/{KPI}?period={PERIOD}&limit=200").json()
        records = twin["records"]
        assert records["total"] == len(cells) > 0 and records["total"] <= 200
        # The KPI counts exactly these deals.
        assert twin["compare"]["current"]["value"] == len(cells)
        expected = expected_rows(records)
        mismatches = [
            (row[0], header[i], cell, value)
            for row, wanted in zip(cells, expected, strict=True)
            for i, (cell, value) in enumerate(zip(row, wanted, strict=True))
            if not same(cell, value)
        ]
        assert not mismatches, mismatches[:10]
    finally:
        page.click("button[data-language=en]")
