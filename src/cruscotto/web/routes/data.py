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

import secrets
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse

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
from cruscotto.web.after_import import after_import
from cruscotto.web.cache import CachedEngine
from cruscotto.web.limits import check_upload, upload_name
from cruscotto.web.pages import nav_item, page, render
from cruscotto.web.permissions import Write, authorize, may

router = APIRouter()
IMPORTERS = ("admin", "manager")
HEALTH_READERS = ("admin", "manager", "viewer")
nav_item("data_import", "/data/import", "nav.data_import", roles=IMPORTERS, order=60)
nav_item("data_health", "/data/health", "nav.data_health", roles=HEALTH_READERS, order=61)


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
    limits = state.security
    with tempfile.TemporaryDirectory(prefix="cruscotto-upload-") as folder:
        paths = [save(upload, Path(folder) / str(i)) for i, upload in enumerate(files)]
        for path in paths:
            check_upload(path, path.name, limits, write.who.t)
        mapping_path = save(mapping, Path(folder) / "mapping") if has_file(mapping) else None
        try:
            if saved_mapping and mapping_path is None:
                mapping_path = saved_mappings.load(state.warehouse.state_store, saved_mapping)
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
            return {"error": str(exc).replace(folder, "…"), "applied": False}
        except RecursionError:  # an expression thousands of terms deep
            return {"error": write.who.t("error.expression_too_deep"), "applied": False}
    if report.applied:
        forget_answers(request)
    if report.applied or report.rejects:  # new data to learn from, or rejects to alert about
        after_import(request.app, new_data=report.applied)
    answer = report.as_dict()
    # A million rejects would be a 200 MB answer: the first few here, all of them as a CSV
    # kept for an hour for this user.
    answer["rejects_total"] = len(report.rejects)
    answer["rejects"] = answer["rejects"][: limits.rejects_shown]
    answer["rejects_csv"] = rejected_rows(request).keep(report, write.who.user.username)
    return answer


def save(upload: UploadFile, folder: Path) -> Path:
    """The upload written under its own file name, in a folder of its own (two uploads may
    share a name)."""
    folder.mkdir(parents=True)
    target = folder / upload_name(upload.filename)
    with target.open("wb") as out:
        shutil.copyfileobj(upload.file, out)
    return target


def has_file(upload: UploadFile | None) -> bool:
    # A browser sends an empty part with no file name when the mapping input is left empty.
    return upload is not None and bool(upload.filename)


class RejectedRows:
    """The rejects CSV of recent imports, each readable by the user who imported, for
    KEEP_SECONDS (then deleted)."""

    KEEP_SECONDS = 3600

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="cruscotto-rejects-"))
        self.kept: dict[str, tuple[str, float]] = {}  # id -> (username, when)
        self.lock = threading.Lock()

    def keep(self, report: ImportReport, username: str) -> str | None:
        """Keep the CSV of `report`'s rejects; the address to download it from."""
        if not report.rejects:
            return None
        self.forget_old()
        key = secrets.token_urlsafe(16)
        report.write_rejects_csv(self.folder / f"{key}.csv")
        with self.lock:
            self.kept[key] = (username, time.monotonic())
        return f"/api/data/import/rejects/{key}.csv"

    def path(self, key: str, username: str) -> Path | None:
        self.forget_old()
        with self.lock:
            owner = self.kept.get(key)
        return self.folder / f"{key}.csv" if owner and owner[0] == username else None

    def forget_old(self) -> None:
        with self.lock:
            old = [
                k for k, (_, at) in self.kept.items() if time.monotonic() - at > self.KEEP_SECONDS
            ]
            for key in old:
                del self.kept[key]
                (self.folder / f"{key}.csv").unlink(missing_ok=True)


def rejected_rows(request: Request) -> RejectedRows:
    state = request.app.state
    if getattr(state, "rejected_rows", None) is None:
        state.rejected_rows = RejectedRows()
    return state.rejected_rows


@router.get("/api/data/import/rejects/{key}.csv", tags=["data"])
def rejects_download(key: str, request: Request, write: Write = Depends(may("import"))):
    """Every reject of a recent import, as CSV (only for the user who imported, for an hour)."""
    path = rejected_rows(request).path(key, write.who.user.username)
    if path is None:
        raise HTTPException(404, write.who.t("error.rejects_gone"))
    return FileResponse(path, media_type="text/csv; charset=utf-8", filename="rejects.csv")


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
