"""The KPI catalog: every KPI declared once, as data (kpis/*.yaml), and its loader."""

from cruscotto.catalog.definition import (
    DIMENSIONS,
    Benchmark,
    Computation,
    Derived,
    Function,
    KpiDefinition,
    Measure,
    Ratio,
    Simple,
    Snapshot,
)
from cruscotto.catalog.expression import ExpressionError
from cruscotto.catalog.loader import Catalog, CatalogError, load_catalog

__all__ = [
    "DIMENSIONS",
    "Benchmark",
    "Catalog",
    "CatalogError",
    "Computation",
    "Derived",
    "ExpressionError",
    "Function",
    "KpiDefinition",
    "Measure",
    "Ratio",
    "Simple",
    "Snapshot",
    "load_catalog",
]
