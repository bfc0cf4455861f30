"""The CRM reports and the executive summary: pages, JSON twins and CSV/XLSX exports.

GET /reports                          the list        · GET /api/reports (JSON)
GET /reports/{name}                   a report page   · GET /api/reports/{name} (JSON)
GET /reports/{name}/body              the report itself, loaded into its page once computed
GET /api/reports/{name}/export?format=csv|xlsx[&table=…]   the report as a file

Every route goes through `access`: a rep's reports hold only the rep's deals and leads,
a manager's only their teams'. Viewers (dashboards only) get the executive summary; the
other reports list deals, and neither they nor exports are for viewers.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from cruscotto.engine import Engine, EngineError, Period
from cruscotto.model.tables import OPPORTUNITY_STATUSES
from cruscotto.models.deal_scores import DealScores, DealScoreService
from cruscotto.reports import REPORTS, Report, build, default_period, spec, to_csv, to_xlsx
from cruscotto.reports.conversion import ALL_CHANNELS
from cruscotto.reports.csv_dialect import CsvDialect
from cruscotto.reports.export import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE
from cruscotto.web.access import OVERVIEW_FILTERS, Access, access
from cruscotto.web.charts import separators, value_axis
from cruscotto.web.goals import quota_attainment
from cruscotto.web.kpis import engine, period_dict, resolve_period
from cruscotto.web.model_services import deal_score_service
from cruscotto.web.pages import fragment, nav_item, page
from cruscotto.web.pdf import PDF_MEDIA_TYPE, render_pdf
from cruscotto.web.pickers import pickers
from cruscotto.web.report_export import ReportReader
from cruscotto.web.report_notes import note_texts
from cruscotto.web.values import ValueText

router = APIRouter()
nav_item("reports", "/reports", "nav.reports", order=30)

# Reports a viewer may open: the summary is a dashboard, the others list deals.
FOR_VIEWERS = ("summary",)
# The filters each report's page offers (the forced scope applies whatever is offered).
REPORT_FILTERS = {
    "forecast": ("rep", "team", "pipeline"),
    "conversion": ("rep", "team", "channel", "segment"),
    "leaderboard": ("rep", "team", "pipeline"),
    "lost": ("rep", "team", "pipeline", "segment"),
    "summary": OVERVIEW_FILTERS,
}
Many = Annotated[list[str] | None, Query()]
# The chart above each report: (table, category column, value columns[, series column]),
# drawn as bars; with a series column, one stacked bar per category, a colour per series.
CHARTS = {
    "forecast": ("months", "month", ("open_value", "weighted_value")),
    "conversion": ("channels", "channel", ("leads", "mql", "sql", "opportunities", "won")),
    "leaderboard": ("reps", "rep", ("won_value", "open_value")),
    "lost": ("reasons", "reason", ("count",)),
}
# The second chart, over time: (its heading's catalog key, the chart as above).
HISTORY_CHARTS = {
    "forecast": ("forecast.history_chart", ("forecast_vs_actual", "month", ("forecast", "actual"))),
    "lost": ("report.lost.trend_chart", ("trend", "month", ("count",), "reason")),
}


# Rows that open the records behind them: (report, table) → (column holding the value,
# the dimension it filters, the KPI whose records are shown).
ROW_LINKS = {
    ("conversion", "channels"): ("channel", "channel", "lead_conversion_rate"),
    ("leaderboard", "reps"): ("owner_id", "rep", "win_rate"),
    ("leaderboard", "stages"): ("stage", "stage", "open_pipeline"),
    ("leaderboard", "deals"): ("owner_id", "rep", "win_rate"),
    ("lost", "deals"): ("owner_id", "rep", "lost_opportunity_rate"),
}


def scores_for(name: str, who: Access, service: DealScoreService | None, kpis: Engine):
    """The learned close probabilities for the forecast (None while the first training
    runs, without a service, or for any other report)."""
    if service is None or name != "forecast" or not may_open(name, who):
        return None
    return service.current(kpis)


def may_open(name: str, who: Access) -> bool:
    return who.can_see_records or name in FOR_VIEWERS


def require_report(name: str, who: Access) -> None:
    """404 for a report that does not exist, 403 for one the user may not open."""
    try:
        spec(name)
    except KeyError:
        raise HTTPException(404, who.t("error.no_report", report=name)) from None
    if not may_open(name, who):
        raise HTTPException(403, who.t("error.no_records"))


def reports_for(who: Access) -> list[dict]:
    return [
        {
            "name": r.name,
            "title": who.t(f"report.{r.name}.title"),
            "description": who.t(f"report.{r.name}.description"),
        }
        for r in REPORTS.values()
        if may_open(r.name, who)
    ]


@page(router, "/reports", "reports/index.html", name="reports", tags=["reports"])
def reports_index(who: Access = Depends(access)) -> dict:
    """The reports the user may open."""
    return {"reports": reports_for(who)}


def run_report(
    name: str,
    period: str | None,
    status: list[str] | None,
    currency: list[str] | None,
    who: Access,
    kpis: Engine,
    scores: DealScores | None = None,
) -> Report:
    """The report under the user's scope, or a 4xx that says what was wrong."""
    require_report(name, who)
    options = {"statuses": status, "currencies": currency} if name == "leaderboard" else {}
    if name == "forecast":
        options = {"scores": scores}
    try:
        chosen: Period | None = report_period(period, kpis, who)
        return build(kpis, name, chosen, who.filters(), **options)
    except OverflowError:
        raise HTTPException(400, who.t("error.bad_period", period=period)) from None
    except EngineError:
        raise  # dimensions, currencies, time limit: the app's one engine-error handler
    except ValueError as exc:  # an option the report does not take
        raise HTTPException(400, str(exc)) from None


