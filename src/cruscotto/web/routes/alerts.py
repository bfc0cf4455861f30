"""The alert inbox and the alert rules: pages, JSON twins, and the writes.

GET  /alerts                       the user's inbox        · GET /api/alerts
POST /alerts/{id}/{action}         read, acknowledge, snooze · POST /api/alerts/{id}/{action}
POST /alerts/email                 set one's own e-mail address · POST /api/alerts/email
POST /alerts/digests               choose one's own digests · POST /api/alerts/digests
GET  /alerts/rules                 the rules (admin, manager) · GET /api/alerts/rules
POST /alerts/rules                 add a rule (form)       · POST /api/alerts/rules (JSON)
POST /alerts/rules/{id}/remove     remove (form)           · DELETE /api/alerts/rules/{id}

Everyone has an inbox holding only what lies in their scope (see alerts.evaluate).
Rules are written by admins, and by managers within their own teams: a manager's rule
is kept `within` their teams, and its scope may name only their teams or their reps.
Every write goes through `RuleStore` (validated, audited) or `UserStore.set_email`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from cruscotto.alerts import store
from cruscotto.alerts.rules import (
    GOAL_KINDS,
    GRAINS,
    KINDS,
    KPI_KINDS,
    PARAMETERS,
    SEVERITIES,
    Rule,
    RuleError,
    validate,
)
from cruscotto.engine import Engine
from cruscotto.goals import rep_team
from cruscotto.web import digests
from cruscotto.web.access import Access, access
from cruscotto.web.alert_texts import describe
from cruscotto.web.alerting import rule_store
from cruscotto.web.kpis import engine
from cruscotto.web.pages import nav_item, page, templates
from cruscotto.web.permissions import authorize, authorize_scope
from cruscotto.web.user_admin import UserAdmin
from cruscotto.web.users import UserError
from cruscotto.web.values import ValueText

router = APIRouter()
nav_item("alerts", "/alerts", "alerts.title", order=40)
SNOOZE_DAYS = (1, 7)


def unread_alerts(request: Request, who: Access) -> int:
    """The unread count beside the menu entry (never an error on a page)."""
    try:
        return store.unread_count(request.app.state.warehouse.state_store, who.user.username)
    except Exception:  # a page must render even if the alert tables cannot be read
        return 0


templates.env.globals["unread_alerts"] = unread_alerts


# -- inbox --------------------------------------------------------------------------------


@page(router, "/alerts", "alerts/inbox.html", name="alerts", tags=["alerts"])
def inbox_view(
    request: Request, who: Access = Depends(access), kpis: Engine = Depends(engine)
) -> dict:
    """The user's alerts, newest first: the sentence in their language, the numbers that
    made it fire, the link to the page that shows them, read / acknowledged / snoozed."""
    entries = store.inbox(request.app.state.warehouse.state_store, who.user.username)
    return {
        "unread": sum(1 for e in entries if not e.read and e.snoozed_until is None),
        "email": who.user.email,
        "digests": sorted(
            f
            for u, f in digests.subscriptions(request.app.state.warehouse.state_store)
            if u == who.user.username
        ),
        "digest_frequencies": list(digests.FREQUENCIES),
        "snooze_days": SNOOZE_DAYS,
        "alerts": [
            {
                **e.to_dict(),
                "text": describe(e.firing, who.fmt, kpis.catalog),
                "when": _when(e.firing.fired_at, who, kpis),
                "snoozed_until_text": _when(e.snoozed_until, who, kpis)
                if e.snoozed_until
                else None,
            }
            for e in entries
        ],
    }


def _when(at: dt.datetime, who: Access, kpis: Engine) -> str:
    """A stored UTC instant in the company's time zone and the reader's format."""
    local = at.replace(tzinfo=dt.UTC).astimezone(kpis.settings.tz)
    return who.fmt.when(local.replace(tzinfo=None))


def _mark(request: Request, who: Access, firing_id: str, action: str, days: int | None) -> dict:
    if action not in store.MARKS:
        raise HTTPException(404, who.t("alerts.none"))
    until = None
    if action == "snooze":
        if days not in SNOOZE_DAYS:
            raise HTTPException(400, f"snooze for one of {SNOOZE_DAYS} days")
        until = store.utc_now() + dt.timedelta(days=days)
    try:
        firing = store.mark(
            request.app.state.warehouse.state_store,
            who.user.username,
            firing_id,
            action,
            until=until,
        )
    except LookupError:
        raise HTTPException(404, who.t("alerts.none")) from None
    return {"id": firing.firing_id, "action": action, "until": until.isoformat() if until else None}


@router.post("/api/alerts/{firing_id}/{action}", tags=["alerts"])
def mark_api(
    request: Request,
    firing_id: str,
    action: str,
    days: int | None = None,
    who: Access = Depends(access),
) -> dict:
    """Mark one of your alerts: `read`, `acknowledge` (no reminders until it clears) or
    `snooze?days=1|7` (no reminders until then)."""
    return _mark(request, who, firing_id, action, days)


@router.post("/alerts/{firing_id}/{action}", include_in_schema=False)
def mark_form(
    request: Request,
    firing_id: str,
    action: str,
    days: Annotated[int | None, Form()] = None,
    who: Access = Depends(access),
):
    _mark(request, who, firing_id, action, days)
    return RedirectResponse("/alerts", status_code=303)


def _set_email(request: Request, who: Access, email: str) -> dict:
    admin = UserAdmin(
        request.app.state.users, who.user.username, request.client.host if request.client else None
    )
    try:
        admin.email(who.user.username, email)
    except UserError as exc:
        raise HTTPException(400, who.t.refusal(exc)) from None
    return {"email": email or None}


@router.post("/api/alerts/email", tags=["alerts"])
def email_api(
    request: Request, email: Annotated[str, Body(embed=True)], who: Access = Depends(access)
) -> dict:
    """Set (or with "" remove) the address your alerts and digests go to."""
    return _set_email(request, who, email)


@router.post("/alerts/email", include_in_schema=False)
def email_form(request: Request, email: Annotated[str, Form()] = "", who: Access = Depends(access)):
    _set_email(request, who, email)
    return RedirectResponse("/alerts", status_code=303)


def _set_digests(request: Request, who: Access, frequencies: list[str]) -> dict:
    address = request.client.host if request.client else None
    try:
        digests.subscribe(
            request.app.state.warehouse.state_store,
            who.user.username,
            frequencies,
            actor=who.user.username,
            address=address,
        )
    except digests.DigestError as exc:
        raise HTTPException(400, str(exc)) from None
    return {"digests": sorted(set(frequencies))}


@router.post("/api/alerts/digests", tags=["alerts"])
def digests_api(
    request: Request,
    frequencies: Annotated[list[str], Body(embed=True)],
    who: Access = Depends(access),
) -> dict:
    """Choose your digests: any of daily, weekly, monthly ([] stops them)."""
    return _set_digests(request, who, frequencies)


@router.post("/alerts/digests", include_in_schema=False)
async def digests_form(request: Request, who: Access = Depends(access)):
    form = await request.form()
    frequencies = [str(f) for f in form.getlist("frequency")]
    await run_in_threadpool(_set_digests, request, who, frequencies)
    return RedirectResponse("/alerts", status_code=303)


# -- rules --------------------------------------------------------------------------------


def _mine(rule: Rule, who: Access) -> bool:
    """A manager's rules are the ones kept within (some of) their teams."""
    if who.user.role == "admin":
        return True
    teams = rule.within.get("team")
    return bool(teams) and set(teams) <= set(who.user.teams)


