"""Unknown is not zero: sums, means and pipeline values over records whose amount is
unknown say how many were unknown, and a KPI whose every input is unknown has no value."""

from __future__ import annotations

import datetime as dt

import pytest

from cruscotto.engine import Engine
from cruscotto.ingest import Settings, import_files
from cruscotto.settings import CompanySettings

DEALS = (
    "opportunity_id,pipeline,stage,status,amount,created_at,closed_at\n"
    "w1,Main,Won,won,100,2026-01-05,2026-02-01\n"
    "w2,Main,Won,won,,2026-01-06,2026-02-02\n"
    "w3,Main,Won,won,50,2026-01-07,2026-02-03\n"
    "o1,Main,Open,open,,2026-01-08,\n"
    "o2,Main,Open,open,,2026-01-09,\n"
    "l1,Main,Lost,lost,,2026-01-09,2026-03-02\n"
)


@pytest.fixture
def engine(duckdb_warehouse, tmp_path):
    file = tmp_path / "deals.csv"
    file.write_text(DEALS, encoding="utf-8")
    settings = Settings(timezone="UTC", currency="EUR")
    assert import_files(duckdb_warehouse, [file], table="opportunities", settings=settings).applied
    return Engine(duckdb_warehouse, CompanySettings(timezone="UTC"), today=dt.date(2026, 4, 1))


def test_a_sum_says_how_many_amounts_were_unknown(engine):
    # February: w1, w2, w3 won; 100 + 50 known, w2's amount unknown.
    won = engine.value("deals_won", "2026-02")
    assert won.value == 3
    assert (won.details["won_value"], won.details["won_value_unknown"]) == (150, 1)
    # The mean of the known amounts, (100 + 50) / 2, over 2 deals, 1 unknown.
    acv = engine.value("avg_contract_value", "2026-02")
    assert (acv.value, acv.sample_size, acv.details["unknown"]) == (75, 2, 1)


def test_every_amount_unknown_is_no_data_not_zero(engine):
    # At the end of January all six deals are open (none closed before February); the
    # known amounts are w1 100 and w3 50: 150, with the other 4 unknown.
    january = engine.value("open_pipeline", "2026-01")
    assert (january.value, january.details["unknown"]) == (150, 4)
    # At the end of March only o1 and o2 are open, both without an amount: no data
    # (before: 0 next to 2 open deals).
    march = engine.value("open_pipeline", "2026-03")
    assert march.value is None
    assert (march.details["open_deals"], march.details["unknown"]) == (2, 2)
    # March's won value: no deal won, so 0 is a real zero (nothing unknown).
    assert engine.value("deals_won", "2026-03").details["won_value"] == 0
    assert "won_value_unknown" not in engine.value("deals_won", "2026-03").details
