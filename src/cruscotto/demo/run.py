"""One generation run: the calendar, the staff and the running state every module shares."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cruscotto.demo.company import Staff, build_staff
from cruscotto.demo.ledger import FxRates, Ledger, Numbering, Sink
from cruscotto.demo.timeline import Timeline

# Independent random streams, one per part of the company, so a change in one part's
# volume leaves the others' draws as they were.
STAFF, FX, MARKETING, BASE, FUNNEL, RENEWALS, SERVICE, DELIVERY, FINANCE, STORY = range(10)


@dataclass
class Run:
    seed: int
    scale: float
    timeline: Timeline
    staff: Staff
    numbering: Numbering
    fx: FxRates
    ledger: Ledger
    sink: Sink

    @classmethod
    def start(cls, sink: Sink, *, seed: int, scale: float, timeline: Timeline) -> Run:
        staff = build_staff(scale, np.random.default_rng([seed, STAFF]))
        staff = staff.with_leavers(timeline.month_starts, timeline.n_months - 1)
        return cls(
            seed=seed,
            scale=scale,
            timeline=timeline,
            staff=staff,
            numbering=Numbering(),
            fx=FxRates.simulate(np.random.default_rng([seed, FX]), timeline),
            ledger=Ledger(months=len(timeline.month_starts) - 1, reps=int(staff.numbers.max())),
            sink=sink,
        )

    def rng(self, *stream: int) -> np.random.Generator:
        """The random stream of one part of the company (and chunk), fixed by the seed."""
        return np.random.default_rng([self.seed, *stream])
