"""Delivery KPIs: tasks on time, project delay, output per hour, utilization."""

from __future__ import annotations

import datetime as dt

import ibis

from cruscotto.engine.kpi_scope import KpiScope
from cruscotto.engine.measured import Measured, as_float, computes, divide, rate


@computes("on_time_completion")
def on_time_completion(scope: KpiScope) -> Measured:
    """Tasks due in the period completed by their due time ÷ tasks due.

    A task that is still open and not yet due (later today or in the rest of a period
    that is not over) is left out rather than counted late.
    """
    tasks = scope.table("tasks")
    now = ibis.literal(scope.now, "timestamp")
    due = tasks.filter(
        scope.within(tasks.due_at), tasks.completed_at.notnull() | (tasks.due_at < now)
    )
    on_time = due.completed_at.notnull() & (due.completed_at <= due.due_at)
    row = scope.row(due.aggregate(due=due.count(), on_time=on_time.sum()))
    return rate(row.get("on_time"), row.get("due"))


def working_days(start: dt.date, end: dt.date) -> int:
    """Monday-to-Friday days in [start, end); public holidays are not known to the model."""
    full_weeks, rest = divmod((end - start).days, 7)
    extra = sum(1 for i in range(rest) if (start + dt.timedelta(days=i)).weekday() < 5)
    return full_weeks * 5 + extra


@computes("utilization")
def utilization(scope: KpiScope) -> Measured:
    """Billable hours ÷ (capacity hours per day × working days), over the people with a capacity.

    The people counted are those with a daily capacity who are active or logged hours in
    the period (someone who left still counts for the months they worked).
    """
    entries = scope.table("timesheets")
    entries = entries.filter(scope.within(entries.worked_on))
    people = scope.table("reps")
    people = people.filter(
        people.capacity_hours_per_day > 0,
        people.active | people.rep_id.isin(entries.person_id),
    )
    capacity_per_day = as_float(scope.scalar(people.capacity_hours_per_day.sum())) or 0.0
    days = working_days(scope.start, scope.end)
    counted = entries.filter(entries.billable, entries.person_id.isin(people.rep_id))
    billable = float(scope.scalar(counted.hours.sum()) or 0.0)
    available = capacity_per_day * days
    return Measured(
        value=divide(billable, available),
        numerator=billable,
        denominator=available,
        sample_size=int(scope.scalar(people.count()) or 0),
        details={"working_days": days, "capacity_hours_per_day": capacity_per_day},
    )
