"""The one registry of KPI functions: the KPIs no declaration can express.

A catalog entry of type `function` names an entry here. Each is written for one
`KpiScope` (`@computes`, with optional trend and grouped forms, see scope_runner.py) and
lives in `REGISTRY` under one name: registering a name twice is an error, and
`check_catalog` — run when an Engine is made — refuses a catalog naming a function that
does not exist, by its name.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import ibis.expr.types as ir

from cruscotto.catalog import Catalog, CatalogError
from cruscotto.catalog.definition import Function
from cruscotto.engine.functions.kpi_scope import KpiScope
from cruscotto.engine.functions.scope_runner import (
    GroupedFunction,
    KpiFunction,
    TrendFunction,
    run_grouped,
    scope_for,
)
from cruscotto.engine.question.scope import Scope

if TYPE_CHECKING:
    from cruscotto.engine.context import EngineContext
    from cruscotto.engine.question.result import Results

# The records behind a value (the drill-down).
ScopeRecords = Callable[[KpiScope], ir.Table]


class RegistrationError(ValueError):
    """A KPI function registered twice under one name."""


@dataclass(frozen=True)
class Registered:
    """A KPI function: its value form, and its trend, grouped and records forms if any."""

    name: str
    value: KpiFunction
    trend: TrendFunction | None = None
    grouped: GroupedFunction | None = None
    records: ScopeRecords | None = None

    def run(self, engine: EngineContext, scope: Scope) -> Results:
        """{group key: Measured} for the question's scope (value, trend or breakdown)."""
        return run_grouped(self.value, engine, scope, self.trend, self.grouped)

    def records_view(self, engine: EngineContext, scope: Scope) -> ir.Table:
        if self.records is None:
            raise NotImplementedError(f"the records behind {self.name} cannot be listed")
        return self.records(scope_for(engine, replace(scope, buckets=None, dimension=None)))


REGISTRY: dict[str, Registered] = {}


def register(entry: Registered) -> None:
    if entry.name in REGISTRY:
        first = REGISTRY[entry.name].value
        raise RegistrationError(
            f"KPI function {entry.name!r} is registered twice "
            f"({first.__module__}.{first.__qualname__} and "
            f"{entry.value.__module__}.{entry.value.__qualname__})"
        )
    REGISTRY[entry.name] = entry


def computes(
    kpi_id: str,
    records: ScopeRecords | None = None,
    trend: TrendFunction | None = None,
    grouped: GroupedFunction | None = None,
) -> Callable[[KpiFunction], KpiFunction]:
    """Register the decorated function as the computation of KPI `kpi_id` for one
    KpiScope, `records` as the list of records behind its value (the drill-down), and
    `trend` and `grouped` as the same computation for many sub-periods or many groups in
    one query."""

    def decorate(function: KpiFunction) -> KpiFunction:
        register(Registered(kpi_id, function, trend, grouped, records))
        return function

    return decorate


def lookup(name: str) -> Registered:
    found = REGISTRY.get(name)
    if found is None:
        raise CatalogError(_unknown(name))
    return found


def check_catalog(catalog: Catalog) -> None:
    """Every `function` KPI of the catalog names a registered function, else an error
    naming the KPI and the function (and the closest registered name)."""
    problems = [
        f"{definition.id}: {_unknown(definition.computation.name)}"
        for definition in catalog.all()
        if isinstance(definition.computation, Function)
        and definition.computation.name not in REGISTRY
    ]
    if problems:
        raise CatalogError("; ".join(problems))


def _unknown(name: str) -> str:
    close = difflib.get_close_matches(name, REGISTRY, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"no KPI function is named {name!r}{hint}"
