"""The KPI page: definition card, comparison, trend, breakdown and the records behind it.

GET /kpi/{id}                 page; GET /api/kpi/{id} the same data as JSON
GET /api/kpi/{id}/records.csv every record behind the number, as CSV (not for viewers);
GET /api/kpi/{id}/records.xlsx the same as XLSX (one route: `records.{format}`)
GET /api/kpis                 the definitions the user may see
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Literal

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import StreamingResponse

from cruscotto.engine import Engine, KpiResult, Period, pipeline_rank
from cruscotto.model import table as model_table
from cruscotto.reports.csv_dialect import CsvDialect, write_csv
from cruscotto.reports.export import XLSX_MEDIA_TYPE, rows_to_xlsx
from cruscotto.web.access import OVERVIEW_FILTERS, Access, access
from cruscotto.web.goals import kpi_page_goals
from cruscotto.web.kpis import (
    check_grain,
    definition_dict,
    engine,
    freshness,
    period_dict,
    readable_period,
    resolve_period,
    result_dict,
    trend_window,
)
from cruscotto.web.lifetime import retention_model_section
from cruscotto.web.pages import fragment, page
from cruscotto.web.pickers import pickers
from cruscotto.web.records import csv_table, names_of
from cruscotto.web.source_health import source_health
from cruscotto.web.values import ValueText

router = APIRouter()

PAGE_SIZES = (25, 50, 100, 200)
# The CSV export holds every record behind a number, up to this many.
CSV_LIMIT = 1_000_000
# The filters a KPI page offers (those its KPI can be cut by): the overview's, and the
# stage a deal sits in (in pipeline order).
KPI_FILTERS = (*OVERVIEW_FILTERS, "stage")
# Past any real table's size; larger offsets overflow the database's 64-bit integers.
MAX_OFFSET = 1_000_000_000


@router.get("/api/kpis", tags=["kpis"])
def list_kpis(who: Access = Depends(access), kpis: Engine = Depends(engine)) -> list[dict]:
    """The KPI definitions visible to the user, texts in their language."""
    return [definition_dict(k, who) for k in who.visible(kpis.catalog.all())]


def visible_kpi(kpi_id: str, who: Access, kpis: Engine):
    try:
        kpi = kpis.catalog.get(kpi_id)
    except KeyError:
        raise HTTPException(404, who.t("error.kpi_not_visible", kpi=kpi_id)) from None
    if not who.can_see(kpi):
        raise HTTPException(404, who.t("error.kpi_not_visible", kpi=kpi_id))
    return kpi


def sources_health(kpis: Engine, kpi, who: Access) -> dict[str, dict[str, int]]:
    """The quality checks and rejected rows of the KPI's sources: company-wide counts, so
    for the admin only (the data-health page is theirs too)."""
    if who.user.role != "admin":
        return {}
    return source_health(kpis, list(kpi.sources))


def kpi_shell(
    kpi_id: str,
    period: str | None = None,
    grain: str = "month",
    who: Access = Depends(access),
    kpis: Engine = Depends(engine),
) -> dict:
    """What a KPI page shows at once: the definition card, the filters, the period (or why
    the one asked for cannot be read); its numbers load into the page afterwards."""
    kpi = visible_kpi(kpi_id, who, kpis)
    check_grain(grain, who)
    current, problem = readable_period(period, grain, kpis, who)
    return {
        "kpi": definition_dict(kpi, who),
        "freshness": freshness(kpis, list(kpi.sources), who.forced),
        "source_health": sources_health(kpis, kpi, who),
        "period": period_dict(current),
        "period_error": problem,
        "grain": grain,
        "filters": who.filters(),
        "pickers": pickers(kpis, who, [d for d in KPI_FILTERS if d in kpi.dimensions]),
    }


@page(router, "/kpi/{kpi_id}", "kpi.html", name="kpi", shell=kpi_shell, tags=["kpis"])
def kpi_page(
    request: Request,
    kpi_id: str,
    period: str | None = None,
    grain: str = "month",
    by: Annotated[str | None, Query(description="dimension to break the value down by")] = None,
    limit: Annotated[int, Query(ge=1, le=max(PAGE_SIZES))] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    sort: str | None = None,
    desc: bool = False,
    who: Access = Depends(access),
    kpis: Engine = Depends(engine),
) -> dict:
    """Everything about one KPI for a period: definition, comparison, trend, breakdown, records.

    `records` is null for viewers (no drill-down). The trend covers the period split by
    `grain` (at least the last 12 months for a month or shorter period).
    """
    kpi = visible_kpi(kpi_id, who, kpis)
    check_grain(grain, who)
    current = resolve_period(period, grain, kpis, who)
    dimension = by or (kpi.dimensions[0] if kpi.dimensions else None)
    if dimension is not None and dimension not in kpi.dimensions:
        raise HTTPException(400, who.t("error.bad_dimension", kpi=kpi.id, dimension=dimension))
    data = {
        "kpi": definition_dict(kpi, who),
        "freshness": freshness(kpis, list(kpi.sources), who.forced),
        "source_health": sources_health(kpis, kpi, who),
        "period": period_dict(current),
        "grain": grain,
        "filters": who.filters(),
        "pickers": pickers(kpis, who, [d for d in KPI_FILTERS if d in kpi.dimensions]),
        "not_applicable": who.inapplicable(kpi),
        "compare": None,
        "trend": [],
        "last_year_trend": [],
        "goals": [],
        "breakdown": None,
        "records": None,
        "retention_model": None,
    }
    if data["not_applicable"]:
        return data
    filters = who.filters_for(kpi)
    compared = kpis.compare(kpi.id, current, filters)
    data["compare"] = {key: result_dict(r) for key, r in compared.items()}
    window = trend_window(current, grain, kpis)
    data["trend"] = [
        not_begun(r) if r.period.start > kpis.today else result_dict(r)
        for r in kpis.trend(kpi.id, window, grain, filters)
    ]
    # The chart shows the same points a year earlier and the goals of this scope.
    data["last_year_trend"] = [
        result_dict(r) for r in kpis.trend(kpi.id, window.last_year(), grain, filters)
    ]
    data["goals"] = kpi_page_goals(request, who, kpis, kpi.id, window, data["trend"])
    data["retention_model"] = retention_model_section(request.app, who, kpis, kpi)
    if dimension is not None:
        labels = dict(kpis.dimension_values(dimension))
        values = ValueText(who.language)
        parts = kpis.breakdown(kpi.id, current, dimension, filters)
        if dimension == "stage":  # the order deals move in, not by size
            rank = pipeline_rank(kpis.stage_positions())
            parts = sorted(parts, key=lambda part: rank(part[0]))
        data["breakdown"] = {
            "dimension": dimension,
            "rows": [
                {
                    "key": key,
                    "label": values.dimension(dimension, labels.get(key, key))
                    if key is not None
                    else None,
                    **result_dict(r),
                }
                for key, r in parts
            ],
        }
    if who.can_see_records:
        paging = Paging(limit, offset, sort, desc)
        data["records"] = records_page(kpis, kpi.id, current, filters, paging, who)
    return data


fragment(
    router,
    "/kpi/{kpi_id}/numbers",
    "_kpi_numbers.html",
    kpi_page,
    name="kpi_numbers",
    page_path="/kpi/{kpi_id}",
)


def not_begun(result: KpiResult) -> dict:
    """A trend point of a period that has not begun (May when a quarter is asked on 15
    April): no value, not the 0 its empty records sum to."""
    return {
        **result_dict(result),
        **dict.fromkeys(("value", "numerator", "denominator", "ci_low", "ci_high", "status")),
        "sample_size": None,
        "details": {},
        "not_begun": True,
    }


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int
    sort: str | None
    descending: bool


def sorted_records(
    kpis: Engine, kpi_id: str, period: Period, filters: dict, paging: Paging, who: Access
) -> tuple[pd.DataFrame, int]:
    """The records behind the KPI that the user may list (400 when `sort` names no column
    of them): for a rep or a manager, only those of the people in their scope."""
    try:
        return kpis.records(
            kpi_id,
            period,
            filters,
            limit=paging.limit,
            offset=paging.offset,
            sort=paging.sort,
            descending=paging.descending,
            people=who.people(kpis),
        )
    except ValueError:
        if paging.sort is None:
            raise
        raise HTTPException(400, who.t("error.bad_sort", column=paging.sort)) from None


def records_page(
    kpis: Engine, kpi_id: str, period: Period, filters: dict, paging: Paging, who: Access
) -> dict:
    frame, total = sorted_records(kpis, kpi_id, period, filters, paging, who)
    names = names_of(kpis, frame)
    frame = local_times(frame, kpis, kpis.catalog.get(kpi_id))
    return {
        "columns": list(frame.columns),
        "names": names,
        "rows": [[_plain(v) for v in row] for row in frame.itertuples(index=False)],
        "total": total,
        "not_listed": not_listed(kpis, kpi_id, period, filters, total, who),
        "limit": paging.limit,
        "offset": paging.offset,
        "sort": paging.sort,
        "descending": paging.descending,
    }


def not_listed(
    kpis: Engine, kpi_id: str, period: Period, filters: dict, listed: int, who: Access
) -> int:
    """How many records behind the number belong to people outside the user's scope (a
    colleague's interaction with a rep's customer): counted, not shown."""
    if who.people(kpis) is None:
        return 0
    _, everyone = kpis.records(kpi_id, period, filters, limit=1)
    return everyone - listed


RECORD_FORMATS = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX_MEDIA_TYPE}


@router.get("/api/kpi/{kpi_id}/records.{format}", tags=["kpis"], response_class=StreamingResponse)
def records_export(
    kpi_id: str,
    format: Literal["csv", "xlsx"],
    period: str | None = None,
    grain: str = "month",
    sort: str | None = None,
    desc: bool = False,
    who: Access = Depends(access),
    kpis: Engine = Depends(engine),
) -> StreamingResponse:
    """Every record behind the KPI's value (same filters and scope as the page), in the
    reader's language: `records.csv` in their dialect (Italian: `;`, decimal comma, BOM),
    `records.xlsx` with numbers as numbers and times as date cells in the company's time
    zone; text never run as a formula (cruscotto.safe_cells)."""
    kpi, current, frame = exported_records(kpi_id, period, grain, sort, desc, who, kpis)
    header, rows, digits = csv_table(
        local_times(frame, kpis, kpi, as_text=format == "csv"),
        names_of(kpis, frame),
        ValueText(who.language),
        kpi.unit,
    )
    if format == "csv":
        content = write_csv(header, rows, CsvDialect.for_language(who.language), digits)
        content = content.encode("utf-8")
    else:
        content = rows_to_xlsx(kpi.id, header, rows, digits)
    return attachment(content, RECORD_FORMATS[format], kpi, current, format)


def exported_records(kpi_id, period, grain, sort, desc, who: Access, kpis: Engine):
    """(KPI, period, every record) of an export, after the record and export checks."""
    kpi = visible_kpi(kpi_id, who, kpis)
    who.require_records()
    who.require_export()
    current = resolve_period(period, check_grain(grain, who), kpis, who)
    paging = Paging(CSV_LIMIT, 0, sort, desc)
    frame, _ = sorted_records(kpis, kpi.id, current, who.filters_for(kpi), paging, who)
    return kpi, current, frame


def attachment(content: bytes, media_type: str, kpi, current: Period, extension: str):
    filename = f"{kpi.id}_{current.label.replace('..', '_')}.{extension}"
    return StreamingResponse(
        iter([content]),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def local_times(frame: pd.DataFrame, kpis: Engine, kpi, as_text: bool = True) -> pd.DataFrame:
    """Timestamps (stored in UTC) in the company's time zone to the minute; dates as dates.
    As ISO text (pages, JSON, CSV), or with `as_text=False` as zone-less local datetimes
    and dates (date cells of an XLSX).

    Which columns are instants comes from the model declarations of the KPI's sources:
    a calendar date (expected_close_date, issued_at…) must never be shifted by a zone.
    """
    instants = {
        column.name
        for source in kpi.sources
        for column in model_table(source).columns
        if column.type == "timestamp"
    }
    frame = frame.copy()
    for column in frame.columns:
        values = frame[column]
        if not pd.api.types.is_datetime64_any_dtype(values):
            continue
        if column in instants:
            if values.dt.tz is None:
                values = values.dt.tz_localize("UTC")
            local = values.dt.tz_convert(kpis.settings.timezone)
            frame[column] = (
                local.dt.strftime("%Y-%m-%d %H:%M")
                if as_text
                else pd.Series(
                    list(local.dt.tz_localize(None).dt.floor("min")),
                    index=values.index,
                    dtype=object,
                )
            )
        else:
            frame[column] = (
                values.dt.strftime("%Y-%m-%d")
                if as_text
                else pd.Series(list(values.dt.date), index=values.index, dtype=object)
            )
    return frame


def _plain(value):
    """A JSON/CSV-friendly scalar: no NaN/NaT, no numpy types."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT or (not isinstance(value, str | bool) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