def report_period(text: str | None, kpis: Engine, who: Access) -> Period | None:
    """The period asked for (a preset or a label); None for the report's own default."""
    return resolve_period(text, "month", kpis, who) if text else None


def report_page_view(
    request: Request,
    name: str,
    period: str | None = None,
    status: Many = None,
    currency: Many = None,
    page: Annotated[int, Query(ge=1, description="Page of the long tables (deals…).")] = 1,
    who: Access = Depends(access),
    kpis: Engine = Depends(engine),
    service: DealScoreService = Depends(deal_score_service),
) -> dict:
    """The report page's data: a period that cannot be read is a message above the report
    for its default period, not an error page."""
    options = {"status": status, "currency": currency, "page": page, "who": who, "kpis": kpis}
    try:
        return report_view(request, name, period, service=service, **options)
    except HTTPException as error:
        if error.status_code != 400 or not period:
            raise
        data = report_view(request, name, None, service=service, **options)
        data["period_error"] = str(error.detail)
        return data


def report_shell(
    name: str,
    period: str | None = None,
    who: Access = Depends(access),
    kpis: Engine = Depends(engine),
) -> dict:
    """What a report page shows at once: its title, exports and filters (the period asked
    for, or why it cannot be read); the report itself loads into the page afterwards
    (`report_body`), so the page is never blank while it runs."""
    require_report(name, who)
    chosen, problem = None, None
    try:
        chosen = report_period(period, kpis, who)
    except HTTPException as error:
        if error.status_code != 400:
            raise
        problem = str(error.detail)
    # No period asked for (or one that cannot be read): the report's own default, which
    # is known before it runs, so the picker shows it at once.
    chosen = chosen or default_period(kpis, name)
    options = {}
    if name == "leaderboard":
        deals = kpis.table("opportunities")
        found = kpis.execute(deals.select("currency").distinct())["currency"]
        options = {
            "status": list(OPPORTUNITY_STATUSES),
            "currency": sorted(c for c in found if isinstance(c, str)),
        }
    return {
        "report": name,
        "deferred": True,
        "charted": name in CHARTS or name in HISTORY_CHARTS,
        "period": period_dict(chosen) | {"label": chosen.label},
        "period_error": problem,
        "pickers": pickers(kpis, who, REPORT_FILTERS[name]),
        "can_export": who.can_export,
        "options": options,
    }


