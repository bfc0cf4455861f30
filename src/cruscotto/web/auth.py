"""Who is asking: a signed session cookie (pages) or a bearer token (API).

`current_user` never fails; `require_user` raises `NotAuthenticated`, which the app turns
into a redirect to /login for a page and a 401 for an /api address. Routes do not call
these directly: they depend on `cruscotto.web.access.access`, which does.
"""

from __future__ import annotations

from fastapi import Request

from cruscotto.web.users import User, UserStore

SESSION_USER = "user"


class NotAuthenticated(Exception):
    """No valid session or token came with the request."""


def user_store(request: Request) -> UserStore:
    return request.app.state.users


def current_user(request: Request) -> User | None:
    store = user_store(request)
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        return store.user_for_token(token.strip())
    username = request.session.get(SESSION_USER)
    # Looked up on every request, so removing a user ends their sessions at once.
    return store.get(username) if username else None


def require_user(request: Request) -> User:
    user = current_user(request)
    if user is None:
        raise NotAuthenticated()
    return user


def client_address(request: Request) -> str | None:
    """The client's IP address; behind a trusted reverse proxy (security.trust_proxy_headers)
    the one the proxy saw, the last entry of X-Forwarded-For (earlier ones the client can
    forge)."""
    if request.app.state.security.trust_proxy_headers:
        forwarded = request.headers.get("x-forwarded-for", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.client.host if request.client else None


def log_in(request: Request, user: User) -> None:
    request.session.clear()
    request.session[SESSION_USER] = user.username


def log_out(request: Request) -> None:
    request.session.clear()
