"""The health of a KPI's source tables, for its definition card (`cruscotto.health`).

Per source: the rows failing quality checks and the rows the last import refused. Cached
with the engine's answers (so an import, which clears that cache, shows at once).
"""

from __future__ import annotations

from cruscotto import health
from cruscotto.engine import Engine
from cruscotto.web.cache import remembered


def source_health(kpis: Engine, tables: list[str]) -> dict[str, dict[str, int]]:
    """{table: {"issues": rows failing checks, "rejected_rows": refused by the last import}}."""
    return remembered(kpis, ("source_health", *tables), lambda: _source_health(kpis, tables))


def _source_health(kpis: Engine, tables: list[str]) -> dict[str, dict[str, int]]:
    report = health.check(kpis.warehouse, tables=tables)
    return {t.table: {"issues": t.issues, "rejected_rows": t.rejected_rows} for t in report.tables}
