"""Delivery KPIs: tasks on time, project delay, output per hour, utilization."""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from cruscotto.engine.kpi_scope import KpiScope
from cruscotto.engine.measured import Measured, as_float, computes, divide, rate


def due_tasks(scope: KpiScope) -> ir.Table:
    """Tasks due in the period (open ones only once due), with an `on_time` flag."""
    tasks = scope.table("tasks")
    now = ibis.literal(scope.now, "timestamp")
    due = tasks.filter(
        scope.within(tasks.due_at), tasks.completed_at.notnull() | (tasks.due_at < now)
    )
    return due.mutate(on_time=due.completed_at.notnull() & (due.completed_at <= due.due_at))


@computes("on_time_completion", records=due_tasks)
def on_time_completion(scope: KpiScope) -> Measured:
    """Tasks due in the period completed by their due time ÷ tasks due.

    A task that is still open and not yet due (later today or in the rest of a period
    that is not over) is left out rather than counted late.
    """
    due = due_tasks(scope)
    row = scope.row(due.aggregate(due=due.count(), on_time=due.on_time.sum()))
    return rate(row.get("on_time"), row.get("due"))


def working_days(start: dt.date, end: dt.date) -> int:
    """Monday-to-Friday days in [start, end); public holidays are not known to the model."""
    full_weeks, rest = divmod((end - start).days, 7)
    extra = sum(1 for i in range(rest) if (start + dt.timedelta(days=i)).weekday() < 5)
    return full_weeks * 5 + extra


def people_with_capacity(scope: KpiScope) -> ir.Table:
    """People with a daily capacity who are active or logged hours in the period."""
    entries = scope.table("timesheets")
    entries = entries.filter(scope.within(entries.worked_on))
    people = scope.table("reps")
    return people.filter(
        people.capacity_hours_per_day > 0,
        people.active | people.rep_id.isin(entries.person_id),
    )


def billable_entries(scope: KpiScope) -> ir.Table:
    entries = scope.table("timesheets")
    return entries.filter(
        scope.within(entries.worked_on),
        entries.billable,
        entries.person_id.isin(people_with_capacity(scope).rep_id),
    )


@computes("utilization", records=billable_entries)
def utilization(scope: KpiScope) -> Measured:
    """Billable hours ÷ (capacity hours per day × working days), over the people with a capacity.

    The people counted are those with a daily capacity who are active or logged hours in
    the period (someone who left still counts for the months they worked).
    """
    people = people_with_capacity(scope)
    capacity_per_day = as_float(scope.scalar(people.capacity_hours_per_day.sum())) or 0.0
    days = working_days(scope.start, scope.end)
    billable = float(scope.scalar(billable_entries(scope).hours.sum()) or 0.0)
    available = capacity_per_day * days
    return Measured(
        value=divide(billable, available),
        numerator=billable,
        denominator=available,
        sample_size=int(scope.scalar(people.count()) or 0),
        details={"working_days": days, "capacity_hours_per_day": capacity_per_day},
    )