@page(
    router,
    "/reports/{name}",
    "reports/report.html",
    name="report",
    shell=report_shell,
    tags=["reports"],
)
def report_view(
    request: Request,
    name: str,
    period: str | None = None,
    status: Many = None,
    currency: Many = None,
    page: Annotated[int, Query(ge=1, description="Page of the long tables (deals…).")] = 1,
    who: Access = Depends(access),
    kpis: Engine = Depends(engine),
    service: DealScoreService = Depends(deal_score_service),
) -> dict:
    """A report's tables (rows and typed columns), notes and headline facts, in scope.
    Tables longer than PAGE_SIZE rows hold one page (`page`, default 1) and say which in
    their `pagination`; the exports hold every row."""
    scores = scores_for(name, who, service, kpis)
    result = run_report(name, period, status, currency, who, kpis, scores)
    data = result.to_dict()
    data["period_error"] = None
    for note, said in zip(data["notes"], note_texts(data["notes"], who, kpis.catalog), strict=True):
        note["said"] = said  # in the reader's language, KPI names instead of ids
    for table in data["tables"]:
        paginate(table, page)
    data["period"] = period_dict(result.period) | {"label": result.period.label}
    data["pickers"] = pickers(kpis, who, REPORT_FILTERS[name])
    data["can_export"] = who.can_export
    data["chart"] = chart(result, who)
    for table in data["tables"]:
        link = ROW_LINKS.get((name, table["name"]))
        table["link"] = (
            dict(zip(("column", "dimension", "kpi"), link, strict=True)) if link else None
        )
    if name in HISTORY_CHARTS:
        title, history = HISTORY_CHARTS[name]
        if any(t.name == history[0] for t in result.tables):
            data["history_chart"] = chart(result, who, history)
            data["history_title"] = who.t(title)
    if name == "summary":
        for row in data["tables"][0]["rows"]:
            row["name"] = who.t.pick(kpis.catalog.get(row["kpi_id"]).name)
    if name == "leaderboard":
        # Quotas live in the app's goal store: a PDF made outside a request has none.
        data["quota"] = (
            quota_attainment(request, who, kpis, result.period) if request is not None else []
        )
        data["options"] = {
            "status": list(OPPORTUNITY_STATUSES),
            "currency": sorted({r["currency"] for r in result.table("deals").records()}),
        }
    return data


fragment(
    router,
    "/reports/{name}/body",
    "reports/_report_body.html",
    report_page_view,
    name="report_body",
    page_path="/reports/{name}",
)


@router.get("/api/reports/{name}/export", tags=["reports"])
def report_export(
    request: Request,
    name: str,
    format: Literal["csv", "xlsx", "pdf"] = "csv",
    table: str | None = None,
    period: str | None = None,
    status: Many = None,
    currency: Many = None,
    who: Access = Depends(access),
    kpis: Engine = Depends(engine),
    service: DealScoreService = Depends(deal_score_service),
) -> Response:
    """The report as XLSX (one sheet per table), PDF (the page, A4) or one table as CSV."""
    who.require_export()
    if format == "pdf":
        content, filename = report_pdf(name, period, status, currency, who, kpis, service, request)
        return Response(
            content,
            media_type=PDF_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    scores = scores_for(name, who, service, kpis)
    result = run_report(name, period, status, currency, who, kpis, scores)
    filename = f"{name}-{result.period.label}"
    reader = ReportReader(who, kpis.catalog)
    if format == "xlsx":
        content, media_type = to_xlsx(result, reader), XLSX_MEDIA_TYPE
    else:
        try:
            dialect = CsvDialect.for_language(who.language)
            content = to_csv(result, table, dialect, reader).encode("utf-8")
        except KeyError as exc:
            raise HTTPException(400, str(exc).strip('"')) from None
        media_type, filename = CSV_MEDIA_TYPE, f"{filename}-{table}" if table else filename
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}.{format}"'},
    )


PAGE_SIZE = 100


