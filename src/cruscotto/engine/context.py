"""What a computation may ask of the engine answering a question.

The KPI types, functions and record views receive the engine that asks them, but only
use this much of it; typing them against this protocol (not the `Engine` class) keeps
the modules below the facade from importing it, so imports point one way.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

import ibis.expr.types as ir

from cruscotto.catalog import Catalog
from cruscotto.settings import CompanySettings
from cruscotto.warehouse import Warehouse

if TYPE_CHECKING:
    from cruscotto.engine.question.period import Period
    from cruscotto.engine.question.result import Results
    from cruscotto.engine.question.scope import Scope
    from cruscotto.engine.rules.currency import CurrencyConverter


class EngineContext(Protocol):
    warehouse: Warehouse
    settings: CompanySettings
    catalog: Catalog
    tz: ZoneInfo
    currency: CurrencyConverter

    @property
    def today(self) -> dt.date: ...

    @property
    def now(self) -> dt.datetime | None: ...

    def table(self, name: str) -> ir.Table: ...

    def execute(self, expression: ir.Expr) -> Any: ...

    def period(self, period: Period | str) -> Period: ...

    def batch_facts(self) -> dict | None: ...

    def computed(self, kpi_id: str, scope: Scope) -> Results: ...

    def dimension_values(self, dimension: str) -> list[tuple[str, str]]: ...
