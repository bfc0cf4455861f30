"""Sales forecast: weighted open pipeline by expected close month, and forecast vs actual.

The company (today 2026-03-10, Europe/Rome, EUR):
closed deals of rep r1 in pipeline "New business" and the stages they reached
  c1 won   qualification → proposal → negotiation
  c2 lost  qualification → proposal
  c3 lost  qualification
  c4 won   qualification → proposal → negotiation
  c5 lost  qualification → proposal → negotiation
so the stage win rates are qualification 2/5 = 0.4, proposal 2/4 = 0.5,
negotiation 2/3, and the pipeline's 2/5 = 0.4.
"""

import pandas as pd
import pytest

from cruscotto.engine import Period
from cruscotto.reports.forecast import sales_forecast
from tests.reports.company import context, day, reps, rows, ts

NB = "New business"


def _deal(opp_id, owner, stage, status, amount, currency="EUR", **more):
    return {
        "opportunity_id": opp_id,
        "owner_id": owner,
        "account_id": "a1",
        "pipeline": NB,
        "stage": stage,
        "status": status,
        "amount": amount,
        "currency": currency,
        "created_at": ts("2025-12-01T09:00:00"),
        **more,
    }


CLOSED_PATHS = {
    "c1": ("won", ["qualification", "proposal", "negotiation"], "2026-02-10T10:00:00", 9000.0),
    "c2": ("lost", ["qualification", "proposal"], "2026-02-12T10:00:00", 7000.0),
    "c3": ("lost", ["qualification"], "2026-01-20T10:00:00", 3000.0),
    # 23:30 UTC on 31 January is 00:30 on 1 February in Rome: a February win.
    "c4": ("won", ["qualification", "proposal", "negotiation"], "2026-01-31T23:30:00", 4000.0),
    "c5": ("lost", ["qualification", "proposal", "negotiation"], "2025-11-05T10:00:00", 5000.0),
}


@pytest.fixture(scope="module")
def company(module_warehouse):
    warehouse = module_warehouse
    closed = [
        _deal(i, "r1", f"closed_{status}", status, amount, closed_at=ts(closed_at))
        for i, (status, _, closed_at, amount) in CLOSED_PATHS.items()
    ]
    history = [
        {"opportunity_id": i, "stage": stage, "entered_at": ts(f"2025-10-{n + 1:02d}T08:00:00")}
        for i, (_, stages, _, _) in CLOSED_PATHS.items()
        for n, stage in enumerate(stages)
    ]
    open_deals = [
        _deal("o1", "r1", "qualification", "open", 10000.0, expected_close_date=day("2026-03-20")),
        _deal("o2", "r1", "proposal", "open", 20000.0, expected_close_date=day("2026-03-31")),
        _deal(
            "o3",
            "r1",
            "negotiation",
            "open",
            6000.0,
            "USD",
            expected_close_date=day("2026-04-15"),
        ),
        # No closed deal ever reached "discovery": the pipeline's rate applies.
        _deal("o4", "r1", "discovery", "open", 8000.0, expected_close_date=day("2026-04-02")),
        # Expected before the forecast window: overdue, not in any month.
        _deal("o5", "r1", "qualification", "open", 1000.0, expected_close_date=day("2026-02-20")),
        _deal("o6", "r2", "proposal", "open", 50000.0, expected_close_date=day("2026-03-15")),
    ]
    warehouse.load(
        {
            "reps": reps(("r1", "Anna", "North"), ("r2", "Bruno", "South")),
            "accounts": rows(
                "accounts", [{"account_id": "a1", "name": "Acme", "created_at": ts("2025-01-01")}]
            ),
            "opportunities": rows("opportunities", closed + open_deals),
            "stage_history": rows("stage_history", history),
            # USD: 0.90 from 1 March, 1.00 from 12 March (after today, so not used).
            "fx_rates": rows(
                "fx_rates",
                [
                    {"day": day("2026-03-01"), "currency": "USD", "rate_to_base": 0.9},
                    {"day": day("2026-03-12"), "currency": "USD", "rate_to_base": 1.0},
                ],
            ),
            "forecasts": rows(
                "forecasts",
                [
                    {
                        "rep_id": "r1",
                        "period": "2026-02",
                        "amount": 10000.0,
                        "submitted_at": ts("2026-01-25T09:00:00"),
                    },
                    # The revision replaces the first forecast for February.
                    {
                        "rep_id": "r1",
                        "period": "2026-02",
                        "amount": 12000.0,
                        "submitted_at": ts("2026-02-05T09:00:00"),
                    },
                    {
                        "rep_id": "r2",
                        "period": "2026-02",
                        "amount": 8000.0,
                        "submitted_at": ts("2026-02-01T09:00:00"),
                    },
                    {
                        "rep_id": "r1",
                        "period": "2026-01",
                        "amount": 5000.0,
                        "submitted_at": ts("2026-01-02T09:00:00"),
                    },
                ],
            ),
        }
    )
    return context(warehouse, "2026-03-10")


