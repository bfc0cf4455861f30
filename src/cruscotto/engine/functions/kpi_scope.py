"""What a KPI function computes over: a period, the filters, the company's settings.

The customer, service, operations, marketing and profitability KPIs that need more than
one declared measure (customers at a date, MRR movements, spend spread over a campaign's
days…) are small Python functions of a `KpiScope`. The scope hands them the canonical
tables with the filters already applied, the period's bounds in UTC and in local days,
and money converted to the base currency, all as Ibis expressions.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir

from cruscotto.engine.question.errors import DimensionError
from cruscotto.engine.rules import dimensions
from cruscotto.engine.rules.currency import CurrencyConverter
from cruscotto.engine.rules.rows import joined_name, source_view
from cruscotto.settings import CompanySettings
from cruscotto.warehouse import Warehouse

Filters = Mapping[str, Sequence[str]]
T = TypeVar("T")
# A sub-period of a trend: [start, end) in local days.
Part = tuple[dt.date, dt.date]

# In a breakdown, the column of each table that holds the record's group: the value of the
# dimension the KPI is broken down by (see KpiScope.by).
GROUP = "_group"
# The key of the single group when the scope is not broken down.
TOTAL = None


class FilterError(DimensionError):
    """A filter names a dimension the KPI's source tables cannot be cut by."""


