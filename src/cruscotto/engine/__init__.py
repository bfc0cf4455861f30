"""The KPI engine: catalog declarations → Ibis expressions, for any period, grain, dimension."""

from cruscotto.engine.currency import CurrencyError
from cruscotto.engine.dimensions import DimensionError
from cruscotto.engine.engine import Engine
from cruscotto.engine.period import GRAINS, Period, PeriodError
from cruscotto.engine.result import KpiResult
from cruscotto.engine.scope import Filters

__all__ = [
    "GRAINS",
    "CurrencyError",
    "DimensionError",
    "Engine",
    "Filters",
    "KpiResult",
    "Period",
    "PeriodError",
]

# The customer, operations, marketing and profitability functions register themselves.
from cruscotto.engine import scoped_functions as _scoped_functions  # noqa: E402, F401
