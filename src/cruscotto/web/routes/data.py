"""Getting data in and seeing whether it is sound: the upload page and the data-health page.

GET  /data/import    the upload form         · GET  /api/data/import (the presets, JSON)
POST /data/import    import, show the report · POST /api/data/import (`ImportReport.as_dict()`)
GET  /data/health    per table health        · GET  /api/data/health (`health.check` as JSON)

Who may do what:
- importing changes the company's data: `cruscotto.web.permissions` decides (admins all
  tables, managers only their teams' rows, if the company allows it; 403 for the others),
  and records every import in the audit trail;
- the health page holds counts, dates, file names and check results but no records, so
  viewers (company-wide dashboards) may read it too; reps may not, because its numbers are
  company-wide and a rep sees only their own (see `cruscotto.web.access`).

Files are read and checked outside any lock; only the load itself is one transaction (one
writer at a time), so no dashboard query — each on its own connection — reads a
half-written table: it sees the data as it was until the commit, which bumps the data's
version, so cached answers are recomputed and the dashboard shows the new numbers at once.
"""

from __future__ import annotations

import base64
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse

from cruscotto import health
from cruscotto.ingest import (
    ImportFileError,
    ImportReport,
    Settings,
    describe_presets,
    saved_mappings,
)
from cruscotto.ingest import import_files as run_import
from cruscotto.ingest.mapping import SOURCES
from cruscotto.model import TABLES
from cruscotto.web.access import Access, access
from cruscotto.web.alerting import evaluate_in_background
from cruscotto.web.cache import CachedEngine
from cruscotto.web.pages import nav_item, page, render
from cruscotto.web.permissions import Write, authorize, may

router = APIRouter()
IMPORTERS = ("admin", "manager")
HEALTH_READERS = ("admin", "manager", "viewer")
nav_item("data_import", "/data/import", "nav.data_import", roles=IMPORTERS, order=60)
nav_item("data_health", "/data/health", "nav.data_health", roles=HEALTH_READERS, order=61)
# The page lists this many rejects; the CSV download holds them all.
SHOWN_REJECTS = 200


def require_role(who: Access, roles: tuple[str, ...]) -> None:
    if who.user.role not in roles:
        raise HTTPException(403, who.t("error.data_role"))


# -- import -------------------------------------------------------------------------------


@page(router, "/data/import", "data/import.html", name="data_import", tags=["data"])
def import_form(who: Access = Depends(access)) -> dict:
    """What the upload form offers: the ready mappings, the sources and the tables."""
    authorize(who, "import")
    return {
        "presets": describe_presets(),
        "sources": list(SOURCES),
        "tables": [t.name for t in TABLES],
    }


def import_uploads(
    request: Request,
    files: Annotated[list[UploadFile], File(description="CSV, XLSX or Parquet exports")],
    source: Annotated[str, Form()] = "",
    table: Annotated[str, Form()] = "",
    mapping: Annotated[UploadFile | None, File(description="a mapping file (YAML)")] = None,
    saved_mapping: Annotated[str, Form(description="a mapping saved in the column mapper")] = "",
    dry_run: Annotated[bool, Form()] = False,
    allow_partial: Annotated[bool, Form()] = False,
    write: Write = Depends(may("import")),
) -> dict:
    """Import the uploaded files; the report, or `error` when a file cannot be read at all."""
    state = request.app.state
    company = Settings(timezone=state.settings.timezone, currency=state.settings.base_currency)
    with tempfile.TemporaryDirectory(prefix="cruscotto-upload-") as folder:
        paths = [save(upload, Path(folder) / str(i)) for i, upload in enumerate(files)]
        mapping_path = save(mapping, Path(folder) / "mapping") if has_file(mapping) else None
        try:
            if saved_mapping and mapping_path is None:
                mapping_path = saved_mappings.load(state.warehouse, saved_mapping)
            report = run_import(
                state.warehouse,
                paths,
                source=source or None,
                table=table or None,
                mapping=mapping_path,
                dry_run=dry_run,
                allow_partial=allow_partial,
                settings=company,
                names=[p.name for p in paths],
                guard=write.import_guard(),
            )
        except (ImportFileError, ValueError) as exc:
            return {"error": str(exc), "applied": False}
        rejects_csv = rejects_data_url(report, Path(folder) / "rejects.csv")
    if report.applied:
        forget_answers(request)
    if report.applied or report.rejects:  # new data, or rejects to alert about
        evaluate_in_background(request.app)
    return report.as_dict() | {"rejects_csv": rejects_csv}


def save(upload: UploadFile, folder: Path) -> Path:
    """The upload written under its own file name, in a folder of its own (two uploads may
    share a name)."""
    folder.mkdir(parents=True)
    name = Path(upload.filename or "upload").name or "upload"
    target = folder / name
    with target.open("wb") as out:
        shutil.copyfileobj(upload.file, out)
    return target


def has_file(upload: UploadFile | None) -> bool:
    # A browser sends an empty part with no file name when the mapping input is left empty.
    return upload is not None and bool(upload.filename)


def rejects_data_url(report: ImportReport, path: Path) -> str | None:
    """All rejects as a CSV the page offers for download (a data: URL, nothing kept on disk)."""
    if not report.rejects:
        return None
    content = report.write_rejects_csv(path).read_bytes()
    return "data:text/csv;charset=utf-8;base64," + base64.b64encode(content).decode("ascii")


def forget_answers(request: Request) -> None:
    """Drop the engine's cached answers so every page shows the imported data."""
    engine = request.app.state.engine
    if isinstance(engine, CachedEngine):
        engine.clear()


@router.post("/api/data/import", tags=["data"])
def import_api(result: dict = Depends(import_uploads)) -> dict:
    """Import files (multipart form): `ImportReport.as_dict()` plus the rejects as a CSV
    data URL; 400 with the reason when a file cannot be imported at all (nothing loaded)."""
    if "error" in result:
        raise HTTPException(400, result["error"])
    return result


@router.post("/data/import", response_class=HTMLResponse, include_in_schema=False)
def import_page(
    request: Request,
    result: dict = Depends(import_uploads),
    form: dict = Depends(import_form),
    who: Access = Depends(access),
):
    status = 400 if "error" in result else 200
    response = render(request, "data/import.html", who, form, result=result)
    response.status_code = status
    return response


# -- health -------------------------------------------------------------------------------


@page(router, "/data/health", "data/health.html", name="data_health", tags=["data"])
def health_view(request: Request, who: Access = Depends(access)) -> dict:
    """Per table: rows, newest record, last import (file, time, rejected rows) and the
    quality checks with the number of offending rows."""
    require_role(who, HEALTH_READERS)
    report = health.check(request.app.state.warehouse).as_dict()
    for table in report["tables"]:
        table["issues"] = sum(c["count"] for c in table["checks"])
    return report