def paginate(table: dict, page: int) -> None:
    """Keep one page of a long table's rows; a page past the end shows the last one."""
    total = len(table["rows"])
    if total <= PAGE_SIZE:
        return
    pages = -(-total // PAGE_SIZE)
    page = min(page, pages)
    start = (page - 1) * PAGE_SIZE
    table["rows"] = table["rows"][start : start + PAGE_SIZE]
    table["pagination"] = {
        "page": page,
        "pages": pages,
        "page_size": PAGE_SIZE,
        "total": total,
        "first_row": start + 1,
        "last_row": start + len(table["rows"]),
    }


def report_pdf(
    name: str,
    period: str | None,
    status: list[str] | None,
    currency: list[str] | None,
    who: Access,
    kpis: Engine,
    service: DealScoreService | None = None,
    request: Request | None = None,
) -> tuple[bytes, str]:
    """(PDF bytes, file name) of the report page as `who` sees it: the same template,
    language and scope (the web's button, `cruscotto report --format pdf`, digests)."""
    data = report_view(
        request, name, period, status, currency, page=1, who=who, kpis=kpis, service=service
    )
    params = {"period": period, "status": status, "currency": currency, **who.requested}
    content = render_pdf("reports/report.html", data, who, f"/reports/{name}", params)
    return content, f"{name}-{data['period']['label']}.pdf"


def chart(result: Report, who: Access, spec: tuple | None = None) -> dict | None:
    """A plotly bar chart (as a plain dict) of the report's main table (or of `spec`:
    table, category column, value columns), labels translated. The forecast's weighted
    value carries its P10–P90 range as error bars."""
    if spec is None and result.name not in CHARTS:
        return None
    table_name, category, values, *series = spec or CHARTS[result.name]
    table = result.table(table_name)
    rows = [r for r in table.records() if r[category] != ALL_CHANNELS]
    if not rows:
        return None
    labels = {c.name: c.label for c in table.columns}

    def text(english: str) -> str:
        key = f"report.label.{english}"
        said = who.t(key)
        return english if said == key else said

    values_text = ValueText(who.language)

    def category_text(value) -> str:
        if category == "month":
            return who.fmt.period(str(value), short=True)
        return values_text.value(category, value)

    if series:
        traces = series_traces(rows, category, values[0], series[0], result, category_text)
        for trace in traces:
            trace["name"] = values_text.value(series[0], trace["name"])
    else:
        traces = [
            {
                "type": "bar",
                "name": text(labels[column]),
                "x": [category_text(r[category]) for r in rows],
                "y": [r[column] for r in rows],
            }
            for column in values
        ]
    if {"p10", "p90", "weighted_value"} <= set(labels):
        weighted = traces[values.index("weighted_value")]
        weighted["error_y"] = {
            "type": "data",
            "symmetric": False,
            "array": [max((r["p90"] or 0) - (r["weighted_value"] or 0), 0) for r in rows],
            "arrayminus": [max((r["weighted_value"] or 0) - (r["p10"] or 0), 0) for r in rows],
        }
    return {
        "data": traces,
        "layout": {
            "barmode": "stack" if series else "group",
            "height": 320,
            "margin": {"l": 60, "r": 20, "t": 20, "b": 60},
            "legend": {"orientation": "h"},
            "separators": separators(who.fmt),
            "yaxis": value_axis(who.fmt, "count"),
            "xaxis": {"type": "category"},
        },
    }


def series_traces(rows: list[dict], category: str, value: str, series: str, result, label):
    """One bar trace per value of `series` (a lost reason), over every category of the
    report's window (`facts["months"]`: a month without losses is a zero, not a gap)."""
    categories = result.facts.get("months") or sorted({r[category] for r in rows})
    by_series: dict[str, dict] = {}
    for row in rows:
        by_series.setdefault(row[series], {})[row[category]] = row[value]
    # The biggest series first, so the legend reads in order of weight.
    ordered = sorted(by_series.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    return [
        {
            "type": "bar",
            "name": name,
            "x": [label(c) for c in categories],
            "y": [counts.get(c, 0) for c in categories],
        }
        for name, counts in ordered
    ]
