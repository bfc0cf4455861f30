"""The engine: a KPI's value, comparison, trend, breakdown and records, for any period."""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import ibis.expr.types as ir
import pandas as pd

from cruscotto.catalog import (
    Catalog,
    Derived,
    KpiDefinition,
    Measure,
    Ratio,
    Simple,
    Snapshot,
    load_catalog,
)
from cruscotto.catalog.definition import DIMENSIONS
from cruscotto.catalog.expression import parse
from cruscotto.engine.declared.aggregate import aggregate, filtered_view
from cruscotto.engine.declared.computations import assemble_all, compute, measures_of
from cruscotto.engine.functions import registry
from cruscotto.engine.question.errors import QueryTimeout
from cruscotto.engine.question.kinds import is_sampled
from cruscotto.engine.question.period import Period
from cruscotto.engine.question.result import KpiResult, Measured, Results
from cruscotto.engine.question.scope import TOTAL, Filters, Scope
from cruscotto.engine.question.statistics import rank_value, status, wilson_interval
from cruscotto.engine.question.timebounds import as_utc, local_day, utc_instant
from cruscotto.engine.rules import dimensions, stages
from cruscotto.engine.rules import records as record_rules
from cruscotto.engine.rules.currency import CurrencyConverter
from cruscotto.engine.rules.rows import compile_row
from cruscotto.model import table as model_table
from cruscotto.settings import CompanySettings
from cruscotto.warehouse import QueryTimeout as WarehouseTimeout
from cruscotto.warehouse import Warehouse