@dataclass(frozen=True)
class KpiScope:
    warehouse: Warehouse
    settings: CompanySettings
    start: dt.date  # first local day of the period
    end: dt.date  # first local day after the period
    filters: Filters = field(default_factory=dict)
    today: dt.date | None = None
    # The current instant (naive UTC) deadlines are compared with; None: the real clock.
    clock: dt.datetime | None = None
    # The engine's currency converter (the one home of exchange rates).
    currency: CurrencyConverter | None = field(default=None, compare=False, repr=False)
    # False for the groups of a trend or breakdown: details that need other periods are
    # skipped there (each sub-period is compared with its neighbours by the reader).
    detailed: bool = True
    # Facts about the data worth asking once per question (shared by `at` and `replace`).
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)
    # While a trend is computed sub-period by sub-period: all its consecutive [start, end)
    # parts, so that a remembered computation with a trend form answers them in one query.
    parts: tuple[tuple[dt.date, dt.date], ...] | None = field(
        default=None, compare=False, repr=False
    )
    # A breakdown: the dimension whose value each record's GROUP column holds. A grouped
    # computation keeps GROUP through its joins and aggregates, so that one query answers
    # every value of the dimension (the same as filtering by each value in turn).
    by: str | None = None

    def remember(self, name: str, compute: Callable[[], T]) -> T:
        """`compute()` for this period, filters and detail, done once per question."""
        key = self.memo_key(name)
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    def memo_key(self, name: str) -> tuple:
        filters = tuple(sorted((k, tuple(v)) for k, v in self.filters.items()))
        return (name, self.start, self.end, filters, self.detailed, self.clock, self.by)

    # -- time -----------------------------------------------------------------------------

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    def utc(self, day: dt.date) -> dt.datetime:
        """Local midnight at the start of `day`, as a naive UTC timestamp (storage form)."""
        local = dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(self.settings.timezone))
        return local.astimezone(dt.UTC).replace(tzinfo=None)

    @property
    def now(self) -> dt.datetime:
        """The current instant (naive UTC): the engine's clock, else the real one. A
        deadline later today has not passed yet (issue 17, item 1)."""
        if self.clock is None:
            return dt.datetime.now(dt.UTC).replace(tzinfo=None)
        return self.clock

    def within(self, column: ir.Value, start: dt.date | None = None, end: dt.date | None = None):
        """`column` (a UTC timestamp or a local date) falls in [start, end) local days."""
        start, end = start or self.start, end or self.end
        if column.type().is_timestamp():
            return (column >= self.utc(start)) & (column < self.utc(end))
        return (column >= start) & (column < end)

    def at(self, start: dt.date, end: dt.date) -> KpiScope:
        """The same filters and settings over another period."""
        return replace(self, start=start, end=end)

    # -- tables -------------------------------------------------------------------------------

    def table(
        self,
        name: str,
        *,
        ignore: Sequence[str] = (),
        only: Sequence[str] | None = None,
        base: ir.Table | None = None,
    ) -> ir.Table:
        """Canonical table `name` (or `base`, derived from it with the same columns and
        more: a window over every record, say) with the filters applied.

        `ignore` names dimensions that do not apply to this table in this KPI, `only` the
        sole dimensions that do (when a KPI joins tables, each one takes its own filters).
        In a breakdown (`by`), a table the dimension applies to gets a GROUP column with
        each record's value of it; the others get none, and the computation takes the
        group from the table that has it.
        """
        data = self.warehouse.table(name) if base is None else base

        def applies(dimension: str) -> bool:
            return dimension not in ignore and (only is None or dimension in only)

        cuts = {d: list(v) for d, v in self.filters.items() if applies(d) and v}
        grouped = self.by is not None and applies(self.by)
        wanted = [*cuts, *([self.by] if grouped else [])]
        if not wanted:
            return data
        # The engine's one (table, dimension) → column rule, as declared KPIs use it.
        columns = {
            d: _reference(name, d, "broken down" if d == self.by else "filtered") for d in wanted
        }
        view = source_view(self.warehouse.table, name, set(columns.values()), base=data)
        for dimension, values in cuts.items():
            view = view.filter(view[joined_name(columns[dimension])].isin(values))
        group = {GROUP: view[joined_name(columns[self.by])].cast("string")} if grouped else {}
        return view.select(*data.columns, **group)

    @property
    def keys(self) -> list[str]:
        """The columns a grouped computation groups by first: [GROUP] in a breakdown."""
        return [GROUP] if self.by is not None else []

    def by_group(self, frame) -> dict[Any, dict[str, Any]]:
        """{group: row} of a result with a GROUP column ({TOTAL: row} when not broken
        down); missing values (NaN, NaT) become None."""
        rows = {}
        for record in frame.to_dict("records"):
            key = record.pop(GROUP, TOTAL) if self.by is not None else TOTAL
            rows[None if _is_missing(key) else key] = {
                k: None if _is_missing(v) else v for k, v in record.items()
            }
        return rows

    def grouped_rows(self, query: ir.Table) -> dict[Any, dict[str, Any]]:
        """Run `query` (grouped by `keys`) and return {group: row}."""
        return self.by_group(self.warehouse.execute(query))

    def summarise(self, data: ir.Table, **aggregates: ir.Scalar) -> dict[Any, dict[str, Any]]:
        """{group: row of `aggregates`} of `data`, which has a GROUP column in a breakdown;
        not broken down, {TOTAL: row} (a row even without data: counts are 0)."""
        query = data.group_by(self.keys).aggregate(**aggregates) if self.keys else None
        return self.grouped_rows(query if query is not None else data.aggregate(**aggregates))

    def has_rows(self, name: str) -> bool:
        """Whether the company has any rows in `name` at all (filters not applied)."""
        key = ("has_rows", name)
        if key not in self.memo:
            self.memo[key] = int(self.scalar(self.warehouse.table(name).count()) or 0) > 0
        return self.memo[key]

    # -- money ----------------------------------------------------------------------------

    def to_base(self, data: ir.Table, amounts: Sequence[str], **how: Any) -> ir.Table:
        """`data` with `amounts` in the base currency, by the engine's one converter (see
        `CurrencyConverter.to_base` for `day`, `source` and `dated_by`); a snapshot's rates
        are checked once per question and set of filters."""
        filters = tuple(sorted((k, tuple(v)) for k, v in self.filters.items()))
        return self.currency.to_base(data, amounts, checked=filters, **how)

    # -- execution ------------------------------------------------------------------------

    def in_parts(
        self, data: ir.Table, column: str, parts: Sequence[tuple[dt.date, dt.date]]
    ) -> ir.Table:
        """The records of `data` whose `column` falls in one of the consecutive parts
        [start, end), with the index of that part in a `_part` column."""
        inside = data.filter(self.within(data[column], parts[0][0], parts[-1][1]))
        return inside.mutate(_part=self.part_index(inside[column], parts, checked=True))

    def part_index(
        self,
        column: ir.Value,
        parts: Sequence[tuple[dt.date, dt.date]],
        *,
        checked: bool = False,
    ) -> ir.IntegerValue:
        """The index of the consecutive part [start, end) `column` (a UTC timestamp or a
        local date) falls in; null outside them all (`checked`: known to be inside)."""
        timestamp = column.type().is_timestamp()
        part = ibis.cases(
            *[
                (column < (self.utc(end) if timestamp else end), index)
                for index, (_, end) in enumerate(parts)
            ],
            else_=ibis.null("int64"),
        )
        if checked:
            return part
        return ibis.ifelse(self.within(column, parts[0][0], parts[-1][1]), part, ibis.null("int64"))

    def per_part(
        self,
        data: ir.Table,
        column: str,
        parts: Sequence[tuple[dt.date, dt.date]],
        aggregates: Mapping[str, Any],
    ) -> list[dict[str, Any]]:
        """`aggregates` (name → function of the table) of `data` for each consecutive part
        [start, end) that `column` falls in, from one grouped query; {} for an empty part."""
        inside = self.in_parts(data, column, parts)
        grouped = inside.group_by("_part").aggregate(
            **{name: function(inside) for name, function in aggregates.items()}
        )
        rows = {}
        for row in self.warehouse.execute(grouped).to_dict("records"):
            rows[int(row.pop("_part"))] = {k: None if _is_missing(v) else v for k, v in row.items()}
        return [rows.get(index, {}) for index in range(len(parts))]

    def per_group(
        self, data: ir.Table, column: str, aggregates: Mapping[str, Any]
    ) -> dict[Any, dict[str, Any]]:
        """`aggregates` (as for `per_part`) of the records of `data` whose `column` falls in
        the period, as `summarise` gives them: per group in a breakdown, else {TOTAL: row}.
        With `per_part`, one description of a KPI's records answers a period, a breakdown
        and a trend."""
        inside = data.filter(self.within(data[column]))
        return self.summarise(
            inside, **{name: function(inside) for name, function in aggregates.items()}
        )

    def scalar(self, expr: ir.Scalar) -> Any:
        value = self.warehouse.execute(expr)
        return None if _is_missing(value) else value

    def row(self, data: ir.Table) -> dict[str, Any]:
        frame = self.warehouse.execute(data)
        if frame.empty:
            return {}
        return {k: (None if _is_missing(v) else v) for k, v in frame.iloc[0].items()}


