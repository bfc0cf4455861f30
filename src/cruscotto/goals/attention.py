"""What needs attention: goals behind pace and the KPIs (or their segments) that moved
beyond their noise, each with why it moved.

Everything here asks the engine's public questions (values, trends, breakdowns); the web
page (web/routes/attention.py) scopes, ranks, words and links the items.

A move is judged against its own noise, as a z score:
* a rate (numerator ÷ denominator): two-proportion z with the pooled rate;
* a count: Poisson, (x₁ − x₀) ÷ √(x₁ + x₀);
* a mean over records (sample size n, the KPI a duration or a mean): assuming a spread
  about the size of the mean (durations and amounts are roughly exponential),
  (m₁ − m₀) ÷ √(m₁²/n₁ + m₀²/n₀);
* anything else: the change ÷ the standard deviation of its month-to-month changes over
  the last year.
A maturing cohort is never compared (its numbers are not final).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from cruscotto.alerts.usual import trends_with_history
from cruscotto.engine import Engine, KpiResult, Period, kpi_kind
from cruscotto.goals.decomposition import Decomposition, decompose_rate, decompose_sum
from cruscotto.goals.pacing import months_before

# |z| from which a change counts as a move (many KPIs are scanned at once: strict).
MOVE_Z = 3.0
# The dimensions a move is explained by, in the order tried.
EXPLAINING = ("channel", "segment", "rep", "team", "pipeline", "product", "stage")
# The breakdowns a sales manager watches segment by segment (SPEC §1): conversion by
# channel, win rate by rep, the slowest stage, reps' deals and response times.
WATCHED = (
    ("lead_conversion_rate", "channel"),
    ("win_rate", "rep"),
    ("stage_duration", "stage"),
    ("deals_won", "rep"),
    ("lead_response_time", "rep"),
)


@dataclass
class Move:
    kpi: str
    period: Period
    reference: Period
    comparison: str  # "previous" | "last_year"
    now: KpiResult
    before: KpiResult
    z: float
    dimension: str | None = None  # a segment's move: its dimension and value
    key: str | None = None
    explanation: Decomposition | None = None
    extra: dict = field(default_factory=dict)

    @property
    def change(self) -> float:
        return (self.now.value or 0.0) - (self.before.value or 0.0)


def z_score(kind: str, now: KpiResult, before: KpiResult, history: Sequence[float | None] = ()):
    """How many standard errors `now` is from `before` (None when it cannot be told)."""
    if now.value is None or before.value is None or now.maturing or before.maturing:
        return None
    if kind == "rate" and now.denominator and before.denominator:
        n1, n0 = now.denominator, before.denominator
        pooled = ((now.numerator or 0) + (before.numerator or 0)) / (n1 + n0)
        spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
        return (now.value - before.value) / spread if spread > 0 else None
    if kind == "count":
        total = now.value + before.value
        return (now.value - before.value) / math.sqrt(total) if total > 0 else None
    if kind == "average" and now.sample_size and before.sample_size:
        spread = math.sqrt(now.value**2 / now.sample_size + before.value**2 / before.sample_size)
        return (now.value - before.value) / spread if spread > 0 else None
    known = [v for v in history if v is not None]
    changes = [b - a for a, b in zip(known, known[1:], strict=False)]
    if len(changes) < 3:
        return None
    spread = statistics.stdev(changes)
    return (now.value - before.value) / spread if spread > 0 else None


def kpi_moves(engine: Engine, kpi_ids: Sequence[str], period: Period, filters: dict) -> list[Move]:
    """The KPIs that moved beyond their noise since the previous period or the same period
    last year (the larger of the two moves), largest |z| first.

    The monthly history is the one the usual-range detector reads (alerts/usual.py), so
    on the web app (answers cached) the attention page asks for it once.
    """
    if not kpi_ids:
        return []
    trends = trends_with_history(engine, list(kpi_ids), period, filters)
    moves = []
    for kpi_id in kpi_ids:
        trend = trends[kpi_id]
        if len(trend) < 2 or trend[-1].period != period:
            continue
        kind = kpi_kind(engine.catalog.get(kpi_id), engine.catalog)
        history = [r.value for r in trend[-13:-1]]
        candidates = [(z_score(kind, trend[-1], trend[-2], history), "previous", trend[-2])]
        last_year = next((r for r in trend if r.period == period.last_year()), None)
        if last_year is not None:
            # A year's change is not a month's: only the kinds with their own noise model.
            candidates.append((z_score(kind, trend[-1], last_year), "last_year", last_year))
        z, comparison, before = max(
            ((z, c, b) for z, c, b in candidates if z is not None),
            key=lambda item: abs(item[0]),
            default=(None, None, None),
        )
        if z is not None and abs(z) >= MOVE_Z:
            moves.append(Move(kpi_id, period, before.period, comparison, trend[-1], before, z))
    return sorted(moves, key=lambda m: -abs(m.z))


def explain(engine: Engine, move: Move, filters: dict) -> Decomposition | None:
    """The change split by the dimension whose single segment explains most of it."""
    return explain_all(engine, [move], filters)[0]


def explain_all(engine: Engine, moves: Sequence[Move], filters: dict) -> list[Decomposition | None]:
    """`explain` of each move. Their breakdowns are asked together, one question per
    period and dimension: KPIs in one question share its queries and sub-results (CLV÷CAC
    and CLV both need the CLV of every segment), where one question per move and period
    computed them again."""
    asked: dict[tuple[Period, str], list[str]] = {}
    for move in moves:
        for dimension in _explaining(engine, move, filters):
            for period in (move.period, move.reference):
                kpis = asked.setdefault((period, dimension), [])
                if move.kpi not in kpis:
                    kpis.append(move.kpi)
    parts = {}
    for (period, dimension), kpis in asked.items():
        for kpi_id, rows in engine.breakdowns(kpis, period, dimension, filters).items():
            parts[(kpi_id, period, dimension)] = rows
    return [_best_explanation(engine, move, filters, parts) for move in moves]


def _explaining(engine: Engine, move: Move, filters: dict) -> list[str]:
    """The dimensions a move is explained by: the first four of EXPLAINING it has."""
    kpi = engine.catalog.get(move.kpi)
    return [d for d in EXPLAINING if d in kpi.dimensions and d not in filters][:4]


def _best_explanation(engine: Engine, move: Move, filters: dict, parts: dict):
    kind = kpi_kind(engine.catalog.get(move.kpi), engine.catalog)
    best = None
    for dimension in _explaining(engine, move, filters):
        now = parts[(move.kpi, move.period, dimension)]
        before = parts[(move.kpi, move.reference, dimension)]
        found = _decompose(kind, dimension, before, now)
        explains_more = best is None or (found and abs(found.top.total) > abs(best.top.total))
        if found is not None and found.top is not None and explains_more:
            best = found
    return best


def segment_moves(engine: Engine, period: Period, filters: dict, watched=WATCHED) -> list[Move]:
    """Segments of the watched breakdowns that moved beyond their noise over the last
    three months against the same three months a year earlier; a cohort KPI is compared
    on its latest three matured months instead."""
    moves = []
    for kpi_id, dimension in watched:
        if kpi_id not in engine.catalog:
            continue
        kpi = engine.catalog.get(kpi_id)
        # A KPI that cannot carry the user's scope (a manager's team) is not theirs to see.
        if dimension not in kpi.dimensions or not set(filters) <= set(kpi.dimensions):
            continue
        if dimension in filters:
            continue
        end = _matured_end(engine, kpi, period)
        window = Period(months_before(end, 3), end)
        reference = window.last_year()
        kind = kpi_kind(kpi, engine.catalog)
        now = dict(engine.breakdown(kpi_id, window, dimension, filters))
        before = dict(engine.breakdown(kpi_id, reference, dimension, filters))
        for key, result in now.items():
            if key is None or key not in before:
                continue
            z = z_score(kind, result, before[key])
            if z is not None and abs(z) >= MOVE_Z:
                moves.append(
                    Move(
                        kpi_id,
                        window,
                        reference,
                        "last_year",
                        result,
                        before[key],
                        z,
                        dimension=dimension,
                        key=key,
                    )
                )
    return sorted(moves, key=lambda m: -abs(m.z))


def _decompose(kind, dimension, before, now) -> Decomposition | None:
    if kind in ("count", "sum"):
        return decompose_sum(
            dimension, {k: r.value for k, r in before}, {k: r.value for k, r in now}
        )
    fractions = [_fractions(kind, rows) for rows in (before, now)]
    if None in fractions:
        return None
    return decompose_rate(dimension, *fractions)


def _fractions(kind, rows) -> dict | None:
    """Segment → (numerator, denominator): a rate's own, a mean's (sum, count)."""
    out = {}
    for key, r in rows:
        if r.value is None:
            continue
        if r.numerator is not None and r.denominator:
            out[key] = (r.numerator, r.denominator)
        elif kind == "average" and r.sample_size:
            out[key] = (r.value * r.sample_size, r.sample_size)
        else:
            return None
    return out


def _matured_end(engine: Engine, kpi, period: Period):
    """The end of the latest whole month up to `period` whose cohort has matured."""
    lag = getattr(kpi.computation, "maturity_days", None)
    end = period.end
    if lag is None:
        return end
    while end + dt.timedelta(days=lag) > engine.today:
        end = months_before(end, 1)
    return end
