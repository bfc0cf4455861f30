"""The column mapper: map a file no preset recognises, preview it, save the mapping.

GET  /data/mapper            the upload form and the saved mappings (JSON: /api/data/mapper)
POST /data/mapper/columns    the file's columns, samples and suggested fields (JSON twin)
POST /data/mapper/map        preview the rows as they would land, or save the mapping

The uploaded file waits in a folder of its own under the system's temporary directory,
named by a random token the form carries, until the mapping is saved; nothing is
imported here. Saved mappings live in the database (`cruscotto.ingest.saved_mappings`),
and the import page imports with them (`saved_mapping` of POST /data/import), so every
import goes through the one import door. Who may use it is who may import
(`authorize(who, "import")`, cruscotto.web.permissions).
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse

from cruscotto.ingest import ImportFileError, Settings, saved_mappings
from cruscotto.ingest.parsing import AmbiguousDates, cell_text
from cruscotto.ingest.readers import read_source
from cruscotto.ingest.suggest import profile, suggest
from cruscotto.model import TABLES
from cruscotto.model import table as model_table
from cruscotto.web.access import Access, access
from cruscotto.web.pages import nav_item, page, render
from cruscotto.web.permissions import authorize
from cruscotto.web.routes.data import IMPORTERS, save

router = APIRouter()
nav_item("data_mapper", "/data/mapper", "importing.nav.mapper", roles=IMPORTERS, order=62)
# Every table a file can fill, the ones a CRM export usually holds first.
_MAIN_TABLES = ("opportunities", "leads", "accounts", "reps")
MAPPER_TABLES = _MAIN_TABLES + tuple(t.name for t in TABLES if t.name not in _MAIN_TABLES)
STAGING = Path(tempfile.gettempdir()) / "cruscotto-mapper"
TOKEN = re.compile(r"[0-9a-f]{32}")
PREVIEW_ROWS = 10
SHOWN_REJECTS = 50


class MapperError(Exception):
    """A problem the user can fix, as a message key and its parameters."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key, self.params = key, params


@page(router, "/data/mapper", "data/mapper.html", name="data_mapper", tags=["data"])
def mapper_form(request: Request, who: Access = Depends(access)) -> dict:
    """The tables a file can be mapped to and the mappings saved so far."""
    authorize(who, "import")
    return {
        "tables": list(MAPPER_TABLES),
        "saved": saved_mappings.listing(request.app.state.warehouse.state_store),
    }


def _staged(token: str) -> Path:
    if not TOKEN.fullmatch(token):
        raise MapperError("importing.mapper.error.expired")
    files = (
        [p for p in (STAGING / token).glob("*") if p.is_file()]
        if (STAGING / token).is_dir()
        else []
    )
    if len(files) != 1:
        raise MapperError("importing.mapper.error.expired")
    return files[0]


def column_label(who: Access, table: str, column: str) -> str:
    """What a user reads for a column: the table's own wording where the same name means
    something else elsewhere (a quote's status is not a deal's), else the shared one."""
    own = f"importing.column.{table}.{column}"
    label = who.t(own)
    return label if label != own else who.t(f"importing.column.{column}")


def _fields(table: str, who: Access) -> list[dict]:
    declared = model_table(table)
    return [
        {
            "name": c.name,
            "label": column_label(who, table, c.name),
            "required": not c.nullable and c.name != "currency",
            "type": c.type,
        }
        for c in declared.columns
    ]


def _columns(path: Path, table: str, who: Access) -> dict:
    try:
        source = read_source(path)
    except ImportFileError as exc:
        raise MapperError(
            "importing.mapper.error.unreadable", detail=str(exc).replace(str(path), path.name)
        ) from exc
    profiles = profile(source)
    return {
        "file": path.name,
        "table": table,
        "fields": _fields(table, who),
        "headers": [{"header": p.header, "samples": p.samples, "kind": p.kind} for p in profiles],
        "suggested": suggest(model_table(table), profiles),
    }


def _table(table: str) -> str:
    if table not in MAPPER_TABLES:
        raise HTTPException(400, f"table must be one of {', '.join(MAPPER_TABLES)}")
    return table


def columns_of_upload(
    file: Annotated[UploadFile, File(description="the export to map")],
    table: Annotated[str, Form()],
    who: Access = Depends(access),
) -> dict:
    """Keep the upload aside and describe its columns, with a field suggested for each."""
    authorize(who, "import")
    table = _table(table)
    token = secrets.token_hex(16)
    STAGING.mkdir(parents=True, exist_ok=True)
    path = save(file, STAGING / token)
    try:
        return {"token": token, **_columns(path, table, who)}
    except MapperError as exc:
        shutil.rmtree(STAGING / token, ignore_errors=True)
        return {"error": who.t(exc.key, **exc.params)}


