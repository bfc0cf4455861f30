"""The import says at once when amounts arrive in a currency the KPIs cannot convert."""

from __future__ import annotations

import datetime as dt

from cruscotto.engine import Engine
from cruscotto.ingest import Settings, import_files
from cruscotto.settings import CompanySettings

EUR_COMPANY = Settings(timezone="UTC", currency="EUR")
HEADER = "opportunity_id,pipeline,stage,status,amount,currency,created_at,closed_at\n"


def deals(tmp_path, name: str, *rows: str):
    file = tmp_path / name
    file.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return file


def test_first_import_in_another_currency_offers_it_as_the_base(duckdb_warehouse, tmp_path):
    usd = deals(
        tmp_path,
        "usd.csv",
        "d1,Main,Won,won,100,USD,2026-01-05,2026-02-01",
        "d2,Main,Open,open,,USD,2026-01-06,",  # no amount: needs no rate, not counted
        "d3,Main,Won,won,50,USD,2026-01-07,2026-02-03",
    )
    report = import_files(duckdb_warehouse, [usd], table="opportunities", settings=EUR_COMPANY)
    assert report.applied
    [note] = report.currency_notes
    # Two of the three deals have an amount, both in USD; the database had no amounts.
    assert (note.currency, note.base, note.amounts, note.first_import) == ("USD", "EUR", 2, True)
    assert "`cruscotto config set base_currency USD`" in note.message
    assert report.as_dict()["currency_notes"][0]["message"] == note.message

    # Later, a GBP deal with no GBP rate: the note says the money KPIs will stop.
    gbp = deals(tmp_path, "gbp.csv", "d4,Main,Won,won,70,GBP,2026-01-08,2026-02-04")
    later = import_files(duckdb_warehouse, [gbp], table="opportunities", settings=EUR_COMPANY)
    [note] = later.currency_notes
    assert (note.currency, note.amounts, note.first_import) == ("GBP", 1, False)
    assert "fx_rates has no GBP rate" in note.message


def test_no_note_when_rates_arrive_or_exist_or_amounts_are_empty(duckdb_warehouse, tmp_path):
    rates = tmp_path / "rates.csv"
    rates.write_text("day,currency,rate_to_base\n2026-01-01,USD,0.9\n", encoding="utf-8")
    usd = deals(tmp_path, "usd.csv", "d1,Main,Won,won,100,USD,2026-01-05,2026-02-01")
    report = import_files(duckdb_warehouse, [rates, usd], settings=EUR_COMPANY)
    assert report.applied and report.currency_notes == []
    usd2 = deals(tmp_path, "usd2.csv", "d2,Main,Won,won,10,USD,2026-01-05,2026-02-01")
    stored = import_files(duckdb_warehouse, [usd2], table="opportunities", settings=EUR_COMPANY)
    assert stored.currency_notes == []
    # Like Olist's deals: a currency but never an amount.
    empty = deals(tmp_path, "brl.csv", "d5,Main,Won,won,,BRL,2026-01-05,2026-02-01")
    none = import_files(duckdb_warehouse, [empty], table="opportunities", settings=EUR_COMPANY)
    assert none.currency_notes == []


def test_money_kpis_need_no_rate_for_unknown_amounts(duckdb_warehouse, tmp_path):
    # Olist's case: deals in BRL whose amounts are all empty, base currency EUR, no rates.
    # Before, every money KPI stopped with "no exchange rate for BRL".
    brl = deals(
        tmp_path,
        "brl.csv",
        "d1,Main,Won,won,,BRL,2026-01-05,2026-02-01",
        "d2,Main,Won,won,,BRL,2026-01-06,2026-02-02",
        "d3,Main,Won,won,80,EUR,2026-01-07,2026-02-03",
    )
    report = import_files(duckdb_warehouse, [brl], table="opportunities", settings=EUR_COMPANY)
    assert report.applied
    engine = Engine(duckdb_warehouse, CompanySettings(timezone="UTC"), today=dt.date(2026, 3, 1))
    won = engine.value("deals_won", "2026-02")
    assert won.value == 3
    # Only d3 has an amount: 80 EUR; the two BRL deals are unknown, not converted.
    assert won.details["won_value"] == 80
