"""Settings and people in the browser (admin): company settings, KPI targets, users, and
the audit trail of every change.

GET  /admin/settings                 company settings and targets · GET /api/admin/settings
POST /admin/settings                 change company settings (form) · POST /api/admin/settings
POST /admin/targets                  change one KPI's target (form) · POST /api/admin/targets
GET  /admin/users                    users, roles, teams          · GET /api/admin/users
POST /admin/users                    add a user (form)            · POST /api/admin/users
POST /admin/users/{name}             change role, rep, teams (form)
POST /admin/users/{name}/remove      remove a user (form)
GET  /admin/audit                    who changed what, when, old → new · GET /api/admin/audit

Every write goes through the one permission check (`cruscotto.web.permissions.may`) and
the one writer of its kind, which records it in the audit trail: company settings through
`cruscotto.settings.save_company_setting`, targets through
`cruscotto.catalog.targets.save_target`, users through `UserAdmin`. A change of settings or
targets takes effect at once: the app's engine is rebuilt with them.
"""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from cruscotto import audit
from cruscotto.catalog.benchmarks import benchmark_templates
from cruscotto.catalog.loader import CatalogError
from cruscotto.catalog.targets import save_target
from cruscotto.engine import Engine
from cruscotto.settings import CompanySettings, SettingsError, save_company_setting
from cruscotto.web.access import Access, access
from cruscotto.web.auth import client_address
from cruscotto.web.kpis import engine, forget_engine
from cruscotto.web.pages import nav_item, page
from cruscotto.web.permissions import Write, authorize, may
from cruscotto.web.storage import LANGUAGES, ROLES
from cruscotto.web.user_admin import UserAdmin
from cruscotto.web.users import UserError
from cruscotto.web.values import words

router = APIRouter()
nav_item("admin", "/admin/settings", "admin.nav", roles=("admin",), order=70)

# The company settings the page edits, in the order shown.
SETTINGS = (
    "name",
    "language",
    "base_currency",
    "timezone",
    "fiscal_year_start_month",
    "customer_window_months",
    "net_new_window_months",
    "benchmark_template",
)
AUDIT_SHOWN = 200


# -- company settings and targets ---------------------------------------------------------


@page(router, "/admin/settings", "admin/settings.html", name="admin_settings", tags=["admin"])
def settings_view(
    request: Request, who: Access = Depends(access), kpis: Engine = Depends(engine)
) -> dict:
    """The company settings in force and every KPI's target (the catalog's or the company's)."""
    authorize(who, "settings.change")  # the page of who may change them
    settings: CompanySettings = request.app.state.settings
    return {
        "settings": {key: getattr(settings, key) for key in SETTINGS},
        "benchmark_templates": [[name, template_name(name, who)] for name in benchmark_templates()],
        "targets": sorted(
            (
                {
                    "id": d.id,
                    "name": who.t.pick(d.name),
                    "unit": d.unit,
                    "direction": d.direction,
                    "target": d.target,
                }
                for d in kpis.catalog.all()
            ),
            key=lambda k: k["name"].lower(),
        ),
    }


def template_name(name: str, who: Access) -> str:
    key = f"benchmark_template.{name}"
    said = who.t(key)
    return said if said != key else words(name)


def change_settings(request: Request, write: Write, changes: dict[str, Any]) -> dict:
    """Save each changed setting (checked, audited); 400 naming the first bad one."""
    state = request.app.state
    unknown = set(changes) - set(SETTINGS)
    if unknown:
        raise HTTPException(400, write.who.t("admin.unknown_setting", setting=", ".join(unknown)))
    changed = {}
    for key in SETTINGS:
        if key not in changes or str(changes[key]) == str(getattr(state.settings, key)):
            continue  # a form sends every field: only what differs is a change
        try:
            before, state.settings = save_company_setting(
                key,
                changes[key],
                state.config_path,
                warehouse=state.warehouse,
                username=write.who.user.username,
                address=write.address,
            )
        except (SettingsError, ValueError) as exc:
            name = write.who.t(f"setting.{key}")
            raise HTTPException(
                400, write.who.t("admin.bad_setting", setting=name, reason=exc)
            ) from None
        changed[key] = {"before": before, "after": getattr(state.settings, key)}
    if changed:
        forget_engine(request)
    return changed


@router.post("/api/admin/settings", tags=["admin"])
def settings_api(
    request: Request,
    changes: Annotated[dict[str, Any], Body()],
    write: Write = Depends(may("settings.change")),
) -> dict:
    """Change company settings: `{"fiscal_year_start_month": 4, …}`; returns before → after."""
    return change_settings(request, write, changes)


@router.post("/admin/settings", include_in_schema=False)
async def settings_form(request: Request, write: Write = Depends(may("settings.change"))):
    form = await request.form()
    changes = {k: str(v).strip() for k, v in form.items() if k in SETTINGS}
    changed = await run_in_threadpool(change_settings, request, write, changes)
    return RedirectResponse(f"/admin/settings?saved={len(changed)}", status_code=303)


def change_target(request: Request, write: Write, kpi_id: str, target: str | float | None):
    """Set one KPI's target (empty: back to the catalog's default), checked and audited.
    A target holds for the whole company, so the scope check leaves it to the admin."""
    write.require_scope(None, None)
    state = request.app.state
    try:
        value = None if target in (None, "") else float(str(target).replace(",", "."))
        before, after = save_target(
            kpi_id,
            value,
            state.config_path,
            warehouse=state.warehouse,
            username=write.who.user.username,
            address=write.address,
        )
    except (CatalogError, ValueError) as exc:
        raise HTTPException(400, write.who.t("admin.bad_target", kpi=kpi_id, reason=exc)) from None
    forget_engine(request)
    return {"kpi": kpi_id, "before": before, "after": after}


