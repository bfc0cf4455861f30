"""Executive summary: the four dashboard areas with their headline KPIs, from the engine.

Each KPI is the engine's own value for the period, with the previous period, the same
period last year, its target, benchmark band and status. Under a filter a KPI cannot be
cut by (a rep's scope on a company-wide KPI) the KPI is left out and the notes say so:
company-wide numbers are not "own numbers".
"""

from __future__ import annotations

import pandas as pd

from cruscotto.catalog.definition import DASHBOARD_AREAS, KpiDefinition
from cruscotto.engine import Engine, Filters, Period
from cruscotto.reports.periods import last_complete_month_of
from cruscotto.reports.query import clean_filters
from cruscotto.reports.report import Column, Note, Report, ReportTable

# The KPIs an owner looks at first, per area (SPEC §1, §3); those not in the catalog are
# skipped, and an area with none of them shows its first KPIs instead.
HEADLINES: dict[str, tuple[str, ...]] = {
    "sales": (
        "new_leads",
        "lead_conversion_rate",
        "win_rate",
        "deals_won",
        "open_pipeline",
        "sales_cycle_length",
    ),
    "customer": ("nps", "csat", "churn_rate", "retention_rate", "ticket_resolution_time"),
    "operations": ("on_time_completion", "utilization", "output_per_hour", "project_delay"),
    "profitability": ("revenue", "gross_margin", "ebitda_margin", "cac"),
}
FALLBACK_COUNT = 4


def headline_kpis(engine: Engine, area: str) -> list[KpiDefinition]:
    chosen = [engine.catalog.get(k) for k in HEADLINES[area] if k in engine.catalog]
    if chosen:
        return chosen
    in_area = [d for d in engine.catalog.all() if d.dashboard_area == area]
    return in_area[:FALLBACK_COUNT]


def change(current: float | None, previous: float | None, unit: str) -> float | None:
    """Rates change by points (a difference of fractions), other values relatively."""
    if current is None or previous is None:
        return None
    if unit == "percent":
        return current - previous
    return (current - previous) / abs(previous) if previous else None


def compared(engine: Engine, kpi_id: str, period: Period, filters: Filters) -> dict:
    """The engine's comparison (current, previous, last_year), with the current and the
    previous month (quarter, year) from one grouped trend query instead of two."""
    previous = period.previous()
    if period.grain in ("month", "quarter", "year") and period.is_whole:
        pair = engine.trend(kpi_id, Period(previous.start, period.end), period.grain, filters)
        if [r.period for r in pair] == [previous, period]:
            return {
                "current": pair[1],
                "previous": pair[0],
                "last_year": engine.value(kpi_id, period.last_year(), filters),
            }
    return engine.compare(kpi_id, period, filters)


def executive_summary(
    engine: Engine, period: Period | None = None, filters: Filters | None = None
) -> Report:
    period = period or last_complete_month_of(engine)
    clean = clean_filters(filters)
    rows: list[dict] = []
    left_out: list[KpiDefinition] = []
    failed: list[tuple[KpiDefinition, Exception]] = []
    for area in DASHBOARD_AREAS:
        for definition in headline_kpis(engine, area):
            if any(d not in definition.dimensions for d in clean):
                left_out.append(definition)
                continue
            try:
                results = compared(engine, definition.id, period, clean)
            except Exception as exc:  # one broken KPI (a missing fx rate…) must not hide the rest
                failed.append((definition, exc))
                continue
            rows.append(_row(area, definition, results))
    # The text names the KPIs (in English, for the CLI and the XLSX); the parameters keep
    # their ids and the filter's dimensions, which the web puts in the reader's language.
    notes = []
    if left_out:
        dimensions = sorted(clean)
        notes.append(
            Note(
                "left_out",
                "Not shown because they cannot be cut by "
                f"{', '.join(dimensions)}: {', '.join(_english_name(d) for d in left_out)}",
                {"dimensions": dimensions, "kpis": [d.id for d in left_out]},
            )
        )
    notes.extend(
        Note(
            "failed",
            f"Could not compute {_english_name(d)}: {exc}",
            {"kpi": d.id, "problem": str(exc)},
        )
        for d, exc in failed
    )
    frame = pd.DataFrame(rows, columns=[c.name for c in COLUMNS])
    return Report(
        name="summary",
        title="Executive summary",
        period=period,
        currency=engine.settings.base_currency,
        tables=[ReportTable("kpis", "Headline KPIs by area", COLUMNS, frame)],
        notes=notes,
        facts={
            "on_target": int((frame.status == "on_target").sum()),
            "at_risk": int((frame.status == "at_risk").sum()),
            "off_target": int((frame.status == "off_target").sum()),
            # No verdict yet: a period not over or a cohort maturing; too few records.
            "pending": int((frame.status == "pending").sum()),
            "too_few": int((frame.status == "too_few").sum()),
        },
        filters=clean,
    )


def _english_name(definition: KpiDefinition) -> str:
    return definition.name.get("en", definition.id)


def _row(area: str, definition: KpiDefinition, results: dict) -> dict:
    current, previous, last_year = results["current"], results["previous"], results["last_year"]
    band = definition.benchmark
    return {
        "area": area,
        "kpi_id": definition.id,
        "name": _english_name(definition),
        "unit": definition.unit,
        "value": current.value,
        "previous": previous.value,
        "change": change(current.value, previous.value, definition.unit),
        "last_year": last_year.value,
        "target": definition.target,
        "benchmark_low": band.low if band else None,
        "benchmark_high": band.high if band else None,
        "status": current.status,
        "sample_size": current.sample_size,
        "ci_low": current.ci_low,
        "ci_high": current.ci_high,
        "maturing": current.maturing,
    }


COLUMNS = [
    Column("area", "Area"),
    Column("kpi_id", "KPI id"),
    Column("name", "KPI"),
    Column("unit", "Unit"),
    Column("value", "Value", "kpi"),
    Column("previous", "Previous period", "kpi"),
    Column("change", "Change (points for rates)", "percent"),
    Column("last_year", "Same period last year", "kpi"),
    Column("target", "Target", "kpi"),
    Column("benchmark_low", "Benchmark low", "kpi"),
    Column("benchmark_high", "Benchmark high", "kpi"),
    Column("status", "Status"),
    Column("sample_size", "Records", "count"),
    Column("ci_low", "95% CI low", "kpi"),
    Column("ci_high", "95% CI high", "kpi"),
    Column("maturing", "Cohort still maturing"),
]