def remembered(
    function: Callable[[KpiScope], T] | None = None,
    *,
    trend: Callable[[KpiScope, list[tuple[dt.date, dt.date]]], list[T]] | None = None,
):
    """A computation of a scope that other KPIs reuse (CAC inside CLV÷CAC, spend inside
    ROI and CAC): asked again within the same question, it answers from `memo`.

    With `trend` (the same computation for consecutive parts, in order, in one query),
    the first part asked for during a trend fills in the answers of all its parts.
    """

    def decorate(function: Callable[[KpiScope], T]) -> Callable[[KpiScope], T]:
        name = f"{function.__module__}.{function.__qualname__}"

        @functools.wraps(function)
        def once(scope: KpiScope) -> T:
            parts = scope.parts
            in_trend = trend is not None and parts and (scope.start, scope.end) in parts
            if in_trend and scope.memo_key(name) not in scope.memo:
                window = scope.at(parts[0][0], parts[-1][1])
                answers = trend(window, list(parts))
                for (start, end), answer in zip(parts, answers, strict=True):
                    scope.memo[scope.at(start, end).memo_key(name)] = answer
            return scope.remember(name, lambda: function(scope))

        return once

    return decorate if function is None else decorate(function)


def _reference(name: str, dimension: str, how: str) -> str:
    found = dimensions.reference(name, dimension)
    if found is None:
        raise FilterError(f"{name} records cannot be {how} by {dimension!r}")
    return found


def _is_missing(value: Any) -> bool:
    try:
        return value is None or value != value  # NaN and NaT are not equal to themselves
    except (TypeError, ValueError):
        return False
