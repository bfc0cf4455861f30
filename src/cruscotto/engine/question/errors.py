"""The engine's errors: one family, each saying what was wrong and what to do.

Everything the engine refuses to answer raises an `EngineError`, whose message is meant
for the person who asked: the web answers it with a 4xx (see `cruscotto.web.app`), the
CLI prints it as one sentence. A bug is anything else.
"""

from __future__ import annotations

from cruscotto.warehouse import QueryTimeout as WarehouseTimeout


class EngineError(ValueError):
    """A question the engine cannot answer as asked."""


class PeriodError(EngineError):
    """A period the user typed that cannot be understood."""


class DimensionError(EngineError):
    """A dimension (or a filter on one) that does not apply to a KPI's data."""


class CurrencyError(EngineError):
    """An amount that cannot be converted to the base currency (no rate, no currency)."""


class QueryTimeout(EngineError, WarehouseTimeout):
    """A question whose query ran past the time limit (`query_time_limit_seconds`)."""
