"""The KPI engine: catalog declarations → Ibis expressions, for any period, grain, dimension."""

from cruscotto.engine.currency import CurrencyError
from cruscotto.engine.dimensions import DimensionError
from cruscotto.engine.engine import Engine
from cruscotto.engine.kinds import ADDITIVE, KINDS, is_sampled, kpi_kind
from cruscotto.engine.period import GRAINS, Period, PeriodError
from cruscotto.engine.result import KpiResult
from cruscotto.engine.scope import Filters

__all__ = [
    "ADDITIVE",
    "GRAINS",
    "KINDS",
    "CurrencyError",
    "DimensionError",
    "Engine",
    "Filters",
    "KpiResult",
    "Period",
    "PeriodError",
    "is_sampled",
    "kpi_kind",
]

# The customer, operations, marketing and profitability functions register themselves.
from cruscotto.engine import scoped_functions as _scoped_functions  # noqa: E402, F401
