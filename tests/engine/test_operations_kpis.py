"""Operations KPIs (SPEC §3.4) against numbers worked out by hand.

Time zone Europe/Rome: "March 2026" is 2026-02-28T23:00Z ≤ t < 2026-03-31T22:00Z.
March 2026 starts on a Sunday: Saturdays 7, 14, 21, 28 and Sundays 1, 8, 15, 22, 29 leave
31 − 9 = 22 working days (Monday–Friday).
"""

from __future__ import annotations

import datetime as dt

import pytest

from cruscotto.engine import Engine, Period
from cruscotto.settings import CompanySettings
from tests.engine.cx_data import load, rep

TODAY = dt.date(2026, 4, 15)
MARCH = Period.parse("2026-03")


def value(warehouse, kpi_id, period=MARCH, filters=None, today=TODAY):
    return Engine(warehouse, today=today).value(kpi_id, period, filters)


PEOPLE = [
    rep("r1", team="north", capacity_hours_per_day=8.0),
    rep("r2", team="north", capacity_hours_per_day=4.0),  # part time
    rep("r3", team="north", capacity_hours_per_day=8.0, active=False),  # left, no hours
    rep("r4", team="south"),  # no capacity recorded: not counted
    rep("r5", team="south", capacity_hours_per_day=6.0, active=False),  # left, worked in March
]
PROJECTS = [
    # Planned 1–31 Jan (31 days), finished 9 Feb: 40 days, 9 days late.
    {"project_id": "P1", "planned_start": "2026-01-01", "planned_end": "2026-01-31",
     "actual_end": "2026-02-09", "status": "done"},
    # Planned 1–28 Feb (28 days), finished 21 Feb: 21 days, 7 days early.
    {"project_id": "P2", "planned_start": "2026-02-01", "planned_end": "2026-02-28",
     "actual_end": "2026-02-21", "status": "done"},
    # Cancelled projects are not delivery: left out.
    {"project_id": "P3", "planned_start": "2026-01-01", "planned_end": "2026-01-10",
     "actual_end": "2026-02-15", "status": "cancelled"},
    {"project_id": "P4", "planned_start": "2026-02-01", "planned_end": "2026-06-30",
     "status": "active"},
]  # fmt: skip
TASKS = [
    {"task_id": "t1", "project_id": "P1", "assignee_id": "r1",
     "due_at": "2026-03-10T17:00:00", "completed_at": "2026-03-10T16:00:00"},  # on time
    {"task_id": "t2", "project_id": "P1", "assignee_id": "r2",
     "due_at": "2026-03-12T17:00:00", "completed_at": "2026-03-13T09:00:00"},  # late
    {"task_id": "t3", "project_id": "P2", "assignee_id": "r1",
     "due_at": "2026-03-20T17:00:00"},  # never completed
    {"task_id": "t4", "project_id": "P2", "assignee_id": "r1",
     "due_at": "2026-03-31T22:30:00", "completed_at": "2026-03-31T20:00:00"},  # due 1 April
    {"task_id": "t5", "project_id": "P2", "assignee_id": "r2",
     "due_at": "2026-02-28T23:30:00", "completed_at": "2026-02-28T23:30:00"},  # 1 March, exact
]  # fmt: skip
TIMESHEETS = [
    {"entry_id": "e1", "person_id": "r1", "worked_on": "2026-03-02", "hours": 8.0,
     "billable": True, "project_id": "P1", "output_units": 6.0},
    {"entry_id": "e2", "person_id": "r1", "worked_on": "2026-03-03", "hours": 8.0,
     "billable": True, "project_id": "P1", "output_units": 8.0},
    {"entry_id": "e3", "person_id": "r1", "worked_on": "2026-03-04", "hours": 4.0,
     "billable": False},  # internal time, no output recorded
    {"entry_id": "e4", "person_id": "r2", "worked_on": "2026-03-02", "hours": 4.0,
     "billable": True, "project_id": "P2", "output_units": 2.0},
    {"entry_id": "e5", "person_id": "r5", "worked_on": "2026-03-02", "hours": 6.0,
     "billable": True, "project_id": "P2", "output_units": 3.0},
    {"entry_id": "e6", "person_id": "r1", "worked_on": "2026-04-01", "hours": 8.0,
     "billable": True, "project_id": "P1", "output_units": 8.0},  # April
]  # fmt: skip


@pytest.fixture
def delivery(warehouse):
    return load(warehouse, reps=PEOPLE, projects=PROJECTS, tasks=TASKS, timesheets=TIMESHEETS)