async def _choices(request: Request) -> dict[str, str]:
    form = await request.form()
    return {
        k.removeprefix("field."): str(v) for k, v in form.multi_items() if k.startswith("field.")
    }


def map_columns(
    request: Request,
    token: Annotated[str, Form()],
    table: Annotated[str, Form()],
    action: Annotated[str, Form()] = "preview",
    name: Annotated[str, Form()] = "",
    date_order: Annotated[str, Form()] = "",
    choices: dict[str, str] = Depends(_choices),
    who: Access = Depends(access),
) -> dict:
    """Preview the file with the chosen fields (`field.<column>` = header), or save it."""
    authorize(who, "import")
    table = _table(table)
    try:
        path = _staged(token)
        result = {"token": token, **_columns(path, table, who)}
        result["suggested"] = {f["name"]: choices.get(f["name"]) or None for f in result["fields"]}
        result["date_order"] = date_order if date_order in ("DMY", "MDY") else ""
        missing = [
            f["label"]
            for f in result["fields"]
            if f["required"] and not result["suggested"][f["name"]]
        ]
        if missing:
            raise MapperError("importing.mapper.error.required", fields=", ".join(missing))
        mapping = saved_mappings.build(
            name or "preview", table, choices, result["date_order"] or None
        )
        state = request.app.state
        company = Settings(timezone=state.settings.timezone, currency=state.settings.base_currency)
        try:
            landed, rejects, _ = saved_mappings.preview(
                state.warehouse, read_source(path), mapping, company, PREVIEW_ROWS
            )
        except ImportFileError as exc:
            cause = exc.__cause__
            if isinstance(cause, AmbiguousDates):
                column = str(exc).split("column ", 1)[-1].split(" (", 1)[0].strip("'")
                raise MapperError(
                    "importing.mapper.error.dates",
                    column=column,
                    examples=", ".join(cause.examples),
                ) from exc
            raise MapperError(
                "importing.mapper.error.unreadable", detail=str(exc).replace(str(path), path.name)
            ) from exc
        result["preview"] = {
            "columns": list(mapping.columns),
            "labels": [column_label(who, table, c) for c in mapping.columns],
            "rows": [
                [cell_text(v) if v is not None else "" for v in row]
                for row in landed[list(mapping.columns)].itertuples(index=False)
            ],
        }
        result["rejects"] = [r.__dict__ | {"file": path.name} for r in rejects[:SHOWN_REJECTS]]
        result["rejected"] = len({r.row for r in rejects})
        if action == "save":
            if not saved_mappings.NAME.fullmatch(name.strip()):
                raise MapperError("importing.mapper.error.name")
            mapping = saved_mappings.build(
                name.strip(), table, choices, result["date_order"] or None
            )
            address = request.client.host if request.client else None
            saved_mappings.save(state.warehouse.state_store, mapping, who.user.username, address)
            result["saved"] = mapping.name
        return result
    except MapperError as exc:
        return {
            "token": token,
            "table": table,
            "error": who.t(exc.key, **exc.params),
            **_partial(token, table, who, choices, date_order),
        }


def _partial(token: str, table: str, who: Access, choices: dict[str, str], date_order: str) -> dict:
    """What the form needs to show again after an error (nothing when the file is gone)."""
    try:
        described = _columns(_staged(token), table, who)
    except MapperError:
        return {}
    described["suggested"] = {
        f["name"]: choices.get(f["name"]) or None for f in described["fields"]
    }
    described["date_order"] = date_order if date_order in ("DMY", "MDY") else ""
    return described


def _api(step):
    """The JSON twin of a step: its result, or 400 with the reason in the user's language."""

    def answer(result: dict = Depends(step)) -> dict:
        if "error" in result:
            raise HTTPException(400, result["error"])
        return result

    answer.__doc__ = step.__doc__
    return answer


def _page(step):
    """The HTML of a step: the mapper page with the step's result (400 on an error)."""

    def show(
        request: Request,
        result: dict = Depends(step),
        form: dict = Depends(mapper_form),
        who: Access = Depends(access),
    ):
        response = render(request, "data/mapper.html", who, form, result=result)
        response.status_code = 400 if "error" in result else 200
        return response

    return show


for _path, _step in (("columns", columns_of_upload), ("map", map_columns)):
    router.add_api_route(
        f"/api/data/mapper/{_path}",
        _api(_step),
        methods=["POST"],
        tags=["data"],
        name=f"data_mapper_{_path}",
    )
    router.add_api_route(
        f"/data/mapper/{_path}",
        _page(_step),
        methods=["POST"],
        response_class=HTMLResponse,
        include_in_schema=False,
        name=f"data_mapper_{_path}_page",
    )
