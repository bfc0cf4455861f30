"""Sales performance leaderboard for March 2026 (Europe/Rome, today 2026-04-10).

deal rep          status  amount      closed / created (UTC)
d1   r1 Anna      won     10,000 EUR  closed 2026-03-05
d2   r1 Anna      won      6,000 USD  closed 2026-03-20, at 0.90 → 5,400 EUR
d3   r1 Anna      lost     4,000 EUR  closed 2026-03-25
d4   r2 Bruno     won     30,000 EUR  closed 2026-03-10
d5   r2 Bruno     lost     2,000 EUR  closed 2026-03-11
d6   r2 Bruno     lost     3,000 EUR  closed 2026-03-12
d7   r2 Bruno     open     8,000 EUR  created 2026-02-01 (proposal)
d8   r1 Anna      open    12,000 EUR  created 2026-03-31 23:00 = 1 April in Rome: not March
d9   r3 Carla     open     5,000 GBP  created 2026-01-15 (Renewals, proposal), at 1.20 → 6,000
d10  r3 Carla     won      1,000 EUR  closed 2026-02-27: February
"""

import pandas as pd
import pytest

from cruscotto.engine import CurrencyError, Period
from cruscotto.reports.leaderboard import ranked_among_peers, sales_leaderboard
from tests.reports.company import context, day, reps, rows, ts

MARCH = Period.parse("2026-03")


def _deal(
    opp_id,
    owner,
    status,
    amount,
    currency="EUR",
    *,
    stage=None,
    closed=None,
    created="2025-12-01T09:00:00",
    pipeline="New business",
):
    return {
        "opportunity_id": opp_id,
        "owner_id": owner,
        "pipeline": pipeline,
        "stage": stage or f"closed_{status}",
        "status": status,
        "amount": amount,
        "currency": currency,
        "created_at": ts(created),
        "closed_at": ts(closed) if closed else None,
    }


@pytest.fixture(scope="module")
def company(module_warehouse):
    warehouse = module_warehouse
    warehouse.load(
        {
            # Carla manages accounts: she is ranked among account managers, not with the AEs.
            "reps": reps(
                ("r1", "Anna", "North"), ("r2", "Bruno", "North"), ("r3", "Carla", "South")
            ).assign(role=["ae", "ae", "account_manager"]),
            "opportunities": rows(
                "opportunities",
                [
                    _deal("d1", "r1", "won", 10000.0, closed="2026-03-05T10:00:00"),
                    _deal("d2", "r1", "won", 6000.0, "USD", closed="2026-03-20T10:00:00"),
                    _deal("d3", "r1", "lost", 4000.0, closed="2026-03-25T10:00:00"),
                    _deal("d4", "r2", "won", 30000.0, closed="2026-03-10T10:00:00"),
                    _deal("d5", "r2", "lost", 2000.0, closed="2026-03-11T10:00:00"),
                    _deal("d6", "r2", "lost", 3000.0, closed="2026-03-12T10:00:00"),
                    _deal(
                        "d7", "r2", "open", 8000.0, stage="proposal", created="2026-02-01T09:00:00"
                    ),
                    _deal(
                        "d8",
                        "r1",
                        "open",
                        12000.0,
                        stage="negotiation",
                        created="2026-03-31T23:00:00",
                    ),
                    _deal(
                        "d9",
                        "r3",
                        "open",
                        5000.0,
                        "GBP",
                        stage="proposal",
                        created="2026-01-15T09:00:00",
                        pipeline="Renewals",
                    ),
                    _deal("d10", "r3", "won", 1000.0, closed="2026-02-27T10:00:00"),
                ],
            ),
            # The paths deals took (for the order of stages): see test_stages_in_pipeline_order.
            "stage_history": rows(
                "stage_history",
                [
                    {"opportunity_id": opp, "stage": stage, "entered_at": ts(at)}
                    for opp, path in (
                        ("d1", ("qualification", "proposal", "closed_won")),
                        ("d3", ("qualification", "proposal", "negotiation", "closed_lost")),
                        ("d7", ("qualification", "proposal")),
                    )
                    for stage, at in zip(
                        path, ("2026-01-05", "2026-01-20", "2026-02-10", "2026-03-01"), strict=False
                    )
                ],
            ),
            "fx_rates": rows(
                "fx_rates",
                [
                    {"day": day("2026-03-01"), "currency": "USD", "rate_to_base": 0.9},
                    {"day": day("2026-01-01"), "currency": "GBP", "rate_to_base": 1.2},
                ],
            ),
        }
    )
    return context(warehouse, "2026-04-10")


def test_reps_ranked_by_won_value(company):
    reps_table = sales_leaderboard(company, MARCH).table("reps").frame.set_index("rep")
    # Bruno 30,000 won, Anna 10,000 + 5,400 = 15,400, Carla nothing won in March.
    # Account executives first (Bruno 1, Anna 2), then the account managers (Carla 1).
    assert list(reps_table.index) == ["Bruno", "Anna", "Carla"]
    assert list(reps_table["rank"]) == [1, 2, 1]
    assert list(reps_table["role"]) == ["ae", "ae", "account_manager"]
    bruno, anna, carla = (reps_table.loc[n] for n in ("Bruno", "Anna", "Carla"))
    assert (bruno.won, bruno.lost, bruno.open, bruno.deals) == (1, 2, 1, 4)
    assert bruno.won_value == pytest.approx(30000.0) and bruno.open_value == 8000.0
    assert bruno.win_rate == pytest.approx(1 / 3)  # 1 won ÷ (1 won + 2 lost)
    assert anna.won_value == pytest.approx(15400.0)
    assert anna.win_rate == pytest.approx(2 / 3)
    assert anna.avg_won_value == pytest.approx(7700.0)  # 15,400 ÷ 2
    assert anna.open == 0  # d8 was created in April (Rome time)
    # Carla closed nothing: her win rate is undefined, not 0%.
    assert carla.open_value == pytest.approx(6000.0)  # 5,000 GBP × 1.20
    assert pd.isna(carla.win_rate) and carla.won == 0


