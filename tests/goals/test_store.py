"""The goal store: versions kept, audited, defaults, roll-up, and checks that refuse."""

from __future__ import annotations

import pytest

from cruscotto import audit
from cruscotto.goals import Goal, GoalError, GoalStore, Scope, goal_settings, set_goal
from tests.goals.company import goal_engine, load_goal_company


@pytest.fixture
def engine(warehouse):
    load_goal_company(warehouse)
    return goal_engine(warehouse)


def test_setting_again_keeps_the_history_and_audits_each_change(engine):
    store = GoalStore(engine.warehouse)
    goal = Goal("new_leads", Scope("rep", "r1"), "2026-11", 40, owner="anna", note="first")
    first, _ = set_goal(store, engine, goal, username="boss")
    second, _ = set_goal(
        store, engine, Goal("new_leads", Scope("rep", "r1"), "2026-11", 45), username="anna"
    )
    assert first.id == second.id and (first.version, second.version) == (1, 2)
    [current] = store.list()
    assert current.target == 45 and current.set_by == "anna"
    history = store.history(first.id)
    assert [(v["target"], v["set_by"], v["note"]) for v in history] == [
        (40, "boss", "first"),
        (45, "anna", None),
    ]
    entries = [e for e in audit.entries(engine.warehouse) if e.action == "goal.set"]
    assert [e.username for e in entries] == ["anna", "boss"]  # newest first
    assert entries[0].before["target"] == 40 and entries[0].after["target"] == 45
    assert entries[1].before is None


def test_removing_a_goal_is_a_version_too(engine):
    store = GoalStore(engine.warehouse)
    goal, _ = set_goal(store, engine, Goal("new_leads", Scope(), "2026-11", 40), username="boss")
    store.remove(goal, username="boss")
    assert store.list() == []
    assert [v["removed"] for v in store.history(goal.id)] == [False, True]
    with pytest.raises(GoalError, match="there is no goal"):
        store.remove(goal, username="boss")


@pytest.mark.parametrize(
    ("goal", "message"),
    [
        (Goal("no_such_kpi", Scope(), "2026-11", 1), "unknown KPI"),
        (Goal("new_leads", Scope("pipeline", "x"), "2026-11", 1), "cannot be cut by pipeline"),
        (Goal("new_leads", Scope(), "2026-W05", 1), "a month, a quarter or a fiscal year"),
        (Goal("new_leads", Scope(), "2026-11-03", 1), "a month, a quarter or a fiscal year"),
        (Goal("new_leads", Scope(), "not a period", 1), "not a valid period"),
        (Goal("win_rate", Scope(), "2026-11", 25), "write its target as a fraction"),
    ],
)
def test_a_wrong_goal_is_refused_with_the_reason_and_nothing_is_stored(engine, goal, message):
    store = GoalStore(engine.warehouse)
    with pytest.raises(GoalError, match=message):
        set_goal(store, engine, goal, username="boss")
    assert store.list() == []


def test_scope_text_is_read_or_refused():
    assert Scope.parse("team=North") == Scope("team", "North")
    assert Scope.parse(None) == Scope() == Scope.parse("company")
    with pytest.raises(GoalError, match="cannot be 'stage'"):
        Scope.parse("stage=proposal")
    with pytest.raises(GoalError, match="dimension=value"):
        Scope.parse("team")


def test_a_reps_goal_rolls_up_into_the_team_goal_and_a_mismatch_is_shown(engine):
    store = GoalStore(engine.warehouse)
    team, _ = set_goal(
        store, engine, Goal("new_leads", Scope("team", "North"), "2026-Q4", 100), username="b"
    )
    r1, rollup = set_goal(
        store, engine, Goal("new_leads", Scope("rep", "r1"), "2026-Q4", 60), username="b"
    )
    # r1 is in North: its goal rolls up into North's; 60 of 100 → short by 40.
    assert r1.parent_id == team.id
    assert (rollup.children_total, rollup.difference, rollup.verdict) == (60, -40, "short")
    _, rollup = set_goal(
        store, engine, Goal("new_leads", Scope("rep", "r3"), "2026-Q4", 50), username="b"
    )
    # r1 60 + r3 50 = 110 > 100: the reps promise 10 more than the team's goal.
    assert (rollup.children_total, rollup.difference, rollup.verdict) == (110, 10, "over")
    # r2 is in South: no team goal there, no parent.
    r2, rollup = set_goal(
        store, engine, Goal("new_leads", Scope("rep", "r2"), "2026-Q4", 5), username="b"
    )
    assert r2.parent_id is None and rollup is None


def test_rates_do_not_add_up(engine):
    store = GoalStore(engine.warehouse)
    set_goal(store, engine, Goal("win_rate", Scope("team", "North"), "2026-Q4", 0.3), username="b")
    _, rollup = set_goal(
        store, engine, Goal("win_rate", Scope("rep", "r1"), "2026-Q4", 0.4), username="b"
    )
    assert rollup.verdict == "not_additive" and rollup.children_total is None


def test_defaults_from_the_config_show_until_a_user_sets_the_same_goal(engine):
    settings = goal_settings(
        {
            "goals": {
                "reps_set_own": True,
                "defaults": [
                    {"kpi": "new_leads", "period": "2026-11", "target": 30},
                    {"kpi": "new_leads", "period": "2026-11", "target": 9, "scope": "rep=r1"},
                ],
            }
        }
    )
    assert settings.reps_set_own is True
    store = GoalStore(engine.warehouse, settings.defaults)
    assert [(g.scope.label, g.target, g.set_by) for g in store.list()] == [
        ("company", 30, "cruscotto.yaml"),
        ("rep=r1", 9, "cruscotto.yaml"),
    ]
    set_goal(store, engine, Goal("new_leads", Scope(), "2026-11", 35), username="boss")
    assert [(g.scope.label, g.target) for g in store.list()] == [("company", 35), ("rep=r1", 9)]


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"defaults": [{"kpi": "x", "period": "2026-11"}]}, "entry 1: missing target"),
        ({"defaults": [{"kpi": "x", "period": "p", "target": "lots"}]}, "is not a number"),
        ({"colour": "red"}, "unknown keys under goals: colour"),
    ],
)
def test_a_wrong_goals_section_names_the_entry(section, message):
    with pytest.raises(GoalError, match=message):
        goal_settings({"goals": section})