def test_weighted_pipeline_by_expected_close_month(company):
    report = sales_forecast(company)
    assert report.period == Period(day("2026-03-01"), day("2026-09-01"))
    months = report.table("months").frame.set_index("month")
    assert list(months.index) == ["2026-03", "2026-04", "2026-05", "2026-06", "2026-07", "2026-08"]
    # March: o1 10,000 × 0.4 = 4,000; o2 20,000 × 0.5 = 10,000; o6 50,000 × 0.5 = 25,000.
    assert months.loc["2026-03", "open_count"] == 3
    assert months.loc["2026-03", "open_value"] == pytest.approx(80000.0)
    assert months.loc["2026-03", "weighted_value"] == pytest.approx(39000.0)
    # April: o3 6,000 USD × 0.90 = 5,400 EUR × 2/3 = 3,600; o4 8,000 × 0.4 (pipeline) = 3,200.
    assert months.loc["2026-04", "open_count"] == 2
    assert months.loc["2026-04", "open_value"] == pytest.approx(13400.0)
    assert months.loc["2026-04", "weighted_value"] == pytest.approx(6800.0)
    assert months.loc["2026-05", "open_count"] == 0
    assert report.facts["weighted_value"] == pytest.approx(45800.0)
    # o5 was expected on 20 February: overdue, outside the months, and said so.
    assert report.facts["overdue_count"] == 1
    assert report.facts["overdue_value"] == pytest.approx(1000.0)
    assert any("historical win rate" in note.text for note in report.notes)


def test_each_deal_shows_its_factors(company):
    deals = sales_forecast(company).table("deals").frame.set_index("opportunity_id")
    # By expected close date: 15 Mar, 20 Mar, 31 Mar, 2 Apr, 15 Apr.
    assert list(deals.index) == ["o6", "o1", "o2", "o4", "o3"]
    assert deals.loc["o3", "probability"] == pytest.approx(2 / 3)
    assert deals.loc["o3", "probability_basis"] == "stage"
    assert deals.loc["o3", "amount"] == 6000.0 and deals.loc["o3", "currency"] == "USD"
    assert deals.loc["o3", "amount_base"] == pytest.approx(5400.0)
    assert deals.loc["o4", "probability_basis"] == "pipeline"
    assert deals.loc["o4", "probability"] == pytest.approx(0.4)
    # Created 2025-12-01, today 2026-03-10: 31 (Dec) + 31 (Jan) + 28 (Feb) + 9 = 99 days.
    assert deals.loc["o1", "age_days"] == 99
    assert deals.loc["o1", "rep"] == "Anna" and deals.loc["o1", "account"] == "Acme"