def test_value_by_stage_and_totals(company):
    report = sales_leaderboard(company, MARCH)
    stages = report.table("stages").frame.set_index(["pipeline", "stage"])
    # Won: 10,000 + 5,400 + 30,000 = 45,400; lost: 4,000 + 2,000 + 3,000 = 9,000.
    assert stages.loc[("New business", "closed_won"), "value"] == pytest.approx(45400.0)
    assert stages.loc[("New business", "closed_lost"), "deals"] == 3
    assert stages.loc[("New business", "closed_lost"), "value"] == pytest.approx(9000.0)
    assert stages.loc[("Renewals", "proposal"), "value"] == pytest.approx(6000.0)
    # d1–d7 and d9.
    assert report.facts["deals"] == 8
    assert report.facts["win_rate"] == pytest.approx(0.5)  # 3 won ÷ (3 won + 3 lost)


def test_reps_are_ranked_among_peers():
    # By won value within each role; an AE with less won still ranks 1 among AEs when
    # the only one above is an account manager. Unknown roles come last.
    per_rep = pd.DataFrame(
        {
            "owner_id": ["m1", "a1", "a2", "x1", "a3"],
            "role": ["account_manager", "ae", "ae", None, "ae"],
            "won_value": [90_000.0, 20_000.0, 50_000.0, 99_000.0, 20_000.0],
            "won": [3, 1, 2, 5, 2],
        }
    )
    ranked = ranked_among_peers(per_rep)
    # a3 and a1 tie on value: more deals won first (a3 2 > a1 1).
    assert list(ranked.owner_id) == ["a2", "a3", "a1", "m1", "x1"]
    assert list(ranked["rank"]) == [1, 2, 3, 1, 1]


def test_stages_in_pipeline_order(company):
    # Mean place of each stage in the histories above (1 = first entered):
    # qualification 1, proposal 2, negotiation 3, closed_won 3 (d1), closed_lost 4 (d3);
    # closing stages (held by won or lost deals) come after every open one. Sorted by value
    # (the old order) New business read closed_won 45,400, closed_lost 9,000, proposal 8,000.
    stages = sales_leaderboard(company, MARCH).table("stages").frame
    assert list(zip(stages.pipeline, stages.stage, strict=True)) == [
        ("New business", "proposal"),
        ("New business", "closed_won"),
        ("New business", "closed_lost"),
        ("Renewals", "proposal"),
    ]


def test_filters_status_currency_pipeline_and_team(company):
    won = sales_leaderboard(company, MARCH, statuses=["won"])
    assert set(won.table("deals").frame.opportunity_id) == {"d1", "d2", "d4"}
    usd = sales_leaderboard(company, MARCH, currencies=["usd"])
    assert list(usd.table("deals").frame.opportunity_id) == ["d2"]
    renewals = sales_leaderboard(company, MARCH, {"pipeline": ["Renewals"]})
    assert list(renewals.table("deals").frame.opportunity_id) == ["d9"]
    south = sales_leaderboard(company, MARCH, {"team": ["South"]})
    assert list(south.table("reps").frame.rep) == ["Carla"]
    with pytest.raises(ValueError, match="unknown deal status pending"):
        sales_leaderboard(company, MARCH, statuses=["pending"])


def test_a_rep_sees_only_own_deals(company):
    mine = sales_leaderboard(company, MARCH, {"rep": ["r1"]})
    assert set(mine.table("deals").frame.opportunity_id) == {"d1", "d2", "d3"}
    assert list(mine.table("reps").frame.rep) == ["Anna"]


def test_a_currency_without_a_rate_is_an_error_that_names_it(warehouse):
    warehouse.load(
        {
            "reps": reps(("r1", "Anna", "North")),
            "opportunities": rows(
                "opportunities", [_deal("x1", "r1", "won", 100.0, "CHF", closed="2026-03-05")]
            ),
        }
    )
    with pytest.raises(CurrencyError, match="CHF on or before 2026-03-05"):
        sales_leaderboard(context(warehouse, "2026-04-10"), MARCH)


def test_the_leaderboard_agrees_with_the_engines_win_rate_and_deals_won(company):
    report = sales_leaderboard(company, MARCH)
    assert report.facts["win_rate"] == pytest.approx(company.value("win_rate", MARCH).value)
    assert report.facts["won"] == company.value("deals_won", MARCH).value  # d1, d2, d4
    north = sales_leaderboard(company, MARCH, {"team": ["North"]})
    engine_north = company.value("win_rate", MARCH, {"team": ["North"]})
    # Anna 2 won + 1 lost, Bruno 1 won + 2 lost: 3 of 6.
    assert north.facts["win_rate"] == pytest.approx(engine_north.value) == pytest.approx(0.5)