@page(router, "/alerts/rules", "alerts/rules.html", name="alert_rules", tags=["alerts"])
def rules_view(who: Access = Depends(access), kpis: Engine = Depends(engine)) -> dict:
    """The rules this user may manage, and what a new rule can be made of."""
    authorize(who, "alerts.manage")
    rules = [r for r in rule_store(kpis).list() if _mine(r, who)]
    return {
        "rules": [r.to_dict() | {"scope_text": _scope_text(r, who, kpis)} for r in rules],
        "scopes": _scope_choices(who, kpis),
        "kinds": list(KINDS),
        "kpi_kinds": [*KPI_KINDS, *GOAL_KINDS],
        "severities": list(SEVERITIES),
        "grains": list(GRAINS),
        "parameters": {k: {p: d for p, (d, _) in v.items()} for k, v in PARAMETERS.items()},
        "kpis": sorted(
            (
                {"id": d.id, "name": d.text("name", who.language)}
                for d in who.visible(kpis.catalog.all())
            ),
            key=lambda k: k["name"].lower(),
        ),
    }


# The fan-outs the form offers (a KPI rule may also fan out over its other dimensions
# through the JSON API; the form keeps to the ones every manager thinks in).
FORM_FAN_OUTS = ("rep", "team", "channel")


def _scope_choices(who: Access, kpis: Engine) -> list[dict[str, str]]:
    """What a new rule can watch, as (value, label) pairs with names: the company (a
    manager's: their teams), each rep / team / channel, one team, one rep."""
    company = "alerts.scope.my_teams" if who.user.role == "manager" else "alerts.scope.company"
    choices = [{"value": "company", "label": who.t(company)}]
    choices += [
        {
            "value": f"each:{d}",
            "label": who.t("alerts.scope.each", dimension=who.t(f"dimension.{d}")),
        }
        for d in FORM_FAN_OUTS
    ]
    teams = who.user.teams if who.user.role == "manager" else None
    people = who.people(kpis)
    labels = ValueText(who.language)
    for dimension, allowed in (("team", teams), ("rep", people)):
        for value, name in kpis.dimension_values(dimension):
            if allowed is None or value in allowed:
                label = labels.dimension(dimension, name)
                choices.append({"value": f"{dimension}:{value}", "label": label})
    return choices