def test_stage_win_rates_carry_wilson_intervals(company):
    rates = sales_forecast(company).table("stage_win_rates").frame
    proposal = rates.set_index("stage").loc["proposal"]
    assert (proposal.won, proposal.closed) == (2, 4)
    assert proposal.win_rate == pytest.approx(0.5)
    # Wilson 95% for 2 of 4: centre (0.5 + 1.9208/4)/(1 + 3.8415/4) = 0.5, half-width
    # 1.96·sqrt(0.0625 + 0.0600)/1.9604 = 0.3498 → 0.1500 … 0.8500.
    assert proposal.ci_low == pytest.approx(0.1500, abs=1e-3)
    assert proposal.ci_high == pytest.approx(0.8500, abs=1e-3)
    # The stages where deals end are not rows: every closed deal reached "won" or "lost",
    # so they would read 100% and 0%.
    assert not {"won", "lost"} & set(rates.stage)


def test_forecast_vs_actual_uses_each_reps_latest_forecast(company):
    history = sales_forecast(company).table("forecast_vs_actual").frame.set_index("month")
    assert list(history.index) == ["2025-09", "2025-10", "2025-11", "2025-12", "2026-01", "2026-02"]
    # February: forecasts 12,000 (r1's revision) + 8,000 (r2) = 20,000; won c1 9,000 and c4
    # 4,000 (closed 00:30 on 1 February in Rome) = 13,000; accuracy 1 − 7,000/20,000 = 0.65.
    assert history.loc["2026-02", "forecast"] == pytest.approx(20000.0)
    assert history.loc["2026-02", "actual"] == pytest.approx(13000.0)
    assert history.loc["2026-02", "won_count"] == 2
    assert history.loc["2026-02", "accuracy"] == pytest.approx(0.65)
    # January: forecast 5,000, nothing won: 1 − 5,000/5,000 = 0.
    assert history.loc["2026-01", "actual"] == 0.0
    assert history.loc["2026-01", "accuracy"] == pytest.approx(0.0)
    # November: nothing forecast, so no accuracy (not 0%).
    assert pd.isna(history.loc["2025-11", "forecast"])
    assert pd.isna(history.loc["2025-11", "accuracy"])


def test_forecast_vs_actual_per_rep(company):
    by_rep = sales_forecast(company).table("forecast_by_rep").frame
    rows_ = {(r.month, r.rep): r for r in by_rep.itertuples()}
    assert list(rows_) == [("2026-01", "Anna"), ("2026-02", "Anna"), ("2026-02", "Bruno")]
    # Anna, February: forecast 12,000, won 13,000 → 1 − 1,000/12,000.
    anna = rows_[("2026-02", "Anna")]
    assert (anna.forecast, anna.actual, anna.won_count) == (12000.0, 13000.0, 2)
    assert anna.accuracy == pytest.approx(1 - 1000 / 12000)
    # Bruno, February: forecast 8,000, nothing won → 1 − 8,000/8,000 = 0.
    bruno = rows_[("2026-02", "Bruno")]
    assert (bruno.actual, bruno.accuracy) == (0.0, 0.0)


def test_a_rep_sees_only_own_deals_and_own_history(company):
    mine = sales_forecast(company, filters={"rep": ["r1"]})
    assert "o6" not in set(mine.table("deals").frame.opportunity_id)
    march = mine.table("months").frame.set_index("month").loc["2026-03"]
    assert march.weighted_value == pytest.approx(14000.0)  # 4,000 + 10,000
    history = mine.table("forecast_vs_actual").frame.set_index("month")
    # r1 in February: forecast 12,000, won 13,000 → 1 − 1,000/12,000.
    assert history.loc["2026-02", "accuracy"] == pytest.approx(1 - 1000 / 12000)

    # r2 has no closed deal to learn from: the probability is unknown, not 0 or 100%.
    theirs = sales_forecast(company, filters={"rep": ["r2"]})
    deals = theirs.table("deals").frame
    assert list(deals.opportunity_id) == ["o6"]
    assert pd.isna(deals.probability.iloc[0]) and pd.isna(deals.probability_basis.iloc[0])
    assert theirs.facts["weighted_value"] == 0.0


