"""Executive summary: the engine's headline KPIs per area, with the previous period.

Deals (Europe/Rome, today 2026-04-15, period March 2026):
  w0 r1 won  5,000  closed 2026-02-10  (February)
  w1 r1 won  7,000  closed 2026-03-15
  l1 r1 lost 3,000  closed 2026-03-05
  l2 r2 lost 2,000  closed 2026-03-12
March: win rate 1 won ÷ 3 closed; deals won 1. February: 1 ÷ 1 and 1.
"""

import pytest

from cruscotto.engine import Period
from cruscotto.reports import summary
from cruscotto.reports.summary import executive_summary, headline_kpis
from tests.reports.company import context, reps, rows, ts


def _deal(opp_id, owner, status, amount, closed):
    return {
        "opportunity_id": opp_id,
        "owner_id": owner,
        "pipeline": "New business",
        "stage": status,
        "status": status,
        "amount": amount,
        "currency": "EUR",
        "created_at": ts("2026-01-10T09:00:00"),
        "closed_at": ts(closed),
    }


@pytest.fixture(autouse=True)
def few_headlines(monkeypatch):
    """Three headline KPIs keep these tests fast; which KPIs are headlines is data."""
    monkeypatch.setattr(
        summary,
        "HEADLINES",
        {
            "sales": ("win_rate", "deals_won"),
            "customer": ("customer_acquisition",),  # company-wide: no `rep` dimension
            "operations": (),
            "profitability": (),
        },
    )
    monkeypatch.setattr(summary, "FALLBACK_COUNT", 0)


@pytest.fixture(scope="module")
def company(module_warehouse):
    warehouse = module_warehouse
    warehouse.load(
        {
            "reps": reps(("r1", "Anna", "North"), ("r2", "Bruno", "South")),
            "opportunities": rows(
                "opportunities",
                [
                    _deal("w0", "r1", "won", 5000.0, "2026-02-10T10:00:00"),
                    _deal("w1", "r1", "won", 7000.0, "2026-03-15T10:00:00"),
                    _deal("l1", "r1", "lost", 3000.0, "2026-03-05T10:00:00"),
                    _deal("l2", "r2", "lost", 2000.0, "2026-03-12T10:00:00"),
                ],
            ),
        }
    )
    return context(warehouse, "2026-04-15")


def test_headline_kpis_with_previous_period_and_change(company):
    report = executive_summary(company, Period.parse("2026-03"))
    kpis = report.table("kpis").frame.set_index("kpi_id")
    assert kpis.loc["win_rate", "area"] == "sales"
    assert kpis.loc["win_rate", "value"] == pytest.approx(1 / 3)
    assert kpis.loc["win_rate", "previous"] == pytest.approx(1.0)
    # A rate changes by points: 1/3 − 1 = −2/3.
    assert kpis.loc["win_rate", "change"] == pytest.approx(-2 / 3)
    assert kpis.loc["deals_won", "value"] == 1 and kpis.loc["deals_won", "change"] == 0
    assert kpis.loc["win_rate", "sample_size"] == 3


def test_a_rep_gets_own_numbers_and_no_company_wide_kpis(company):
    report = executive_summary(company, Period.parse("2026-03"), {"rep": ["r1"]})
    kpis = report.table("kpis").frame.set_index("kpi_id")
    # Anna: 1 won of 2 closed (w1, l1).
    assert kpis.loc["win_rate", "value"] == pytest.approx(0.5)
    company_wide = [
        d.id
        for area in summary.HEADLINES
        for d in headline_kpis(company, area)
        if "rep" not in d.dimensions
    ]
    assert company_wide == ["customer_acquisition"]
    assert "customer_acquisition" not in kpis.index
    # The note names the KPI in words; its id stays in the parameters (for the web).
    (note,) = [n for n in report.notes if n.key == "left_out"]
    assert note.params == {"dimensions": ["rep"], "kpis": ["customer_acquisition"]}
    name = company.catalog.get("customer_acquisition").name["en"]
    assert note.text == f"Not shown because they cannot be cut by rep: {name}"
    assert "customer_acquisition" not in note.text
