"""What the generator carries from one chunk to the next: numbering, rates and totals.

Chunks are written as they are produced, so anything that sums over the whole history
(the monthly P&L, each rep's won value per month) is accumulated here as it goes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from cruscotto.demo.timeline import Timeline
from cruscotto.model import table as model_table
from cruscotto.warehouse import Warehouse, conform

# Daily random walk of EUR per unit around these levels (start values).
FX_START = {"USD": 0.92, "GBP": 1.16}
FX_DAILY_VOLATILITY = 0.004
FLUSH_ROWS = 100_000  # rows gathered per table before an append


class Numbering:
    """Consecutive record numbers per kind of record, so IDs never collide across chunks."""

    def __init__(self) -> None:
        self._next: dict[str, int] = defaultdict(lambda: 1)

    def take(self, kind: str, n: int) -> np.ndarray:
        first = self._next[kind]
        self._next[kind] = first + n
        return np.arange(first, first + n, dtype=np.int64)


@dataclass
class FxRates:
    """EUR per unit of each currency (index as `company.CURRENCIES`) on each timeline day."""

    timeline: Timeline
    per_day: np.ndarray  # (currencies, days)

    @classmethod
    def simulate(cls, rng: np.random.Generator, timeline: Timeline) -> FxRates:
        days = len(timeline.day_starts)
        walks = [np.ones(days)]
        for start in FX_START.values():
            steps = rng.normal(0.0, FX_DAILY_VOLATILITY, days)
            walks.append(start * np.exp(np.cumsum(steps)))
        return cls(timeline, np.round(np.vstack(walks), 6))

    def to_base(self, amount: np.ndarray, currency: np.ndarray, seconds: np.ndarray):
        return amount * self.per_day[currency, self.timeline.day_of(seconds)]


@dataclass
class Ledger:
    """Totals in EUR per window month (index from `Timeline.month_of`)."""

    months: int
    reps: int
    revenue: np.ndarray = field(init=False)
    direct_cost: np.ndarray = field(init=False)
    won_by_rep: np.ndarray = field(init=False)  # (rep number, month), months past today too

    def __post_init__(self) -> None:
        self.revenue = np.zeros(self.months)
        self.direct_cost = np.zeros(self.months)
        self.won_by_rep = np.zeros((self.reps + 1, self.months))

    def book_invoices(self, month: np.ndarray, amount_eur: np.ndarray, cost_eur: np.ndarray):
        inside = (month >= 0) & (month < self.months)
        np.add.at(self.revenue, month[inside], amount_eur[inside])
        np.add.at(self.direct_cost, month[inside], cost_eur[inside])

    def book_won(self, rep: np.ndarray, month: np.ndarray, amount_eur: np.ndarray) -> None:
        inside = (month >= 0) & (month < self.months)
        np.add.at(self.won_by_rep, (rep[inside], month[inside]), amount_eur[inside])


class Sink:
    """Writes chunks into the warehouse (inside the caller's transaction), counting rows.

    Small chunks are gathered per table and appended together once they reach
    `flush_rows`: each append has a fixed cost, and memory stays bounded either way.
    """

    def __init__(self, warehouse: Warehouse, flush_rows: int | None = None) -> None:
        self.warehouse = warehouse
        self.flush_rows = FLUSH_ROWS if flush_rows is None else flush_rows
        self.rows: dict[str, int] = defaultdict(int)
        self._pending: dict[str, list[pa.Table]] = defaultdict(list)
        self._pending_rows: dict[str, int] = defaultdict(int)

    def write(self, name: str, data: pa.Table) -> None:
        conformed = conform(model_table(name), data)
        self.rows[name] += conformed.num_rows
        self._pending[name].append(conformed)
        self._pending_rows[name] += conformed.num_rows
        if self._pending_rows[name] >= self.flush_rows:
            self._flush(name)

    def flush(self) -> None:
        """Append everything still gathered; call before the transaction commits."""
        for name in list(self._pending):
            self._flush(name)

    def _flush(self, name: str) -> None:
        chunks = self._pending.pop(name, [])
        self._pending_rows.pop(name, None)
        if chunks:
            self.warehouse.append(name, pa.concat_tables(chunks).combine_chunks())
