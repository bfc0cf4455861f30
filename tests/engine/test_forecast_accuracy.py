"""Forecast accuracy of a period covered by monthly forecasts (issue 17, item 4).

The reps' forecasts (the latest for each label counts) and their won deals, in EUR:
  r1  forecasts 2026-07, 2026-08, 2026-09: 100 each; won 120 (July), 80 (Aug), 70 (Sep)
  r2  forecasts 2026-Q3: 200 (and 2026-07: 999, unused: the quarter's own label wins);
      won 150 in August
  r3  forecasts 2026-07 only: 50; won 50 in July and 500 in August (a month it did not
      forecast, left out of its comparison)
"""

from __future__ import annotations

import pytest

from tests.engine.fixtures import engine_for, load, rep, ts, won_deal

# r1 and r2 in North, r3 in South.
REPS = [rep("r1"), rep("r2"), rep("r3", team="South")]


def forecast(rep_id, period, amount, submitted="2026-06-25 09:00"):
    return {"rep_id": rep_id, "period": period, "amount": amount, "submitted_at": ts(submitted)}


def won(opportunity_id, owner, closed, amount):
    return won_deal(opportunity_id, closed, amount, owner_id=owner)


@pytest.fixture
def company(warehouse):
    load(
        warehouse,
        reps=REPS,
        forecasts=[
            forecast("r1", "2026-07", 90.0, "2026-06-20 09:00"),  # replaced by the next
            forecast("r1", "2026-07", 100.0),
            forecast("r1", "2026-08", 100.0),
            forecast("r1", "2026-09", 100.0),
            forecast("r2", "2026-Q3", 200.0),
            forecast("r2", "2026-07", 999.0),
            forecast("r3", "2026-07", 50.0),
        ],
        opportunities=[
            won("o1", "r1", "2026-07-10 10:00", 120.0),
            won("o2", "r1", "2026-08-10 10:00", 80.0),
            won("o3", "r1", "2026-09-10 10:00", 70.0),
            won("o4", "r2", "2026-08-10 10:00", 150.0),
            won("o5", "r3", "2026-07-10 10:00", 50.0),
            won("o6", "r3", "2026-08-10 10:00", 500.0),
        ],
    )
    return engine_for(warehouse)


def test_a_quarter_aggregates_the_monthly_forecasts_covering_it(company):
    result = company.value("forecast_accuracy", "2026-Q3")
    # r1: 300 forecast (3 × 100) vs 270 won; r2: 200 vs 150; r3: 50 (July) vs 50 (July).
    # Σ forecast 550, Σ actual 470 → 1 − 80 ÷ 550 (only r2's quarter label: 1 − 50 ÷ 200).
    assert result.value == pytest.approx(1 - 80 / 550)
    assert result.details == pytest.approx({"forecast": 550.0, "actual": 470.0})
    by_rep = {key: r.value for key, r in company.breakdown("forecast_accuracy", "2026-Q3", "rep")}
    assert by_rep == pytest.approx({"r1": 1 - 30 / 300, "r2": 1 - 50 / 200, "r3": 1.0})
    by_team = dict(company.breakdown("forecast_accuracy", "2026-Q3", "team"))
    # North = r1 + r2: 500 vs 420 → 1 − 80 ÷ 500; South = r3.
    assert by_team["North"].value == pytest.approx(1 - 80 / 500)
    assert by_team["South"].value == pytest.approx(1.0)


def test_a_month_and_a_trend_of_quarters(company):
    # July: r1 100 vs 120, r2 999 vs 0 (its monthly forecast), r3 50 vs 50 → Σ 1,149 vs 170.
    july = company.value("forecast_accuracy", "2026-07")
    assert july.value == pytest.approx(1 - 979 / 1149)
    quarters = company.trend("forecast_accuracy", "2026", "quarter")
    # Q1, Q2 and Q4 have no forecast: unknown, not 0.
    assert [q.value for q in quarters] == pytest.approx([None, None, 1 - 80 / 550, None])


def test_won_deals_without_an_amount_are_counted_not_zero(warehouse):
    # July: r1 forecast 100 and won o1 90 and o2 (no amount); r3 forecast 80 and won
    # nothing (a real 0). 180 forecast vs 90 known won → 1 − 90 ÷ 180 = 0.5, o2 unknown
    # (before: o2 counted as 0, unsaid). August: r1 forecast 50 and won only o3, without
    # an amount: the actual is unknown, so is the accuracy (before: 0 %, "off target").
    # September: r2 forecast 40 and won nothing: 1 − 40 ÷ 40 = 0, a real 0.
    load(
        warehouse,
        reps=REPS,
        forecasts=[
            forecast("r1", "2026-07", 100.0),
            forecast("r3", "2026-07", 80.0),
            forecast("r1", "2026-08", 50.0),
            forecast("r2", "2026-09", 40.0),
        ],
        opportunities=[
            won("o1", "r1", "2026-07-10 10:00", 90.0),
            won("o2", "r1", "2026-07-11 10:00", None),
            won("o3", "r1", "2026-08-10 10:00", None),
        ],
    )
    company = engine_for(warehouse)
    july = company.value("forecast_accuracy", "2026-07")
    assert (july.value, july.sample_size) == (0.5, 2)
    assert july.details == {"forecast": 180.0, "actual": 90.0, "unknown": 1}
    by_rep = company.breakdown("forecast_accuracy", "2026-07", "rep")
    # r1: 1 − 10 ÷ 100 with o2 unknown; r3: 1 − 80 ÷ 80.
    assert {k: (r.value, r.details.get("unknown")) for k, r in by_rep} == {
        "r1": (pytest.approx(0.9), 1),
        "r3": (0.0, None),
    }
    months = company.trend("forecast_accuracy", "2026-Q3", "month")
    assert [(m.value, m.details.get("unknown")) for m in months] == [
        (0.5, 1),
        (None, 1),
        (0.0, None),
    ]
    assert months[1].details == {"forecast": 50.0, "actual": None, "unknown": 1}
    assert months[1].status is None  # no data, not "off target"
    # The quarter from the monthly forecasts: r1 150 (July, August) vs 90 known, o2 and
    # o3 unknown; r3 80 vs 0; r2 40 vs 0 → 270 vs 90 → 1 − 180 ÷ 270.
    quarter = company.value("forecast_accuracy", "2026-Q3")
    assert quarter.value == pytest.approx(1 - 180 / 270)
    assert quarter.details == {"forecast": 270.0, "actual": 90.0, "unknown": 2}


def test_a_forecast_counts_for_the_days_its_label_names(warehouse):
    # A company whose fiscal year starts in July: r1 forecast "FY2026-Q1" (July to
    # September 2026) 300 and won 240 in it. Asked as the calendar quarter "2026-Q3" or
    # as "FY2026-Q1", the same days: 1 − 60 ÷ 300 (before: only the label "2026-Q3"
    # matched, so the calendar quarter had no forecast).
    load(
        warehouse,
        reps=[rep("r1")],
        forecasts=[forecast("r1", "FY2026-Q1", 300.0)],
        opportunities=[won("o1", "r1", "2026-08-10 10:00", 240.0)],
    )
    company = engine_for(warehouse, fiscal_year_start_month=7)
    for label in ("2026-Q3", "FY2026-Q1"):
        assert company.value("forecast_accuracy", label).value == pytest.approx(0.8), label
