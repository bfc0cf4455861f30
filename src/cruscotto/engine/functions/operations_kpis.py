"""Delivery KPIs: tasks on time, project delay, output per hour, utilization."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import ibis.expr.types as ir

from cruscotto.engine.functions.kpi_scope import TOTAL, KpiScope
from cruscotto.engine.functions.measured import Measured, computes, computes_summed, divide, rate
from cruscotto.engine.question.timebounds import local_date, local_day


def task_outcomes(scope: KpiScope) -> ir.Table:
    """Tasks whenever due (open ones only once their due date is over), with `on_time`.

    On time means done by the due date (the company-local day of `due_at`), as the
    catalog's formula says: a task due at 10:00 and done at 18:00 the same day is on time,
    and an open task is late only from the day after its due date.
    """
    tasks = scope.table("tasks")
    due_day = local_date(tasks.due_at, scope.tz)
    today = local_day(scope.now, scope.tz)
    due = tasks.filter(tasks.completed_at.notnull() | (due_day < today))
    on_time = due.completed_at.notnull() & (
        local_date(due.completed_at, scope.tz) <= local_date(due.due_at, scope.tz)
    )
    return due.mutate(on_time=on_time)


def due_tasks(scope: KpiScope) -> ir.Table:
    """Tasks due in the period (open ones only once due), with an `on_time` flag."""
    tasks = task_outcomes(scope)
    return tasks.filter(scope.within(tasks.due_at))


# Tasks due in the period completed by their due date ÷ tasks due. A task that is still
# open and whose due date is not over (today, or the rest of a period that is not over) is
# left out rather than counted late.
computes_summed(
    "on_time_completion",
    lambda scope, parts: task_outcomes(scope),
    "due_at",
    {"due": lambda t: t.count(), "on_time": lambda t: t.on_time.sum()},
    lambda row: rate(row.get("on_time"), row.get("due")),
    listed=due_tasks,
)


def working_days(start: dt.date, end: dt.date) -> int:
    """Monday-to-Friday days in [start, end); public holidays are not known to the model."""
    full_weeks, rest = divmod((end - start).days, 7)
    extra = sum(1 for i in range(rest) if (start + dt.timedelta(days=i)).weekday() < 5)
    return full_weeks * 5 + extra


def billable_role(scope: KpiScope, people: ir.Table) -> ir.BooleanValue:
    """People whose work is billable: a role in settings.billable_roles, or no role
    recorded (a company that records no roles keeps everyone with a capacity)."""
    return people.role.isnull() | people.role.isin(list(scope.settings.billable_roles))


def people_with_capacity(scope: KpiScope) -> ir.Table:
    """People in a billable role with a daily capacity who are active or logged hours in
    the period."""
    entries = scope.table("timesheets")
    entries = entries.filter(scope.within(entries.worked_on))
    people = scope.table("reps")
    return people.filter(
        people.capacity_hours_per_day > 0,
        billable_role(scope, people),
        people.active | people.rep_id.isin(entries.person_id),
    )


def billable_entries(scope: KpiScope) -> ir.Table:
    entries = scope.table("timesheets")
    return entries.filter(
        scope.within(entries.worked_on),
        entries.billable,
        entries.person_id.isin(people_with_capacity(scope).rep_id),
    )


def utilization_per_part(
    scope: KpiScope, parts: list[tuple[dt.date, dt.date]]
) -> list[dict[Any, Measured]]:
    """`utilization` of each consecutive part [start, end), per group in a breakdown
    (always with TOTAL otherwise), from one query: the people counted in a part and
    their capacity, and the billable hours logged in it.

    The sums of float hours and capacities may differ in the last bit from those of one
    group or one part alone (SQL sums in no fixed order).
    """
    logged = scope.in_parts(scope.table("timesheets"), "worked_on", parts)
    worked = logged.select(worked_part=logged._part, worker=logged.person_id).distinct()
    people = scope.table("reps")
    people = people.filter(people.capacity_hours_per_day > 0)
    every_part = people.cross_join(
        ibis.memtable({"part": list(range(len(parts)))}, schema={"part": "int64"})
    )
    present = every_part.left_join(
        worked, (every_part.part == worked.worked_part) & (every_part.rep_id == worked.worker)
    )
    present = present.filter(present.active | present.worker.notnull())
    # Whoever logged hours in a part is present in it, so the billable hours of a part are
    # those of the people with a capacity (as `billable_entries` counts them). Those in
    # roles whose work is not billable (sales, support, managers) are counted apart, for
    # the details: the ratio is over the billable roles only.
    counted = people.select(counted_id="rep_id", counted=billable_role(scope, people))
    billable = logged.filter(logged.billable).join(counted, logged.person_id == counted.counted_id)
    # Each side of the union gives capacity, people and hours; the casts make both sides
    # nullable floats (the source columns may be declared NOT NULL).
    zero, one, none = ibis.literal(0.0), ibis.literal(1, "int64"), ibis.literal(0, "int64")
    capacity = present.capacity_hours_per_day.cast("float64")
    hours = billable.hours.cast("float64")
    facts = ibis.union(
        present.select(
            *scope.keys,
            "part",
            counted=billable_role(scope, present),
            capacity=capacity,
            people=one,
            hours=zero,
        ),
        billable.select(
            *scope.keys,
            part=billable._part,
            counted=billable.counted,
            capacity=zero,
            people=none,
            hours=hours,
        ),
    )
    mine, rest = facts.counted, ~facts.counted
    totals = facts.group_by([*scope.keys, "part"]).aggregate(
        capacity=facts.capacity.sum(where=mine),
        people=facts.people.sum(where=mine),
        billable=facts.hours.sum(where=mine),
        other_capacity=facts.capacity.sum(where=rest),
        other_people=facts.people.sum(where=rest),
        other_billable=facts.hours.sum(where=rest),
    )
    frame = scope.warehouse.execute(totals)
    answers = []
    for index, (start, end) in enumerate(parts):
        rows = scope.by_group(frame[frame.part == index].drop(columns="part"))
        if not scope.keys:
            rows = {TOTAL: rows.get(TOTAL, {})}
        days = working_days(start, end)
        answers.append({group: _utilization_of(row, days) for group, row in rows.items()})
    return answers


def _utilization_of(row: dict[str, Any], days: int) -> Measured:
    capacity_per_day = float(row.get("capacity") or 0.0)
    billable = float(row.get("billable") or 0.0)
    available = capacity_per_day * days
    other_available = float(row.get("other_capacity") or 0.0) * days
    other_billable = float(row.get("other_billable") or 0.0)
    return Measured(
        value=divide(billable, available),
        numerator=billable,
        denominator=available,
        sample_size=int(row.get("people") or 0),
        details={
            "working_days": days,
            "capacity_hours_per_day": capacity_per_day,
            # The people in other roles, left out of the ratio, and what their own
            # utilization would be (the whole company's is in `all_roles`).
            "other_roles_people": int(row.get("other_people") or 0),
            "other_roles_billable_hours": other_billable,
            "other_roles_available_hours": other_available,
            "other_roles_utilization": divide(other_billable, other_available),
            "all_roles_utilization": divide(billable + other_billable, available + other_available),
        },
    )


def utilization_trend(scope: KpiScope, parts) -> list[Measured]:
    return [groups[TOTAL] for groups in utilization_per_part(scope, parts)]


def _utilization(scope: KpiScope) -> dict[Any, Measured]:
    return utilization_per_part(scope, [(scope.start, scope.end)])[0]


@computes("utilization", records=billable_entries, trend=utilization_trend, grouped=_utilization)
def utilization(scope: KpiScope) -> Measured:
    """Billable hours ÷ (capacity hours per day × working days), over the people whose work
    is billable (settings.billable_roles).

    The people counted are those in a billable role with a daily capacity who are active
    or logged hours in the period (someone who left still counts for the months they
    worked). Sales, support and managers, who log no client time, would only dilute it:
    they are in the details (issue 17, item 8).
    """
    return _utilization(scope)[TOTAL]
