"""Profitability KPIs: invoiced revenue and gross margin, EBITDA margin, company value.

Revenue and gross margin come from invoice lines (amounts converted at the rate of the
issue day). EBITDA comes from the monthly P&L in `financials`, already in the base
currency; a period takes every month it touches (a week inside March gets March).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import ibis.expr.types as ir

from cruscotto.engine.functions.kpi_scope import TOTAL, KpiScope
from cruscotto.engine.functions.measured import Measured, as_float, computes, divide
from cruscotto.engine.rules.customer_base import add_months
from cruscotto.engine.rules.parts import parts_table, rows_per_part

# EV/EBITDA multiples for B2B service SMEs (seed 000: "tra 6 e 10 volte l'EBITDA").
EV_MULTIPLE_LOW = 6.0
EV_MULTIPLE_HIGH = 10.0


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


# The P&L months a period looks at: (first month, day after the period).
Window = Callable[[dt.date, dt.date], tuple[dt.date, dt.date]]


def months_window(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The P&L months that overlap [start, end): from `start`'s month until `end`."""
    return first_of_month(start), end


def trailing_year_window(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The twelve P&L months ending with the month of [start, end)'s last day."""
    return add_months(first_of_month(end - dt.timedelta(days=1)), -11), end


def months_of(scope: KpiScope, window: Window = months_window) -> ir.Table:
    """The P&L months of the period's `window`."""
    months = scope.table("financials")
    since, end = window(scope.start, scope.end)
    return months.filter(months.month >= since, months.month < end)


def pnl_per_window(scope: KpiScope, windows: list[tuple[dt.date, dt.date]]) -> list[dict[str, Any]]:
    """Revenue, EBITDA, operating expenses and the number of P&L months of each
    [since, end) window (from `months_window` or `trailing_year_window`), in one query;
    {} for a window without months."""
    timeline = scope.table("financials").cross_join(parts_table(windows))
    timeline = timeline.filter(
        timeline.month >= timeline.part_start, timeline.month < timeline.part_end
    )
    totals = timeline.group_by("part").aggregate(
        revenue=timeline.revenue.sum(),
        ebitda=(timeline.revenue - timeline.cogs - timeline.opex).sum(),
        opex=timeline.opex.sum(),
        months=timeline.count(),
    )
    return rows_per_part(scope, totals, len(windows))


def invoiced(scope: KpiScope) -> ir.Table:
    """The period's invoices, amounts in the base currency at their issue day's rate."""
    invoices = scope.table("invoices")
    invoices = invoices.filter(scope.within(invoices.issued_at))
    return scope.to_base(
        invoices,
        ["amount", "direct_cost"],
        day=invoices.issued_at,
        source="invoices",
        dated_by="issued_at",
    )


def invoiced_revenue(scope: KpiScope) -> dict[Any, tuple[float | None, int]]:
    """{group: (revenue, invoice lines)} ({TOTAL: …} when not broken down)."""
    lines = invoiced(scope)
    rows = scope.summarise(lines, revenue=lines.amount.sum(), lines=lines.count())
    return {
        group: (as_float(row.get("revenue")), int(row.get("lines") or 0))
        for group, row in rows.items()
    }


def growth(current: float | None, before: float | None) -> float | None:
    if current is None or before is None or before <= 0:
        return None
    return current / before - 1


def revenue_trend(scope: KpiScope, parts) -> list[Measured]:
    whole = scope.at(parts[0][0], parts[-1][1])
    lines = invoiced(whole)
    sums = {"revenue": lambda t: t.amount.sum(), "lines": lambda t: t.count()}
    return [
        Measured(value=float(row.get("revenue") or 0.0), sample_size=int(row.get("lines") or 0))
        for row in whole.per_part(lines, "issued_at", parts, sums)
    ]


def revenue_by_group(scope: KpiScope) -> dict[Any, Measured]:
    """Revenue of each group; with details, compared with the period before and the same
    period a year earlier (one query each, whatever the number of groups)."""
    current = {
        group: (value if lines else 0.0, lines)
        for group, (value, lines) in invoiced_revenue(scope).items()
    }
    if not scope.detailed:
        return {
            group: Measured(value=value, sample_size=lines)
            for group, (value, lines) in current.items()
        }
    length = scope.end - scope.start
    previous = invoiced_revenue(scope.at(scope.start - length, scope.start))
    last_year = invoiced_revenue(scope.at(add_months(scope.start, -12), add_months(scope.end, -12)))
    return {
        group: _compared(value, lines, previous.get(group), last_year.get(group))
        for group, (value, lines) in current.items()
    }


def _compared(
    value: float,
    lines: int,
    previous: tuple[float | None, int] | None,
    last_year: tuple[float | None, int] | None,
) -> Measured:
    before = previous[0] if previous else None
    year_before = last_year[0] if last_year else None
    return Measured(
        value=value,
        sample_size=lines,
        details={
            "previous": before,
            "last_year": year_before,
            "growth_vs_previous": growth(value, before),
            "growth_vs_last_year": growth(value, year_before),
        },
    )


@computes("revenue", records=invoiced, trend=revenue_trend, grouped=revenue_by_group)
def revenue(scope: KpiScope) -> Measured:
    return revenue_by_group(scope)[TOTAL]


def ebitda_margin_trend(scope: KpiScope, parts) -> list[Measured]:
    windows = [months_window(start, end) for start, end in parts]
    return [_ebitda_margin_of(row) for row in pnl_per_window(scope, windows)]


def _ebitda_margin_of(row: dict[str, Any]) -> Measured:
    revenue_total, ebitda = as_float(row.get("revenue")), as_float(row.get("ebitda"))
    return Measured(
        value=divide(ebitda, revenue_total) if (revenue_total or 0) > 0 else None,
        numerator=ebitda,
        denominator=revenue_total,
        sample_size=int(row.get("months") or 0),
        details={"ebitda": ebitda},
    )


@computes("ebitda_margin", records=months_of, trend=ebitda_margin_trend)
def ebitda_margin(scope: KpiScope) -> Measured:
    return ebitda_margin_trend(scope, [(scope.start, scope.end)])[0]


def trailing_year_months(scope: KpiScope) -> ir.Table:
    return months_of(scope, trailing_year_window)


def enterprise_value_trend(scope: KpiScope, parts) -> list[Measured]:
    windows = [trailing_year_window(start, end) for start, end in parts]
    return [_enterprise_value_of(row) for row in pnl_per_window(scope, windows)]


def _enterprise_value_of(row: dict[str, Any]) -> Measured:
    months = int(row.get("months") or 0)
    if not months:
        return Measured(value=None, sample_size=0, details={"months": 0})
    ttm_ebitda = float(row["ebitda"]) * 12 / months
    low, high = ttm_ebitda * EV_MULTIPLE_LOW, ttm_ebitda * EV_MULTIPLE_HIGH
    return Measured(
        value=(low + high) / 2,
        sample_size=months,
        details={"ttm_ebitda": ttm_ebitda, "low": low, "high": high, "months": months},
    )


@computes("enterprise_value", records=trailing_year_months, trend=enterprise_value_trend)
def enterprise_value(scope: KpiScope) -> Measured:
    """Trailing-twelve-month EBITDA × the 6–10× multiple band; the value is the midpoint.

    With fewer than twelve months of P&L the EBITDA of the months present is annualised
    (× 12 ÷ months), and `months` in the details says so.
    """
    return enterprise_value_trend(scope, [(scope.start, scope.end)])[0]
