"""Generate the whole demo company into a warehouse, chunk by chunk, all or nothing.

Order of work: the company itself (staff, campaigns, rates, lists, mentions), the
customers signed before the window, then the window month by month (each month's leads
and everything that follows from them up to today), and last the books (P&L and
forecasts), which sum over everything before. Each chunk is appended as soon as it is
made, so memory stays bounded at any scale, and the whole run is one transaction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

import pyarrow as pa

from cruscotto.demo import columns as col
from cruscotto.demo import customers, delivery, finance, funnel, marketing, stories
from cruscotto.demo.ledger import Sink
from cruscotto.demo.run import Run
from cruscotto.demo.stories import StoryLine
from cruscotto.demo.timeline import Timeline
from cruscotto.model import TABLES
from cruscotto.warehouse import Warehouse

DEFAULT_SEED = 42
TIME_ZONE = "Europe/Rome"  # the demo company is Italian; matches the settings' default


@dataclass(frozen=True)
class DemoSummary:
    rows: dict[str, int]
    seconds: float
    scale: float
    seed: int
    today: date
    story_lines: tuple[StoryLine, ...]

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def generate(
    warehouse: Warehouse,
    *,
    scale: float = 1.0,
    seed: int = DEFAULT_SEED,
    today: date | None = None,
) -> DemoSummary:
    """Replace every canonical table's rows with the demo company's (24 months to `today`)."""
    if not scale > 0:
        raise ValueError(f"scale must be a positive number, got {scale}")
    started = time.perf_counter()
    today = today or date.today()
    sink = Sink(warehouse)
    run = Run.start(sink, seed=seed, scale=scale, timeline=Timeline.build(today, TIME_ZONE))
    if not warehouse.has_schema():
        warehouse.create_schema()
    with warehouse.transaction():
        for declared in TABLES:
            warehouse.truncate(declared.name)
        _company(run)
        customers.base_customers(run)
        stories.sliding_account(run)
        for month in range(run.timeline.n_months):
            won = funnel.month_of_leads(run, month)
            customers.onboard(run, won, month)
            delivery.internal_hours(run, month)
        finance.write_financials(run)
        finance.write_forecasts(run)
        sink.flush()
    rows = {declared.name: sink.rows.get(declared.name, 0) for declared in TABLES}
    return DemoSummary(
        rows=rows,
        seconds=time.perf_counter() - started,
        scale=scale,
        seed=seed,
        today=today,
        story_lines=stories.story_lines(run),
    )


def _company(run: Run) -> None:
    staff = run.staff
    run.sink.write(
        "reps",
        pa.table(
            {
                "rep_id": col.ids("R", staff.numbers),
                "name": pa.array(staff.names, pa.string()),
                "email": pa.array(
                    [
                        f"{name.lower().replace(' ', '.')}.{n}@alpinadigital.example"
                        for name, n in zip(staff.names, staff.numbers, strict=True)
                    ]
                ),
                "team": pa.array(staff.teams, pa.string()),
                "role": pa.array(staff.roles, pa.string()),
                "active": col.booleans(staff.active),
                "capacity_hours_per_day": col.numbers(staff.capacity, decimals=1),
            }
        ),
    )
    marketing.write_campaigns(run)
    marketing.write_fx_rates(run)
    marketing.write_list_events(run)
    marketing.write_mentions(run)
