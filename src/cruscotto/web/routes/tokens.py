"""Your own API tokens in the browser: list, create (shown once), revoke.

GET  /tokens                          your tokens             · GET /api/tokens
POST /tokens                          create one (form): the page shows it once
POST /api/tokens                      create one (JSON: name, expires) → with `token`
POST /tokens/{token_id}/revoke        revoke one of yours (form) · POST /api/tokens/{id}/revoke

Every user manages their own tokens (a token reads exactly what its user reads, as
`POST /api/token` with the password already gives); admins manage everyone's with
`cruscotto user token/tokens/revoke`. Creating and revoking go through `UserAdmin` (the
one place tokens are issued, each change audited as `token.issue` / `token.revoke`).
A token cannot mint tokens: creating one needs a browser session, so a leaked token
cannot make itself a longer-lived successor.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from cruscotto.web.access import Access, access
from cruscotto.web.auth import bearer_token, client_address
from cruscotto.web.pages import page, render
from cruscotto.web.user_admin import UserAdmin
from cruscotto.web.users import UserError

router = APIRouter()
# The lifetimes offered on the page (the CLI takes any, e.g. 12h or 4w).
EXPIRIES = ("30d", "90d", "1y", "never")
DEFAULT_EXPIRY = "90d"
MAX_NAME = 80


def own_admin(request: Request, who: Access) -> UserAdmin:
    """Token changes made by the user on their own account, audited under their name."""
    return UserAdmin(request.app.state.users, who.user.username, client_address(request))


@page(router, "/tokens", "tokens.html", name="tokens", tags=["auth"])
def tokens_view(request: Request, who: Access = Depends(access)) -> dict:
    """Your API tokens, newest first (never the tokens themselves), and the lifetimes
    a new one may have."""
    tokens = own_admin(request, who).tokens(who.user.username)
    return {"tokens": tokens, "expiries": list(EXPIRIES), "issued": None}


@router.post("/api/tokens", tags=["auth"])
def create_token_api(
    request: Request,
    name: Annotated[str, Body(max_length=MAX_NAME)] = "",
    expires: Annotated[str, Body()] = DEFAULT_EXPIRY,
    who: Access = Depends(access),
) -> dict:
    """A new token for yourself; `token` is in this answer only (keep it)."""
    if bearer_token(request) is not None:
        raise HTTPException(403, who.t("tokens.session_only"))
    if expires not in EXPIRIES:
        raise HTTPException(400, who.t("tokens.bad_expiry", choices=", ".join(EXPIRIES)))
    try:
        return own_admin(request, who).token(who.user.username, name.strip(), expires)
    except UserError as exc:
        raise HTTPException(400, who.t.refusal(exc)) from None


@router.post("/tokens", include_in_schema=False, response_class=HTMLResponse)
def create_token_form(
    request: Request,
    name: Annotated[str, Form(max_length=MAX_NAME)] = "",
    expires: Annotated[str, Form()] = DEFAULT_EXPIRY,
    who: Access = Depends(access),
):
    # The token is shown on this answer only: rendered here, not after a redirect.
    issued = create_token_api(request, name, expires, who)
    data = tokens_view(request, who) | {"issued": issued}
    return render(request, "tokens.html", who, data)


@router.post("/api/tokens/{token_id}/revoke", tags=["auth"])
def revoke_token_api(request: Request, token_id: str, who: Access = Depends(access)) -> dict:
    """Revoke one of your tokens (it stops working at once); another user's is 404."""
    admin = own_admin(request, who)
    if token_id not in {t["token_id"] for t in admin.tokens(who.user.username)}:
        raise HTTPException(404, who.t("tokens.unknown", token=token_id))
    return admin.revoke(token_id)


@router.post("/tokens/{token_id}/revoke", include_in_schema=False)
def revoke_token_form(request: Request, token_id: str, who: Access = Depends(access)):
    revoke_token_api(request, token_id, who)
    return RedirectResponse(f"/tokens?revoked={token_id}", status_code=303)
