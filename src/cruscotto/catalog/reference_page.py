"""The KPI catalog reference page (docs/kpi-catalog.md), written from the declarations.

`cruscotto kpi docs` regenerates it; a test fails when the page and the catalog differ.
"""

from __future__ import annotations

from cruscotto.catalog.definition import AREAS, KpiDefinition
from cruscotto.catalog.loader import Catalog

HEADER = """# KPI catalog

Generated from `src/cruscotto/catalog/kpis/*.yaml` by `cruscotto kpi docs`; do not edit by
hand. Every KPI below is computed by the engine (`cruscotto kpi show ID`).

**Conventions.** Rates have unit `percent` and are stored as fractions 0–1 (0.12 is 12%);
the interfaces multiply by 100 to show them. Rates marked *with interval* carry their
numerator, denominator and a 95% Wilson interval. Money is in the company's base currency,
converted with `fx_rates` at the rate of the record's day (or the latest earlier rate);
a record dated by a time takes the day it falls on in the company's time zone, the same
day that puts it in a period. Periods are cut in the company's time zone; deadlines (SLA
promises, task due dates) are compared with the current time, so what is not yet due is
left out rather than counted as missed. Cohort rates are flagged *maturing* until their
conversion lag has passed after the period's end.

**Who is a customer.** One rule, per account. From its first contract on, an account is a
customer on a day when it has a contract active that day (started, not cancelled, and not
past its `end_date`, which is the last day of the term and still counts). An account
without a contract yet (one that buys projects, say) is a customer when it was invoiced
in the trailing `customer_window_months` months (12 unless configured). So an account that
only buys projects counts even in a company that also keeps contracts, and a contract
customer is lost the day its last contract ends. Retention, churn, new customers, CAC,
upsell, cross-sell, engagement, account health, net-new revenue and CLV all use this rule.

**Status rule.** A value is compared with the KPI's target, or, without one, with the edge
of its benchmark band a company must reach (the low end when higher is better, the high
end when lower is better). Reaching it is *on target*; missing it by at most 10% of the
reference is *at risk*; missing it by more is *off target*. Targets and benchmark bands can
be replaced in `cruscotto.yaml` (`kpis: targets:` / `kpis: benchmarks:`), and companies add
their own KPIs there (`kpis: custom:`) as arithmetic over these ids.

**Declaring a KPI.** Each entry picks one type — `count`, `sum`, `mean`, `median`,
`duration`, `ratio` (with `proportion: true` for a rate), `conversion` (cohort rate),
`snapshot` (state at the period's end), `derived` (arithmetic over other KPIs) or, rarely,
`function` (a named Python computation) — and names its source table, dating column and
row conditions in a small safe expression language (columns, `table.column` of a related
table, comparisons, `in [...]`, and/or/not, `isnull`, `notnull`, `hours`, `days`,
`coalesce`). See `src/cruscotto/catalog/definition.py`.
"""


def render(catalog: Catalog) -> str:
    parts = [HEADER]
    for area in AREAS:
        definitions = [d for d in catalog.all() if d.area == area and not d.custom]
        if not definitions:
            continue
        parts.append(f"\n## {area.capitalize()} ({len(definitions)})\n")
        for definition in definitions:
            parts.append(_entry(definition))
    return "\n".join(parts).rstrip() + "\n"


def _entry(d: KpiDefinition) -> str:
    band = d.benchmark
    benchmark = "—"
    if band is not None:
        benchmark = f"{_number(band.low, d.unit)} – {_number(band.high, d.unit)} ({band.source})"
    rate = " with interval" if d.is_rate else ""
    lines = [
        f"### {d.name['en']} — `{d.id}`",
        "",
        d.description["en"],
        "",
        f"- **Formula:** {d.formula['en']}",
        f"- **Unit:** {d.unit}{rate}; **better:** {d.direction}; **type:** {d.type}",
        f"- **Target:** {_number(d.target, d.unit)}; **benchmark:** {benchmark}",
        f"- **Sources:** {', '.join(d.sources)}; **frequency:** {d.frequency}",
        f"- **Dimensions:** {', '.join(d.dimensions) or '—'}",
        f"- **Dashboard area:** {d.dashboard_area}",
        f"- *it:* {d.name['it']} — {d.formula['it']}",
        f"- *pt:* {d.name['pt']} — {d.formula['pt']}",
        "",
    ]
    return "\n".join(lines)


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "percent":
        return f"{value * 100:g}%"
    return f"{value:g}"