def _scope_text(rule: Rule, who: Access, kpis: Engine) -> str:
    """What a rule watches, in words: the company, each rep, or one rep by name."""
    if rule.scope == "company":
        return who.t("alerts.scope.my_teams" if rule.within else "alerts.scope.company")
    if rule.fan_out:
        return who.t("alerts.scope.each", dimension=who.t(f"dimension.{rule.fan_out}"))
    dimension, value = rule.scope.split(":", 1)
    named = dict(kpis.dimension_values(dimension)).get(value, value)
    return ValueText(who.language).dimension(dimension, named)


def _save_rule(
    request: Request, who: Access, kpis: Engine, data: dict[str, Any], rule_id: str | None = None
) -> Rule:
    """Add a rule, or change the fields `data` names of rule `rule_id` (the rest kept)."""
    authorize(who, "alerts.manage")
    data = {k: v for k, v in data.items() if k not in ("rule_id", "created_by", "within")}
    if rule_id is not None:
        before = _own_rule(who, kpis, rule_id).to_dict()
        data = before | data | {"within": before["within"]}
    try:
        # Checked before the team bound below reads its scope (a form or JSON sends anything).
        rule = validate(Rule.from_dict(data), kpis.catalog)
    except RuleError as exc:
        raise HTTPException(400, who.refused(exc, kpis.catalog)) from None
    except (ValueError, TypeError) as exc:
        raise HTTPException(400, str(exc)) from None
    if who.user.role == "manager":
        rule = _within_teams(rule, who, kpis)
    try:
        return rule_store(kpis).save(
            rule,
            username=who.user.username,
            address=request.client.host if request.client else None,
        )
    except RuleError as exc:
        raise HTTPException(400, who.refused(exc, kpis.catalog)) from None


def _own_rule(who: Access, kpis: Engine, rule_id: str) -> Rule:
    """Rule `rule_id` if this user may manage it: 404 if there is none, 403 if not theirs."""
    try:
        rule = rule_store(kpis).get(rule_id)
    except RuleError:
        raise HTTPException(404, who.t("alerts.rules.none")) from None
    if not _mine(rule, who):
        raise HTTPException(403, who.t("error.out_of_scope", dimension="team"))
    return rule


