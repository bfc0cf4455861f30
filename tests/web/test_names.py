"""Names, not ids: records, breakdowns, pickers and the rep banner (issue 14.1).

The company is tests/web/data.py: o1 is Alfa Srl's deal, owned by r1 Anna Rossi, won;
o2 is Beta GmbH's, owned by r2 Bruno Bianchi, open, 5 000 USD.
"""

from __future__ import annotations

import re

from tests.web.conftest import login, with_parts


def test_records_json_keeps_ids_and_adds_their_names(company):
    records = company["admin"].get("/api/kpi/new_opportunities?period=2026-03").json()["records"]
    owner = records["columns"].index("owner_id")
    assert {row[owner] for row in records["rows"]} == {"r1", "r2"}  # ids stay in the data
    assert records["names"]["owner_id"] == {"r1": "Anna Rossi", "r2": "Bruno Bianchi"}
    assert records["names"]["account_id"] == {"a1": "Alfa Srl", "a2": "Beta GmbH"}


def records_table(html: str) -> str:
    start = html.index('id="records-table"')
    return html[start : html.index("</table>", start)]


def test_record_rows_show_names_with_the_id_as_tooltip(company):
    page = with_parts(company["admin"], "/kpi/new_opportunities?period=2026-03")
    table = records_table(page)
    assert 'title="a1">Alfa Srl</td>' in table
    assert 'title="r2">Bruno Bianchi</td>' in table
    # Headers are words and statuses translated; no snake_case column names.
    assert ">Account<" in table and ">Owner<" in table
    assert "owner_id" not in re.sub(r'(data-column|title|href)="[^"]*"', "", table)
    assert ">Won<" in table and ">Open<" in table
    # o2's amount is in its own currency: 5 000 USD, whole units.
    assert "US$5,000" in table


def test_main_columns_first_and_the_rest_behind_a_toggle(company):
    page = with_parts(company["admin"], "/kpi/new_opportunities?period=2026-03")
    headers = re.findall(r'<th scope="col" data-column="([a-z_]+)"', page)
    # 9 of the 16 columns of a deal, in FIRST_COLUMNS' order; the deal's own id is hidden.
    assert headers == [
        "account_id",
        "owner_id",
        "product",
        "amount",
        "status",
        "stage",
        "lost_reason",
        "closed_at",
        "created_at",
    ]
    assert 'id="more-columns"' in page and "Show 7 more columns" in page
    wide = with_parts(company["admin"], "/kpi/new_opportunities?period=2026-03&columns=all")
    assert len(re.findall(r'<th scope="col"', wide)) == 16
    assert 'id="fewer-columns"' in wide


def test_records_in_italian_have_italian_headers_values_and_dates(company_app):
    client = login(company_app, "admin")
    client.post("/language", data={"language": "it"})
    try:
        table = records_table(with_parts(client, "/kpi/new_opportunities?period=2026-03"))
        assert ">Cliente<" in table and ">Responsabile<" in table and ">Stato<" in table
        assert ">Vinta<" in table and ">Aperta<" in table
        # o1 closed 2026-03-25 10:00 UTC = 11:00 in Rome (CET, before the DST switch on 29 March)
        assert "25 mar 2026, 11:00" in table
    finally:
        client.post("/language", data={"language": "en"})


def test_breakdown_rows_link_to_the_records_of_that_value(company):
    page = with_parts(company["admin"], "/kpi/new_leads?period=2026-03&by=rep")
    # r1 Anna Rossi created 3 of March's leads (L1 L2 L3, see tests/web/data.py).
    link = '<a href="/kpi/new_leads?by=rep&amp;period=2026-03&amp;rep=r1#records" title="r1">'
    assert link + "Anna Rossi</a>" in page
    kept = company["admin"].get("/api/kpi/new_leads?period=2026-03&by=rep&rep=r1").json()
    assert kept["records"]["total"] == 3


def test_breakdown_by_channel_is_in_words(company_app):
    client = login(company_app, "admin")
    client.post("/language", data={"language": "it"})
    try:
        data = client.get("/api/kpi/new_leads?period=2026-03&by=channel").json()
        # "events" is a channel the catalog knows (value.channel.events = "Eventi"); web and
        # ads are this company's own codes, shown as written.
        assert {r["label"] for r in data["breakdown"]["rows"]} == {"web", "ads", "Eventi"}
        assert {r["key"] for r in data["breakdown"]["rows"]} == {"web", "ads", "events"}
    finally:
        client.post("/language", data={"language": "en"})


def test_the_rep_banner_names_the_rep(company):
    page = with_parts(company["rep"], "/overview?period=2026-03")
    assert "(Anna Rossi)" in page and "r1" not in page[page.index("scope-banner") :][:200]


def test_chart_points_link_to_their_records(company):
    page = with_parts(company["admin"], "/kpi/new_leads?period=2026-03&by=rep")
    breakdown = page[page.index('id="breakdown-data"') :]
    assert "/kpi/new_leads?by=rep\\u0026period=2026-03\\u0026rep=r1#records" in breakdown
    trend = page[page.index('id="trend-data"') :]
    assert "/kpi/new_leads?by=rep\\u0026period=2026-02#records" in trend
