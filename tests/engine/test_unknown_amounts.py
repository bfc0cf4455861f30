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


# Campaign-sourced deals for the ratio and function KPIs over amounts: campaign c1
# (January, 100 spent) brought w1 (100) and w2 (no amount) in February; w3 (50) came
# from no campaign; campaign c2 (March, 40 spent) brought w4 (no amount) in March.
CAMPAIGN_FILES = {
    "reps": "rep_id,name,active,role\nr1,Anna,yes,ae\nr2,Bruno,yes,ae\n",
    "campaigns": (
        "campaign_id,name,channel,started_at,ended_at,spend,currency\n"
        "c1,Winter,email,2026-01-01,2026-01-31,100,EUR\n"
        "c2,Spring,email,2026-03-01,2026-03-31,40,EUR\n"
    ),
    "leads": (
        "lead_id,created_at,channel,campaign_id\n"
        "L1,2026-01-10,email,c1\nL2,2026-01-11,email,c1\nL4,2026-03-02,email,c2\n"
    ),
    "opportunities": (
        "opportunity_id,lead_id,owner_id,pipeline,stage,status,amount,created_at,closed_at\n"
        "w1,L1,r1,Main,Won,won,100,2026-01-15,2026-02-01\n"
        "w2,L2,r2,Main,Won,won,,2026-01-16,2026-02-02\n"
        "w3,,r1,Main,Won,won,50,2026-01-17,2026-02-03\n"
        "w4,L4,r2,Main,Won,won,,2026-03-05,2026-03-20\n"
    ),
}


@pytest.fixture
def campaign_engine(duckdb_warehouse, tmp_path):
    settings = Settings(timezone="UTC", currency="EUR")
    for table, text in CAMPAIGN_FILES.items():
        file = tmp_path / f"{table}.csv"
        file.write_text(text, encoding="utf-8")
        report = import_files(duckdb_warehouse, [file], table=table, settings=settings)
        assert report.applied, report.rejects
    return Engine(duckdb_warehouse, CompanySettings(timezone="UTC"), today=dt.date(2026, 4, 1))


def test_a_ratio_over_amounts_says_how_many_were_unknown(campaign_engine):
    # Revenue per rep, February: (100 + 50) known over the 2 active reps = 75; w2's
    # amount is unknown (before: no count, the ratio read as if w2 were worth 0).
    february = campaign_engine.value("revenue_per_rep", "2026-02")
    assert (february.value, february.numerator, february.denominator) == (75, 150, 2)
    assert february.details["unknown"] == 1
    # March: the only won deal, w4, has no amount: no data, not 0 per rep.
    march = campaign_engine.value("revenue_per_rep", "2026-03")
    assert (march.value, march.details["unknown"]) == (None, 1)
    # By rep in February: Anna's w1 + w3 known; Bruno's only deal w2 is unknown.
    by_rep = dict(campaign_engine.breakdown("revenue_per_rep", "2026-02", "rep"))
    assert by_rep["r2"].value is None and by_rep["r2"].details["unknown"] == 1


def test_function_kpis_over_won_amounts_count_the_unknown(campaign_engine):
    # Campaign revenue, February: w1's 100 (w3 has no campaign), w2 unknown.
    february = campaign_engine.value("campaign_revenue", "2026-02")
    assert (february.value, february.sample_size, february.details["unknown"]) == (100, 2, 1)
    # March: c2's only deal w4 has no amount: no data (before: 0).
    march = campaign_engine.value("campaign_revenue", "2026-03")
    assert (march.value, march.details["unknown"]) == (None, 1)
    # A month without wins is a real 0, with nothing unknown.
    january = campaign_engine.value("campaign_revenue", "2026-01")
    assert january.value == 0 and "unknown" not in january.details
    # The trend counts per month the same way.
    trend = campaign_engine.trend("campaign_revenue", "2026-Q1", "month")
    assert [(p.value, p.details.get("unknown", 0)) for p in trend] == [
        (0, 0),
        (100, 1),
        (None, 1),
    ]
    # ROI of January's cohort (c1, 100 spent): revenue 100 known, w2 unknown -> 0 %.
    roi = campaign_engine.value("roi", "2026-01")
    assert (roi.value, roi.details["unknown"]) == (0, 1)
    # March's cohort (c2): its only deal has no amount: ROI unknown (before: -100 %).
    roi_march = campaign_engine.value("roi", "2026-03")
    assert roi_march.value is None
    assert (roi_march.details["campaign_revenue"], roi_march.details["unknown"]) == (None, 1)
