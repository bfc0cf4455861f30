"""A card over unknown amounts says "No data" and how many were unknown, never 0."""

from __future__ import annotations

from cruscotto.ingest import Settings, import_files
from tests.engine.test_unknown_amounts import DEALS
from tests.web.conftest import login


def test_open_pipeline_card_with_every_amount_unknown(app, web_warehouse, tmp_path):
    file = tmp_path / "deals.csv"
    file.write_text(DEALS, encoding="utf-8")
    settings = Settings(timezone="UTC", currency="EUR")
    assert import_files(web_warehouse, [file], table="opportunities", settings=settings).applied
    client = login(app, "admin")
    url = "/api/overview?period=2026-03&kpi=open_pipeline"
    [card] = [c for area in client.get(url).json()["areas"] for c in area["cards"]]
    # At the end of March o1 and o2 are open, both without an amount (tests/engine).
    assert (card["value"], card["unknown"]) == (None, 2)
    page = client.get(url.removeprefix("/api"))
    assert "No data" in page.text and 'data-unknown="2"' in page.text
    assert "2 with an unknown value, left out" in page.text
    italian = client.get("/api/kpi/open_pipeline?period=2026-03")
    assert italian.json()["compare"]["current"]["details"]["unknown"] == 2
