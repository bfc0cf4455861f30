"""Who is asking: a server-side session (pages) or a bearer token (API).

`current_user` never fails; `require_user` raises `NotAuthenticated`, which the app turns
into a redirect to /login for a page and a 401 for an /api address. Routes do not call
these directly: they depend on `cruscotto.web.access.access`, which does.

The session cookie holds only a random id (cruscotto.web.sessions keeps the session);
it is HttpOnly, SameSite=Lax, and Secure whenever the site is served over HTTPS — seen
directly, or from a reverse proxy's X-Forwarded-Proto when `security.trust_proxy_headers`
is set.
"""

from __future__ import annotations

from fastapi import Request, Response

from cruscotto.web.sessions import Session, SessionStore
from cruscotto.web.users import User, UserStore

SESSION_COOKIE = "cruscotto_session"


class NotAuthenticated(Exception):
    """No valid session or token came with the request."""


def user_store(request: Request) -> UserStore:
    return request.app.state.users


def session_store(request: Request) -> SessionStore:
    return request.app.state.sessions


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def current_session(request: Request) -> Session | None:
    """The request's live session (None with a bearer token, or no/ended session)."""
    if bearer_token(request) is not None:
        return None
    if "cruscotto_session_checked" not in request.scope:
        cookie = request.cookies.get(SESSION_COOKIE)
        request.scope["cruscotto_session_checked"] = session_store(request).get(cookie)
    return request.scope["cruscotto_session_checked"]


def current_user(request: Request) -> User | None:
    store = user_store(request)
    token = bearer_token(request)
    if token is not None:
        return store.user_for_token(token)
    session = current_session(request)
    # The user is looked up on every request, so removing a user ends their sessions at once.
    return store.get(session.username) if session else None


def require_user(request: Request) -> User:
    user = current_user(request)
    if user is None:
        raise NotAuthenticated()
    return user


def request_origin(request: Request) -> str:
    """scheme://host[:port] of this site as the browser sees it."""
    scheme = request.url.scheme
    if request.app.state.security.trust_proxy_headers:
        forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
        scheme = forwarded or scheme
    host = request.headers.get("host") or request.url.netloc
    return f"{scheme}://{host}"


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


def log_in(request: Request, response: Response, user: User) -> None:
    """Start a new session (a new id and CSRF token: nothing carries over from before)."""
    store = session_store(request)
    store.end(request.cookies.get(SESSION_COOKIE))
    cookie, _ = store.start(user.username, client_address(request))
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(store.lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request_origin(request).startswith("https:"),
    )


def log_out(request: Request, response: Response) -> None:
    session_store(request).end(request.cookies.get(SESSION_COOKIE))
    response.delete_cookie(SESSION_COOKIE)
