"""Delivery: projects for won one-off deals, their tasks, and the hours people log."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from cruscotto.demo import columns as col
from cruscotto.demo import company as co
from cruscotto.demo.contracts import write_invoices
from cruscotto.demo.run import DELIVERY, Run
from cruscotto.demo.timeline import DAY, HOUR
from cruscotto.model.tables import PROJECT_STATUSES

DEPOSIT = 0.3  # share invoiced when the project starts; the rest on delivery
CANCELLED_SHARE = 0.03
HOURS_PER_ENTRY = 4.0
OUTPUT_PER_HOUR = 0.85  # median units of output per billable hour
INTERNAL_ENTRIES_PER_MONTH = 6  # non-billable entries (training, pre-sales, internal) per person


def deliver(
    run: Run,
    rng: np.random.Generator,
    *,
    account: np.ndarray,
    product: np.ndarray,
    won_at: np.ndarray,
    amount: np.ndarray,
    currency: np.ndarray,
    rep: np.ndarray,
) -> np.ndarray:
    """Write projects, tasks, timesheets and project invoices; return when each one ends."""
    tl = run.timeline
    n = len(account)
    numbers = run.numbering.take("project", n)
    planned_start = won_at + (rng.uniform(5, 20, n) * DAY).astype(np.int64)
    planned_days = np.asarray(co.PROJECT_DAYS)[product] * np.exp(0.3 * rng.standard_normal(n))
    planned_end = planned_start + (planned_days * DAY).astype(np.int64)
    actual_days = planned_days * np.exp(0.08 + 0.2 * rng.standard_normal(n))
    cancelled = rng.random(n) < CANCELLED_SHARE
    stops_at = planned_start + (actual_days * np.where(cancelled, 0.4, 1.0) * DAY).astype(np.int64)
    started = planned_start < tl.cutoff
    done = started & ~cancelled & (stops_at < tl.cutoff)
    cancelled &= started & (stops_at < tl.cutoff)
    status = np.select([~started, done, cancelled], [0, 2, 3], 1)
    run.sink.write(
        "projects",
        pa.table(
            {
                "project_id": col.ids("P", numbers),
                "account_id": col.ids("A", account),
                "planned_start": col.dates(tl.local_day(planned_start)),
                "planned_end": col.dates(tl.local_day(planned_end)),
                "actual_end": col.dates(tl.local_day(stops_at), done),
                "status": col.labels(PROJECT_STATUSES, status),
            }
        ),
    )
    deposit, balance = np.nonzero(started)[0], np.nonzero(done)[0]
    billed = np.concatenate([deposit, balance])
    write_invoices(
        run,
        rng,
        account=account[billed],
        issued=np.concatenate([planned_start[deposit], stops_at[balance]]),
        product=product[billed],
        amount=amount[billed] * np.repeat([DEPOSIT, 1 - DEPOSIT], [len(deposit), len(balance)]),
        currency=currency[billed],
        rep=rep[billed],
    )
    _tasks_and_hours(
        run, rng, numbers, planned_start, planned_days, actual_days, stops_at, cancelled
    )
    return np.where(cancelled | done, stops_at, planned_end)


def _tasks_and_hours(
    run: Run,
    rng: np.random.Generator,
    projects: np.ndarray,
    start: np.ndarray,
    planned_days: np.ndarray,
    actual_days: np.ndarray,
    stops_at: np.ndarray,
    cancelled: np.ndarray,
) -> None:
    """Tasks spread over each project; hours logged on them, in entries of a few hours."""
    tl = run.timeline
    count = 2 + rng.poisson(planned_days / 12)
    of = np.repeat(np.arange(len(projects)), count)
    position = np.arange(len(of)) - np.repeat(np.cumsum(count) - count, count)
    fraction = (position + 1) / count[of]
    due = start[of] + (fraction * planned_days[of] * DAY).astype(np.int64)
    begins = start[of] + (position / count[of] * planned_days[of] * DAY).astype(np.int64)
    # Consultants work to their tasks' due dates, usually a day or two ahead (19 in 20 on
    # time); a project's overrun (actual beyond planned days) lands on its final task, the
    # delivery that slips. Seed 000's healthy mark: > 90% of tasks on time.
    overrun = np.where(fraction >= 1, actual_days[of] - planned_days[of], 0.0)
    finishes = due + ((overrun + rng.normal(-2.0, 1.2, len(of))) * DAY).astype(np.int64)
    finishes = np.maximum(finishes, begins + HOUR)
    # A delivered project's tasks are all done by its end; a cancelled one leaves the
    # tasks after the cancellation undone.
    halted = cancelled[of]
    finishes = np.where(halted, finishes, np.minimum(finishes, stops_at[of]))
    completed = (finishes < tl.cutoff) & ~(halted & (finishes > stops_at[of]))
    assignee = rng.choice(run.staff.by_role["consultant"], len(of))
    units = np.round(np.exp(np.log(4.0) + 0.5 * rng.standard_normal(len(of))), 1)
    run.sink.write(
        "tasks",
        pa.table(
            {
                "task_id": col.ids("T", run.numbering.take("task", len(of))),
                "project_id": col.ids("P", projects[of]),
                "assignee_id": col.ids("R", assignee),
                "due_at": col.timestamps(due),
                "completed_at": col.timestamps(finishes, completed),
                "output_units": col.numbers(units, completed, decimals=1),
            }
        ),
    )
    hours = units / (OUTPUT_PER_HOUR * np.exp(0.2 * rng.standard_normal(len(of))))
    entries = np.ceil(hours / HOURS_PER_ENTRY).astype(np.int64)
    task = np.repeat(np.arange(len(of)), entries)
    worked = tl.spread(rng, begins[task], finishes[task])
    keep = (worked < tl.cutoff) & ~(halted[task] & (worked > stops_at[of][task]))
    task, worked = task[keep], worked[keep]
    _write_timesheets(
        run,
        person=assignee[task],
        worked=worked,
        hours=(hours / entries)[task],
        billable=np.ones(len(task), dtype=bool),
        project=projects[of][task],
        units=(units / entries)[task],
    )


def internal_hours(run: Run, month: int) -> None:
    """Non-billable time of the delivery team in one month: training, pre-sales, admin."""
    rng = run.rng(DELIVERY, month)
    tl = run.timeline
    people = run.staff.by_role["consultant"]
    count = rng.poisson(INTERNAL_ENTRIES_PER_MONTH, len(people))
    person = np.repeat(people, count)
    lo, hi = tl.month_starts[month], min(tl.month_starts[month + 1], tl.cutoff) - 1
    _write_timesheets(
        run,
        person=person,
        worked=tl.spread(rng, np.full(len(person), lo), np.full(len(person), hi)),
        hours=np.round(np.clip(rng.gamma(3.0, 1.0, len(person)), 0.5, 8.0), 1),
        billable=np.zeros(len(person), dtype=bool),
        project=np.zeros(len(person), dtype=np.int64),
        units=np.zeros(len(person)),
    )


def _write_timesheets(
    run: Run,
    *,
    person: np.ndarray,
    worked: np.ndarray,
    hours: np.ndarray,
    billable: np.ndarray,
    project: np.ndarray,
    units: np.ndarray,
) -> None:
    run.sink.write(
        "timesheets",
        pa.table(
            {
                "entry_id": col.ids("E", run.numbering.take("timesheet", len(person))),
                "person_id": col.ids("R", person),
                "worked_on": col.dates(run.timeline.local_day(worked)),
                "hours": col.numbers(hours, decimals=2),
                "billable": col.booleans(billable),
                "project_id": col.ids("P", project, project > 0),
                "output_units": col.numbers(units, project > 0, decimals=2),
            }
        ),
    )