def test_a_pipeline_filter_hides_forecast_vs_actual_and_says_why(company):
    report = sales_forecast(company, filters={"pipeline": [NB]})
    assert "forecast_vs_actual" not in [t.name for t in report.tables]
    assert any("Forecast vs actual" in note.text for note in report.notes)


def test_an_explicit_period_limits_the_months(company):
    report = sales_forecast(company, Period.parse("2026-04"))
    months = report.table("months").frame
    assert list(months.month) == ["2026-04"] and months.open_count.iloc[0] == 2


def test_a_team_filter_opens_the_forecast(company):
    """The team filter used to fail (HTTP 500): the union of stage history and current stages
    had NOT NULL keys on one side and nullable ones (after the join to reps) on the other."""
    north = sales_forecast(company, filters={"team": ["North"]})  # Anna (r1) only
    assert "o6" not in set(north.table("deals").frame.opportunity_id)
    march = north.table("months").frame.set_index("month").loc["2026-03"]
    assert march.weighted_value == pytest.approx(14000.0)  # as for r1: 4,000 + 10,000
    south = sales_forecast(company, filters={"team": ["South"]})
    assert list(south.table("deals").frame.opportunity_id) == ["o6"]


def test_each_month_has_a_p10_p50_p90_range(company):
    months = sales_forecast(company).table("months").frame.set_index("month")
    # April: o3 5,400 (p = 2/3) and o4 8,000 (p = 0.4), independent. Totals and chances:
    # 0: 1/3 × 0.6 = 0.2; 5,400: 2/3 × 0.6 = 0.4; 8,000: 1/3 × 0.4 = 0.133;
    # 13,400: 2/3 × 0.4 = 0.267. Cumulative 0.2, 0.6, 0.733, 1 → P10 = 0, P50 = 5,400,
    # P90 = 13,400 (each far from a boundary, so 2,000 draws cannot land elsewhere).
    april = months.loc["2026-04"]
    assert (april.p10, april.p50, april.p90) == pytest.approx((0.0, 5400.0, 13400.0))
    # No open deal in May: a range of nothing.
    assert months.loc["2026-05", ["p10", "p50", "p90"]].tolist() == [0.0, 0.0, 0.0]


def test_the_quarter_adds_what_is_won_to_the_simulated_open_deals(company):
    facts = sales_forecast(company).facts
    assert facts["quarter"] == "2026-Q1"
    # Won in Q1: c1 9,000 + c4 4,000 = 13,000. Open deals closing in Q1, weighted:
    # o1 10,000 × 0.4 + o2 20,000 × 0.5 + o5 1,000 × 0.4 (overdue, still in Q1)
    # + o6 50,000 × 0.5 = 39,400 → expected 52,400.
    assert facts["quarter_won"] == pytest.approx(13000.0)
    assert facts["quarter_expected"] == pytest.approx(52400.0)
    assert 13000.0 <= facts["quarter_p10"] <= facts["quarter_p50"] <= facts["quarter_p90"]
    assert facts["quarter_p90"] <= 13000.0 + 81000.0  # everything open won


def test_deals_without_a_crm_category_are_categorised_by_probability(company):
    categories = sales_forecast(company).table("categories").frame
    # No deal has a CRM category; all five in the window have p between 0.4 and 0.7.
    assert list(categories.forecast_category) == ["best_case"]
    assert categories.open_count.iloc[0] == 5 and categories.from_crm.iloc[0] == 0


def test_forecast_vs_actual_per_team(company):
    teams = sales_forecast(company).table("forecast_by_team").frame
    rows_ = {(r.month, r.team): r for r in teams.itertuples()}
    # North is Anna, South is Bruno (see test_forecast_vs_actual_per_rep).
    north = rows_[("2026-02", "North")]
    assert (north.forecast, north.actual) == (12000.0, 13000.0)
    assert north.accuracy == pytest.approx(1 - 1000 / 12000)
    south = rows_[("2026-02", "South")]
    assert (south.forecast, south.actual, south.accuracy) == (8000.0, 0.0, 0.0)
    assert rows_[("2026-01", "North")].forecast == 5000.0