def test_on_time_completion(delivery):
    result = value(delivery, "on_time_completion")
    # Due in March (Rome): t1 on time, t2 late, t3 never done, t5 done exactly at its due
    # time (00:30 on 1 March in Rome); t4 is due on 1 April. → 2 of 4.
    assert result.value == pytest.approx(0.5)
    assert (result.numerator, result.denominator) == (2, 4)
    # 0.5 is far below the 0.9 target, but 4 tasks are too few records to judge.
    assert result.status == "too_few"
    # r1: t1 on time, t3 not → 1 of 2.
    assert value(delivery, "on_time_completion", filters={"rep": ["r1"]}).value == 0.5
    # Project P2: t3 not done, t5 on time → 1 of 2.
    by_project = value(delivery, "on_time_completion", filters={"project": ["P2"]})
    assert (by_project.numerator, by_project.denominator) == (1, 2)


def test_on_time_completion_leaves_out_open_tasks_not_yet_due(delivery):
    # On 15 March t3 (due 20 March, open) is not due yet: t1, t2, t5 → 2 of 3.
    result = value(delivery, "on_time_completion", today=dt.date(2026, 3, 15))
    assert (result.numerator, result.denominator) == (2, 3)


def test_on_time_completion_compares_deadlines_with_the_current_instant(delivery):
    # Issue 17, item 1. At 06:50 UTC (07:50 in Rome) on 20 March, t3 (open, due 18:00
    # Rome that day) is not late yet: left out. Due in March and decided: t1 on time, t2
    # late, t5 on time → 2 of 3. (Comparing with the end of the day gave 2 of 4.)
    now = dt.datetime(2026, 3, 20, 6, 50, tzinfo=dt.UTC)
    result = Engine(delivery, now=now).value("on_time_completion", MARCH)
    assert (result.numerator, result.denominator) == (2, 3)
    # On 21 March at 00:30 Rome (23:30 UTC on the 20th) its due date is over: late → 2 of 4.
    later = dt.datetime(2026, 3, 20, 23, 30, tzinfo=dt.UTC)
    result = Engine(delivery, now=later).value("on_time_completion", MARCH)
    assert (result.numerator, result.denominator) == (2, 4)


def test_on_time_means_by_the_due_date(warehouse):
    # Issue 17, item 11: the formula says "by their due date". Rome is UTC+1 in early March.
    tasks = [
        # Due 10:00 Rome on 10 March, done 18:00 Rome the same day: on time by the date.
        {"task_id": "d1", "assignee_id": "r1",
         "due_at": "2026-03-10T09:00:00", "completed_at": "2026-03-10T17:00:00"},
        # Due 23:00 Rome on 11 March, done 00:30 Rome on 12 March (23:30 UTC on the 11th,
        # the same UTC day): a day late in the company's calendar.
        {"task_id": "d2", "assignee_id": "r1",
         "due_at": "2026-03-11T22:00:00", "completed_at": "2026-03-11T23:30:00"},
        # Due 12 March, done 11 March: on time.
        {"task_id": "d3", "assignee_id": "r1",
         "due_at": "2026-03-12T11:00:00", "completed_at": "2026-03-11T08:00:00"},
    ]  # fmt: skip
    load(warehouse, reps=PEOPLE, tasks=tasks)
    result = value(warehouse, "on_time_completion")
    # d1 on time, d2 late, d3 on time → 2 of 3 (by due time it was 1 of 3).
    assert (result.numerator, result.denominator) == (2, 3)


def test_on_time_completion_of_an_empty_period(delivery):
    result = value(delivery, "on_time_completion", Period.parse("2026-06"))
    assert result.value is None
    assert result.ci_low is None


def test_project_delay(delivery):
    result = value(delivery, "project_delay", Period.parse("2026-02"))
    # Finished in February: P1 40 ÷ 31 days, P2 21 ÷ 28 days (P3 was cancelled).
    assert result.value == pytest.approx((40 / 31 + 21 / 28) / 2)
    assert result.sample_size == 2
    # Days late: P1 +9, P2 −7 → mean 1; one project finished late.
    assert result.details["mean_days_late"] == pytest.approx(1.0)
    assert result.details["finished_late"] == 1
    one = value(delivery, "project_delay", Period.parse("2026-02"), {"project": ["P1"]})
    assert one.value == pytest.approx(40 / 31)
    assert value(delivery, "project_delay", MARCH).value is None