def _timing_out(method: Callable) -> Callable:
    """The warehouse's QueryTimeout as the engine's own error (one family for callers)."""

    @functools.wraps(method)
    def answering(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except WarehouseTimeout as exc:
            if isinstance(exc, QueryTimeout):
                raise
            raise QueryTimeout(str(exc)) from exc

    return answering


class Engine:
    """Computes the catalog's KPIs on a warehouse, in the company's currency and time zone."""

    def __init__(
        self,
        warehouse: Warehouse,
        settings: CompanySettings | None = None,
        catalog: Catalog | None = None,
        today: dt.date | None = None,
        now: dt.datetime | None = None,
    ):
        self.warehouse = warehouse
        self.settings = settings or CompanySettings()
        self.catalog = catalog or load_catalog()
        registry.check_catalog(self.catalog)  # a misspelt function fails here, by its name
        self.tz = self.settings.tz
        self._today = today
        warehouse.query_time_limit = self.settings.query_time_limit_seconds
        self._now = None if now is None else as_utc(now)
        self.currency = CurrencyConverter(
            warehouse,
            self.settings.base_currency,
            lambda: self.today,
            self.batch_facts,
            tz=self.tz,
        )
        # Per thread (the web app shares one engine across a thread pool): while a batch
        # runs, (scope, {kpi id: results}) so that derived KPIs reuse its work.
        self._local = threading.local()

    @property
    def now(self) -> dt.datetime:
        """The current instant (naive UTC, as timestamps are stored), which deadlines are
        compared with: the `now` given at creation; else, with a `today` given, the start
        of that day (local midnight: nothing of that day has passed yet); else the clock.
        An engine kept by a server moves on with the clock."""
        if self._now is not None:
            return self._now
        if self._today is not None:
            return utc_instant(self._today, self.tz)
        return dt.datetime.now(dt.UTC).replace(tzinfo=None)

    @property
    def today(self) -> dt.date:
        """The current day in the company's time zone (the day of `now`, or the `today`
        given at creation)."""
        if self._today is not None and self._now is None:
            return self._today
        return local_day(self.now, self.tz)

    # -- the public questions ------------------------------------------------------------

    def value(self, kpi_id: str, period: Period | str, filters: Filters | None = None) -> KpiResult:
        return self.values([kpi_id], period, filters)[kpi_id]

    def compare(
        self, kpi_id: str, period: Period | str, filters: Filters | None = None
    ) -> dict[str, KpiResult]:
        """The period, the one before it and the same period a year earlier."""
        period = self.period(period)
        return {
            "current": self.value(kpi_id, period, filters),
            "previous": self.value(kpi_id, period.previous(), filters),
            "last_year": self.value(kpi_id, period.last_year(), filters),
        }

    def trend(
        self, kpi_id: str, period: Period | str, grain: str, filters: Filters | None = None
    ) -> list[KpiResult]:
        """One result per `grain` sub-period (fiscal-year aware), from one grouped query."""
        return self.trends([kpi_id], period, grain, filters)[kpi_id]

    def breakdown(
        self,
        kpi_id: str,
        period: Period | str,
        dimension: str,
        filters: Filters | None = None,
    ) -> list[tuple[str | None, KpiResult]]:
        """One result per value of `dimension`, largest value first (a rate by the low end
        of its 95% interval, so tiny samples do not lead); None (no value) last."""
        return self.breakdowns([kpi_id], period, dimension, filters)[kpi_id]

    # -- many KPIs at once (a dashboard): measures on the same table share one query -----

    @_timing_out
    def values(
        self, kpi_ids: Sequence[str], period: Period | str, filters: Filters | None = None
    ) -> dict[str, KpiResult]:
        """The value of each KPI for the period, with details."""
        definitions, scope = self._prepare(kpi_ids, period, filters)
        computed = self._batch(definitions, scope, with_details=True)
        return {
            d.id: self._result(d, scope.period, computed[d.id].get(TOTAL, Measured(None)))
            for d in definitions
        }

    @_timing_out
    def trends(
        self,
        kpi_ids: Sequence[str],
        period: Period | str,
        grain: str,
        filters: Filters | None = None,
    ) -> dict[str, list[KpiResult]]:
        definitions, scope = self._prepare(kpi_ids, period, filters)
        buckets = tuple(scope.period.split(grain, self.settings.fiscal_year_start_month))
        computed = self._batch(definitions, replace(scope, buckets=buckets))
        return {
            d.id: [
                self._result(d, bucket, computed[d.id].get(i, Measured(None)))
                for i, bucket in enumerate(buckets)
            ]
            for d in definitions
        }

    @_timing_out
    def breakdowns(
        self,
        kpi_ids: Sequence[str],
        period: Period | str,
        dimension: str,
        filters: Filters | None = None,
    ) -> dict[str, list[tuple[str | None, KpiResult]]]:
        definitions, scope = self._prepare(kpi_ids, period, filters)
        for definition in definitions:
            self._check_dimension(definition, dimension)
        computed = self._batch(definitions, replace(scope, dimension=dimension))
        answers = {}
        for d in definitions:
            rows = [(key, self._result(d, scope.period, c)) for key, c in computed[d.id].items()]
            answers[d.id] = sorted(rows, key=_breakdown_order)
        return answers

    def _batch(
        self, definitions: list[KpiDefinition], scope: Scope, with_details: bool = False
    ) -> dict[str, Results]:
        # The outermost batch of a question owns the facts its computations share.
        outermost = self.batch_facts() is None
        if outermost:
            self._local.facts = {}
        try:
            return self._batch_once(definitions, scope, with_details)
        finally:
            if outermost:
                self._local.facts = None

    def batch_facts(self) -> dict | None:
        """What the KPI functions of the question being answered (in this thread) have
        learnt so far: sub-results such as the spend of a period that CAC, ROI and
        CLV÷CAC all use, and checks done once (see KpiScope.memo). None between questions,
        so nothing outlives the question and data imported later is always read."""
        return getattr(self._local, "facts", None)

    def _batch_once(
        self, definitions: list[KpiDefinition], scope: Scope, with_details: bool = False
    ) -> dict[str, Results]:
        """Results of each KPI (details folded in), simple and ratio measures aggregated
        together; other types computed one by one, derived ones reusing what is done."""
        parts: dict[str, dict[str, Any]] = {}
        for d in definitions:
            parts[d.id] = {"": d.computation}
            if with_details:
                parts[d.id].update(d.details)
        measures: dict[str, Measure] = {}
        owners: dict[tuple[str, str], dict[str, str]] = {}  # (kpi, part) -> {name: column}
        # KPIs share measures (deals won is in win rate, win/loss ratio, revenue…): each
        # distinct measure is aggregated once, a smaller query to compile and run.
        columns: dict[Measure, str] = {}
        for kpi_id, computations in parts.items():
            for part, computation in computations.items():
                for name, measure in (measures_of(computation) or {}).items():
                    if measure not in columns:
                        columns[measure] = f"m{len(measures)}"
                        measures[columns[measure]] = measure
                    owners.setdefault((kpi_id, part), {})[name] = columns[measure]
        groups = aggregate(self, measures, scope) if measures else {}
        previous_memo = self._memo
        self._memo = (scope, {})
        try:
            results = {}
            for kpi_id, computations in parts.items():
                for part, computation in computations.items():
                    if measures_of(computation) is not None:
                        columns = owners[(kpi_id, part)]
                        mine = {
                            key: {name: values[column] for name, column in columns.items()}
                            for key, values in groups.items()
                        }
                        done = assemble_all(computation, mine, scope)
                    else:
                        done = self._memo[1].get(kpi_id) if part == "" else None
                        done = done if done is not None else compute(self, computation, scope)
                    if part == "":
                        results[kpi_id] = done
                        self._memo[1][kpi_id] = done
                    else:
                        for key, computed in results[kpi_id].items():
                            if key in done:
                                computed.details[part] = done[key].value
                                if done[key].details.get("unknown"):
                                    unknown = done[key].details["unknown"]
                                    computed.details[f"{part}_unknown"] = unknown
            return results
        finally:
            self._memo = previous_memo

    @_timing_out
    def records(
        self,
        kpi_id: str,
        period: Period | str,
        filters: Filters | None = None,
        *,
        limit: int = 50,
        offset: int = 0,
        sort: str | None = None,
        descending: bool = False,
        people: Sequence[str] | None = None,
    ) -> tuple[pd.DataFrame, int]:
        """The records behind a value under the same filters: a page of them and the total.

        With `people` (rep ids), only the records that belong to one of them: a record
        naming its own person (the rep of an activity, the owner of a deal…) is listed
        only if that person is one of `people`. The filters pick the records behind the
        number; some of those can be a colleague's (engagement counts every interaction
        with a rep's customers, whoever had it), and a scoped reader must not see them.
        """
        (definition,), scope = self._prepare([kpi_id], period, filters)
        view = self._records_view(definition, scope)
        if people is not None:
            view = record_rules.belonging_to(view, people)
        total = int(self.execute(view.count()))
        if sort is not None and sort not in view.columns:
            raise ValueError(f"cannot sort by {sort!r}; the columns are {', '.join(view.columns)}")
        order = sort or view.columns[0]
        key = view[order].desc() if descending else view[order].asc()
        # The first column (the record's key) breaks ties, so pages never overlap.
        keys = [key] if order == view.columns[0] else [key, view[view.columns[0]].asc()]
        page = view.order_by(keys).limit(limit, offset=offset)
        return self.execute(page), total

    @_timing_out
    def dimension_values(self, dimension: str) -> list[tuple[str, str]]:
        """(value, label) pairs of a dimension, for filter pickers, sorted by label."""
        if dimension not in dimensions.VALUE_SOURCES:
            raise dimensions.DimensionError(
                f"unknown dimension {dimension!r}; use one of {', '.join(DIMENSIONS)}"
            )
        pairs: dict[str, str] = {}
        for table_name, value, label in dimensions.VALUE_SOURCES[dimension]:
            table = self.table(table_name)
            query = table.filter(table[value].notnull()).select(
                value=table[value].cast("string"), label=table[label].cast("string")
            )
            for row in self.execute(query.distinct()).itertuples(index=False):
                pairs.setdefault(row.value, row.label if isinstance(row.label, str) else row.value)
        return sorted(pairs.items(), key=lambda pair: (pair[1].lower(), pair[0]))

    # -- records under the KPI rules, for reports and other features ----------------------
    # (engine/rules/records.py: each takes the engine first, so it serves as a method too)

    records_of = record_rules.records_of
    in_base_currency = record_rules.in_base_currency
    in_period = record_rules.in_period
    period_label = record_rules.period_label
    stage_positions = stages.stage_positions  # stages in pipeline order (engine/rules/stages.py)

    # -- helpers the KPI types and the interfaces share ----------------------------------

    def period(self, period: Period | str) -> Period:
        if isinstance(period, Period):
            return period
        return Period.parse(period, self.settings.fiscal_year_start_month)

    def default_period(self) -> Period:
        """The last complete month."""
        return Period.of("month", self.today).previous()

    def supports(self, kpi_id: str, dimension: str) -> bool:
        return dimension in self.catalog.get(kpi_id).dimensions

    @property
    def _memo(self) -> tuple[Scope, dict[str, Results]] | None:
        return getattr(self._local, "memo", None)

    @_memo.setter
    def _memo(self, value: tuple[Scope, dict[str, Results]] | None) -> None:
        self._local.memo = value

    def computed(self, kpi_id: str, scope: Scope) -> Results:
        """A KPI's results for a scope (reusing those of the current batch, if any)."""
        if self._memo is not None and self._memo[0] is scope and kpi_id in self._memo[1]:
            return self._memo[1][kpi_id]
        return self._batch([self.catalog.get(kpi_id)], scope)[kpi_id]

    def table(self, name: str) -> ir.Table:
        """A canonical table (the warehouse reads each schema once)."""
        return self.warehouse.table(name)

    @_timing_out
    def execute(self, expression: ir.Expr) -> Any:
        # On this thread's connection, within the time limit (see Warehouse.execute).
        return self.warehouse.execute(expression)

    def _prepare(
        self, kpi_ids: Sequence[str], period: Period | str, filters: Filters | None
    ) -> tuple[list[KpiDefinition], Scope]:
        definitions = [self.catalog.get(kpi_id) for kpi_id in kpi_ids]
        clean = _clean_filters(filters)
        for definition in definitions:
            for dimension in clean:
                self._check_dimension(definition, dimension)
        return definitions, Scope(self.period(period), clean)

    def _check_dimension(self, definition: KpiDefinition, dimension: str) -> None:
        if dimension not in DIMENSIONS:
            raise dimensions.DimensionError(
                f"unknown dimension {dimension!r}; use one of {', '.join(DIMENSIONS)}"
            )
        if dimension not in definition.dimensions:
            allowed = ", ".join(definition.dimensions) or "none"
            raise dimensions.DimensionError(
                f"{definition.id} cannot be broken down or filtered by {dimension!r}; "
                f"its dimensions are: {allowed}"
            )

    def _result(self, definition: KpiDefinition, period: Period, c: Measured) -> KpiResult:
        result = KpiResult(
            kpi_id=definition.id,
            period=period,
            value=c.value,
            unit=definition.unit,
            sample_size=c.sample_size,
            numerator=c.numerator,
            denominator=c.denominator,
            details=dict(c.details),
            maturing=c.maturing,
        )
        if definition.is_rate and c.denominator and c.numerator is not None:
            result.ci_low, result.ci_high = wilson_interval(c.numerator, c.denominator)
        if isinstance(definition.computation, Ratio):
            lag = definition.computation.maturity_days
            if lag is not None:
                result.maturing = period.end + dt.timedelta(days=lag) > self.today
        band = definition.benchmark
        result.status = status(
            result.value,
            definition.direction,
            definition.target,
            band.low if band else None,
            band.high if band else None,
            unfinished=result.maturing or period.end > self.today,
            sample_size=result.sample_size,
            sampled=is_sampled(definition, self.catalog),
        )
        return result

    def _records_view(self, definition: KpiDefinition, scope: Scope) -> ir.Table:
        computation = definition.computation
        if isinstance(computation, Derived):
            # The records of the first KPI it is made of (its own inputs have no page).
            names = sorted(parse(computation.expression, "arithmetic").names)
            first = next((n for n in names if n in self.catalog), None)
            if first is None:
                raise NotImplementedError(f"the records behind {definition.id} cannot be listed")
            return self._records_view(self.catalog.get(first), scope)
        if isinstance(computation, Simple):
            measure = computation.measure
            view = filtered_view(self, measure.source, measure.date, {"v": measure}, scope)
            return _records_of(self, view, measure, None)
        if isinstance(computation, Ratio):
            measure, numerator = computation.denominator, computation.numerator
            same_records = (numerator.source, numerator.date) == (measure.source, measure.date)
            both = {"v": measure, "n": numerator} if same_records else {"v": measure}
            view = filtered_view(self, measure.source, measure.date, both, scope)
            return _records_of(self, view, measure, numerator if same_records else None)
        if isinstance(computation, Snapshot):
            measure = computation.measure
            view = filtered_view(
                self, measure.source, None, {"v": measure}, scope, convert_money=False
            )
            at = (
                utc_instant(scope.period.end, self.tz)
                if computation.at_kind == "instant"
                else scope.period.last_day
            )
            view = view.filter(compile_row(computation.active, view, {"at": at}))
            return _records_of(self, view, replace(measure, money=False), None)
        return registry.lookup(computation.name).records_view(self, scope)


def _records_of(engine: Engine, view: ir.Table, measure, numerator) -> ir.Table:
    """The source's own columns, plus the measured value and whether it counts as a success."""
    if measure.where:
        view = view.filter(compile_row(measure.where, view))
    columns = {c: view[c] for c in model_table(measure.source).column_names}
    if measure.expr and measure.agg != "count":
        value = compile_row(measure.expr, view)
        columns["measured_value"] = engine.currency.in_base(view, value) if measure.money else value
    if numerator is not None and numerator.where:
        columns["counted_in_numerator"] = compile_row(numerator.where, view).fill_null(False)
    return view.select(**columns)


def _clean_filters(filters: Filters | None) -> dict[str, list[str]]:
    clean: dict[str, list[str]] = {}
    for dimension, values in (filters or {}).items():
        if isinstance(values, str):
            values = [values]
        values = [str(v) for v in values if v is not None and str(v) != ""]
        if values:
            clean[dimension] = values
    return clean


def _breakdown_order(row: tuple[str | None, KpiResult]) -> tuple:
    """Largest first, sample-aware: a rate by the low end of its interval (rank_value)."""
    key, result = row
    rank = rank_value(result.value, result.ci_low)
    return (key is None, rank is None, -(rank or 0), -(result.value or 0), str(key))
