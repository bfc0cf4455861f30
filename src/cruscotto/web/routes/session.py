"""Logging in and out, the language switch, API tokens and "who am I"."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from cruscotto.audit import record
from cruscotto.web.access import Access, access
from cruscotto.web.auth import (
    bearer_token,
    client_address,
    current_user,
    log_in,
    log_out,
    user_store,
)
from cruscotto.web.csrf import csrf_token
from cruscotto.web.i18n import LANGUAGE_NAMES, LANGUAGES, Translator, negotiate
from cruscotto.web.pages import templates
from cruscotto.web.throttle import Blocked
from cruscotto.web.users import User

router = APIRouter()

LANGUAGE_COOKIE = "cruscotto_language"


class Me(BaseModel):
    username: str
    role: str
    rep_id: str | None
    teams: list[str]
    language: str
    can_see_records: bool
    can_export: bool
    forced_filters: dict[str, list[str]]
    # What a browser session must send back on every change (none with a bearer token).
    csrf_token: str | None = None


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


def _safe_next(target: str | None) -> str:
    # Only local paths: never bounce a user to another site after login.
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _anonymous_language(request: Request) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    company = request.app.state.settings.language  # when the browser asks for none of ours
    return negotiate(request.headers.get("accept-language"), company)


@router.get("/login", include_in_schema=False)
def login_form(request: Request, next: str = "/", error: bool = False):
    if current_user(request) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(request, next, "login.failed" if error else None)


def _login_page(request: Request, next: str, error: str | None, **params: object):
    language = _anonymous_language(request)
    t = Translator(language)
    context = {
        "t": t,
        "next": _safe_next(next),
        "error": t(error, **params) if error else None,
        "language": language,
        "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        "csrf_token": csrf_token(request),
    }
    return templates.TemplateResponse(request, "login.html", context)


def _attempt(request: Request, username: str, password: str) -> User | Blocked | None:
    """The user if the password is right and nobody is throttled; a Blocked when too many
    wrong passwords came for this account or from this address (recorded in the audit
    trail when the block starts)."""
    throttle = request.app.state.login_throttle
    address = client_address(request)
    blocked = throttle.blocked(username, address)
    if blocked is not None:
        return blocked
    user = user_store(request).authenticate(username, password)
    if user is not None:
        throttle.succeeded(username)
        return user
    started = throttle.failed(username, address)
    if started is not None:
        record(
            request.app.state.warehouse,
            username=username[:100],
            action="login.throttled",
            target=f"{started.by} {address if started.by == 'address' else username[:100]}",
            after={"retry_after_seconds": started.retry_after},
            address=address,
        )
    return None


def _too_many(blocked: Blocked) -> dict[str, str]:
    return {"Retry-After": str(blocked.retry_after)}


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
):
    user = _attempt(request, username, password)
    if isinstance(user, Blocked):
        minutes = max(1, round(user.retry_after / 60))
        page = _login_page(request, next, "login.throttled", minutes=minutes)
        page.status_code = 429
        page.headers.update(_too_many(user))
        return page
    if user is None:
        return RedirectResponse(f"/login?error=1&next={quote(_safe_next(next))}", status_code=303)
    response = RedirectResponse(_safe_next(next), status_code=303)
    log_in(request, response, user)
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request):
    response = RedirectResponse("/login", status_code=303)
    log_out(request, response)
    return response


@router.post("/language", include_in_schema=False)
def set_language(
    request: Request, language: Annotated[str, Form()], next: Annotated[str, Form()] = "/"
):
    """Remember the language: on the user when logged in, in a cookie on the login page."""
    if language not in LANGUAGES:
        raise HTTPException(400, f"unknown language {language!r}")
    user = current_user(request)
    if user is not None:
        user_store(request).set_language(user.username, language)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="lax")
    return response


@router.post("/api/token", response_model=Token, tags=["auth"])
def issue_token(
    request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()]
) -> Token:
    """Exchange a user name and password for a bearer token (OAuth2 password style)."""
    store = user_store(request)
    user = _attempt(request, username, password)
    if isinstance(user, Blocked):
        message = f"too many wrong passwords: try again in {user.retry_after} seconds"
        raise HTTPException(429, message, headers=_too_many(user))
    if user is None:
        raise HTTPException(401, "wrong user name or password")
    return Token(access_token=store.issue_token(user.username, name="POST /api/token").token)


@router.get("/api/me", response_model=Me, tags=["auth"])
def me(request: Request, who: Access = Depends(access)) -> Me:
    """The authenticated user, their role and the scope forced on every answer."""
    return Me(
        username=who.user.username,
        role=who.user.role,
        rep_id=who.user.rep_id,
        teams=list(who.user.teams),
        language=who.language,
        can_see_records=who.can_see_records,
        can_export=who.can_export,
        forced_filters=who.forced,
        csrf_token=None if bearer_token(request) else csrf_token(request),
    )