def test_output_per_hour(delivery):
    result = value(delivery, "output_per_hour")
    # March: output 6 + 8 + 0 + 2 + 3 = 19 over hours 8 + 8 + 4 + 4 + 6 = 30.
    assert result.value == pytest.approx(19 / 30)
    assert result.status == "off_target"  # 0.633 < 0.8 − 10%
    # r1: 14 ÷ 20 = 0.7; project P1: 14 ÷ 16 = 0.875 (on target, > 0.8).
    assert value(delivery, "output_per_hour", filters={"rep": ["r1"]}).value == pytest.approx(0.7)
    p1 = value(delivery, "output_per_hour", filters={"project": ["P1"]})
    assert p1.value == pytest.approx(0.875)
    assert p1.status == "on_target"
    assert value(delivery, "output_per_hour", Period.parse("2026-06")).value is None


def test_utilization_over_working_days(delivery):
    result = value(delivery, "utilization")
    # People with a capacity who are active or worked in March: r1 (8), r2 (4), r5 (6);
    # r3 left and logged nothing, r4 has no capacity. Available: (8 + 4 + 6) × 22 = 396 h.
    # Billable: r1 8 + 8, r2 4, r5 6 = 26 h (e3 is not billable, e6 is April).
    assert result.value == pytest.approx(26 / 396)
    assert result.details["working_days"] == 22
    # r2 alone: 4 ÷ (4 × 22).
    assert value(delivery, "utilization", filters={"rep": ["r2"]}).value == pytest.approx(4 / 88)
    # Team south: r5 (r4 has no capacity): 6 ÷ (6 × 22).
    south = value(delivery, "utilization", filters={"team": ["south"]})
    assert south.value == pytest.approx(6 / 132)


def test_utilization_is_over_the_people_whose_work_is_billable(warehouse):
    # Issue 17, item 8: capacity is that of the billable roles (settings.billable_roles,
    # "consultant" by default); sales and managers are in the details, not the ratio.
    people = [
        rep("c1", role="consultant", capacity_hours_per_day=8.0),
        rep("s1", role="ae", capacity_hours_per_day=8.0),  # sells, logs no client time
        rep("m1", role="manager", capacity_hours_per_day=8.0),
    ]
    entries = [
        {"entry_id": "e1", "person_id": "c1", "worked_on": "2026-03-02", "hours": 8.0,
         "billable": True},
        {"entry_id": "e2", "person_id": "c1", "worked_on": "2026-03-03", "hours": 8.0,
         "billable": True},
        {"entry_id": "e3", "person_id": "m1", "worked_on": "2026-03-03", "hours": 2.0,
         "billable": True},
    ]  # fmt: skip
    load(warehouse, reps=people, timesheets=entries)
    result = value(warehouse, "utilization")
    # c1 alone: 16 billable hours ÷ (8 × 22 working days = 176) (everyone: 18 ÷ 528).
    assert (result.numerator, result.denominator) == (pytest.approx(16.0), pytest.approx(176.0))
    assert result.sample_size == 1
    # The rest: s1 and m1, 2 billable hours of (8 + 8) × 22 = 352 available.
    assert result.details["other_roles_people"] == 2
    assert result.details["other_roles_utilization"] == pytest.approx(2 / 352)
    assert result.details["all_roles_utilization"] == pytest.approx(18 / 528)
    # A company that bills its managers' time says so.
    settings = CompanySettings(billable_roles=["consultant", "manager"])
    both = Engine(warehouse, settings, today=TODAY).value("utilization", MARCH)
    # (16 + 2) ÷ ((8 + 8) × 22).
    assert both.value == pytest.approx(18 / 352)


def test_an_unknown_billable_role_is_refused():
    with pytest.raises(ValueError, match="unknown role.*partner"):
        CompanySettings(billable_roles=["consultant", "partner"])


def test_utilization_of_a_week(delivery):
    # ISO week 10 of 2026 is Monday 2 – Sunday 8 March: 5 working days.
    # Billable 26 h over (8 + 4 + 6) × 5 = 90 h.
    result = value(delivery, "utilization", Period.parse("2026-W10"))
    assert result.value == pytest.approx(26 / 90)
    trend = Engine(delivery, today=TODAY).trend("utilization", Period.parse("2026-Q1"), "month")
    # January and February: nobody logged hours, so only the active r1 and r2 count:
    # 0 ÷ ((8 + 4) × 22 January working days) = 0.
    assert [r.value for r in trend] == [0.0, 0.0, pytest.approx(26 / 396)]