@router.post("/api/admin/targets", tags=["admin"])
def target_api(
    request: Request,
    kpi: Annotated[str, Body()],
    target: Annotated[float | None, Body()] = None,
    write: Write = Depends(may("targets.set")),
) -> dict:
    """Set a KPI's target (rates as fractions: 0.25 for 25%); null restores the default."""
    return change_target(request, write, kpi, target)


@router.post("/admin/targets", include_in_schema=False)
def target_form(
    request: Request,
    kpi: Annotated[str, Form()],
    target: Annotated[str, Form()] = "",
    write: Write = Depends(may("targets.set")),
):
    """The form takes rates in percent, as the page shows them (25 for 25%)."""
    definition = engine(request).catalog.get(kpi) if kpi else None
    value: Any = target.strip()
    if value and definition is not None and definition.unit == "percent":
        with contextlib.suppress(ValueError):  # change_target says what is wrong with it
            value = float(value.replace(",", ".")) / 100
    change_target(request, write, kpi, value)
    return RedirectResponse(f"/admin/settings?target={kpi}#targets", status_code=303)


# -- users --------------------------------------------------------------------------------


def user_admin(request: Request, write: Write) -> UserAdmin:
    return UserAdmin(request.app.state.users, write.who.user.username, write.address)


@page(router, "/admin/users", "admin/users.html", name="admin_users", tags=["admin"])
def users_view(
    request: Request, who: Access = Depends(access), kpis: Engine = Depends(engine)
) -> dict:
    """The users, their roles, scopes and languages; what a user can be given."""
    authorize(who, "users.manage")
    admin = UserAdmin(request.app.state.users, who.user.username, client_address(request))
    return {
        "users": admin.list(),
        "roles": list(ROLES),
        "languages": list(LANGUAGES),
        "reps": [list(pair) for pair in kpis.dimension_values("rep")],
        "teams": [value for value, _ in kpis.dimension_values("team")],
        "company_language": request.app.state.settings.language,
    }


def _scope(role: str, rep_id: str, teams: list[str]) -> dict:
    return {"rep_id": rep_id or None, "teams": [t for t in teams if t]}


@router.post("/api/admin/users", tags=["admin"])
def add_user_api(
    request: Request,
    username: Annotated[str, Body()],
    password: Annotated[str, Body()],
    role: Annotated[str, Body()],
    rep_id: Annotated[str, Body()] = "",
    teams: Annotated[list[str], Body()] = [],  # noqa: B006 - FastAPI copies defaults
    language: Annotated[str, Body()] = "",
    write: Write = Depends(may("users.manage")),
) -> dict:
    """Add a user (audited); without a language they start in the company's."""
    language = language or request.app.state.settings.language
    try:
        return user_admin(request, write).add(
            username, password, role, language=language, **_scope(role, rep_id, teams)
        )
    except UserError as exc:
        raise HTTPException(400, write.who.t.refusal(exc)) from None


@router.post("/admin/users", include_in_schema=False)
def add_user_form(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    role: Annotated[str, Form()],
    rep_id: Annotated[str, Form()] = "",
    teams: Annotated[list[str], Form()] = [],  # noqa: B006
    language: Annotated[str, Form()] = "",
    write: Write = Depends(may("users.manage")),
):
    add_user_api(request, username, password, role, rep_id, teams, language, write)
    return RedirectResponse(f"/admin/users?added={username}", status_code=303)


@router.post("/api/admin/users/{name}", tags=["admin"])
def change_user_api(
    request: Request,
    name: str,
    role: Annotated[str, Body()],
    rep_id: Annotated[str, Body()] = "",
    teams: Annotated[list[str], Body()] = [],  # noqa: B006
    write: Write = Depends(may("users.manage")),
) -> dict:
    """Change a user's role and scope (rep for a rep, teams for a manager); audited."""
    if name == write.who.user.username and role != "admin":
        raise HTTPException(400, write.who.t("admin.keep_own_admin"))
    try:
        return user_admin(request, write).change(name, role, **_scope(role, rep_id, teams))
    except UserError as exc:
        raise HTTPException(400, write.who.t.refusal(exc)) from None


@router.post("/admin/users/{name}", include_in_schema=False)
def change_user_form(
    request: Request,
    name: str,
    role: Annotated[str, Form()],
    rep_id: Annotated[str, Form()] = "",
    teams: Annotated[list[str], Form()] = [],  # noqa: B006
    write: Write = Depends(may("users.manage")),
):
    change_user_api(request, name, role, rep_id, teams, write)
    return RedirectResponse(f"/admin/users?changed={name}", status_code=303)


@router.post("/admin/users/{name}/remove", include_in_schema=False)
def remove_user_form(request: Request, name: str, write: Write = Depends(may("users.manage"))):
    if name == write.who.user.username:
        raise HTTPException(400, write.who.t("admin.keep_own_admin"))
    try:
        user_admin(request, write).remove(name)
    except UserError as exc:
        raise HTTPException(400, write.who.t.refusal(exc)) from None
    return RedirectResponse(f"/admin/users?removed={name}", status_code=303)


# -- audit trail --------------------------------------------------------------------------


@page(router, "/admin/audit", "admin/audit.html", name="admin_audit", tags=["admin"])
def audit_view(request: Request, who: Access = Depends(access)) -> dict:
    """The latest changes, newest first: when, who, from where, what, before → after."""
    authorize(who, "settings.change")  # the page of who may change them
    return {
        "entries": [
            {
                "at": entry.at,
                "username": entry.username,
                "address": entry.address,
                "action": entry.action,
                "target": entry.target,
                "before": entry.before,
                "after": entry.after,
            }
            for entry in audit.entries(request.app.state.warehouse, limit=AUDIT_SHOWN)
        ]
    }