def _within_teams(rule: Rule, who: Access, kpis: Engine) -> Rule:
    """A manager's rule, kept within their teams; a team or rep scope beyond them is
    refused (403) by the one write check, cruscotto.web.permissions."""
    kind, _, value = rule.scope.partition(":")
    if kind in ("team", "rep"):
        team = rep_team(kpis, value) if kind == "rep" else None
        authorize_scope(who, "alerts.manage", kind, value, rep_team=team)
    if rule.kpi and "team" not in kpis.catalog.get(rule.kpi).dimensions:
        raise HTTPException(403, who.t("error.kpi_not_visible", kpi=rule.kpi))
    return replace(rule, within={"team": list(who.user.teams)})


@router.post("/api/alerts/rules", tags=["alerts"], status_code=201)
def add_rule_api(
    request: Request,
    rule: Annotated[dict, Body()],
    who: Access = Depends(access),
    kpis: Engine = Depends(engine),
) -> dict:
    """Add a rule: {"name", "kind", "kpi", "scope", "grain", "params", "recipients",
    "severity", "reminder_hours", "enabled"} (see docs/alerts.md); 400 names the bad field."""
    return _save_rule(request, who, kpis, rule).to_dict()


@router.post("/alerts/rules", include_in_schema=False)
async def add_rule_form(
    request: Request, who: Access = Depends(access), kpis: Engine = Depends(engine)
):
    form = await request.form()
    kind = form.get("kind", "")
    params = {
        name: form.get(f"param_{name}")
        for name in PARAMETERS.get(kind, {})
        if form.get(f"param_{name}") not in (None, "")
    }
    data = {
        "name": form.get("name", ""),
        "kind": kind,
        "kpi": form.get("kpi") or None,
        "scope": form.get("scope") or "company",
        "grain": form.get("grain") or "month",
        "params": params,
        "recipients": form.get("recipients", ""),
        "severity": form.get("severity") or "warning",
        "reminder_hours": _whole_number(form.get("reminder_hours"), who),
    }
    await run_in_threadpool(_save_rule, request, who, kpis, data)
    return RedirectResponse("/alerts/rules?saved=1", status_code=303)


def _whole_number(text: str | None, who: Access) -> int | None:
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise HTTPException(400, who.t("refusal.whole_hours", value=text)) from None


def _remove_rule(request: Request, who: Access, kpis: Engine, rule_id: str) -> None:
    authorize(who, "alerts.manage")
    _own_rule(who, kpis, rule_id)
    rule_store(kpis).remove(
        rule_id, username=who.user.username, address=request.client.host if request.client else None
    )


@router.patch("/api/alerts/rules/{rule_id}", tags=["alerts"])
def change_rule_api(
    request: Request,
    rule_id: str,
    changes: Annotated[dict, Body()],
    who: Access = Depends(access),
    kpis: Engine = Depends(engine),
) -> dict:
    """Change some fields of a rule, e.g. {"enabled": false} to pause it or {"params":
    {...}} for new thresholds; the fields not sent are kept. 400 names a bad field."""
    return _save_rule(request, who, kpis, changes, rule_id=rule_id).to_dict()


@router.post("/alerts/rules/{rule_id}/pause", include_in_schema=False)
def pause_rule_form(
    request: Request, rule_id: str, who: Access = Depends(access), kpis: Engine = Depends(engine)
):
    """Pause a running rule, or resume a paused one (a paused rule is kept, not evaluated)."""
    authorize(who, "alerts.manage")
    enabled = _own_rule(who, kpis, rule_id).enabled
    _save_rule(request, who, kpis, {"enabled": not enabled}, rule_id=rule_id)
    return RedirectResponse("/alerts/rules?saved=1", status_code=303)


@router.delete("/api/alerts/rules/{rule_id}", tags=["alerts"], status_code=204)
def remove_rule_api(
    request: Request, rule_id: str, who: Access = Depends(access), kpis: Engine = Depends(engine)
) -> None:
    _remove_rule(request, who, kpis, rule_id)


@router.post("/alerts/rules/{rule_id}/remove", include_in_schema=False)
def remove_rule_form(
    request: Request, rule_id: str, who: Access = Depends(access), kpis: Engine = Depends(engine)
):
    _remove_rule(request, who, kpis, rule_id)
    return RedirectResponse("/alerts/rules", status_code=303)
