"""The KPI engine: catalog declarations → Ibis expressions, for any period, grain, dimension.

This package is the engine's public surface: reports, the web, the CLI, goals, alerts and
models use what it exports (the `Engine` and its questions — values, comparisons, trends,
breakdowns, records, `records_of` —, periods, results, errors, and a few shared rules)
and nothing from its modules; the import-linter contract in .importlinter checks it.
"""

from cruscotto.engine.engine import Engine
from cruscotto.engine.question.errors import (
    CurrencyError,
    DimensionError,
    EngineError,
    PeriodError,
    QueryTimeout,
)
from cruscotto.engine.question.kinds import ADDITIVE, KINDS, is_sampled, kpi_kind
from cruscotto.engine.question.period import GRAINS, Period
from cruscotto.engine.question.result import KpiResult
from cruscotto.engine.question.scope import Filters
from cruscotto.engine.question.statistics import forecast_accuracy, wilson_interval
from cruscotto.engine.question.timebounds import utc_instant
from cruscotto.engine.rules.records import clean_filters, filterable
from cruscotto.engine.rules.stages import (
    in_pipeline_order,
    open_stages,
    pipeline_rank,
    stage_positions_in,
)

__all__ = [
    "ADDITIVE",
    "GRAINS",
    "KINDS",
    "CurrencyError",
    "DimensionError",
    "Engine",
    "EngineError",
    "Filters",
    "KpiResult",
    "Period",
    "PeriodError",
    "QueryTimeout",
    "clean_filters",
    "filterable",
    "forecast_accuracy",
    "in_pipeline_order",
    "open_stages",
    "pipeline_rank",
    "stage_positions_in",
    "utc_instant",
    "wilson_interval",
    "is_sampled",
    "kpi_kind",
]

# The customer, operations, marketing and profitability functions register themselves.
from cruscotto.engine.functions import scoped_functions as _scoped_functions  # noqa: E402, F401
