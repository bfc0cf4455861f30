"""Cross-site request forgery: no other site can make a logged-in browser change anything.

Two checks on every POST (PUT, PATCH, DELETE) that a browser authenticates with its
cookie; a request with `Authorization: Bearer …` is exempt (a forged request cannot carry
one), and so are /api/token (it sets no cookie: it exchanges a password for a token) and
the command line's /control/ door (authenticated by its own secret, no cookie).

1. Where from (`CsrfMiddleware`, before the body is even read): a `Sec-Fetch-Site` other
   than same-origin/none, or an `Origin` other than this site's own, is refused with 403.
2. A token (`verify_csrf`, a dependency of every route): the request must carry the token
   of its session — in the `X-CSRF-Token` header or a `csrf_token` form field. Before
   login (the login form, the language switch) the token is a random value kept in the
   `cruscotto_csrf` cookie (double submit); at login the session gets its own.

Pages need nothing of their own: base.html puts the token in
`<meta name="csrf-token">` and /static/csrf.js adds it to every form submission, every
`fetch` and every XMLHttpRequest that changes something. Tests get it from `/api/me`
(`csrf_token`); tests/web/conftest.py's `login` sends it on every request.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cruscotto.web.auth import current_session, request_origin

CSRF_COOKIE = "cruscotto_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
EXEMPT_PATHS = frozenset({"/api/token"})
ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})


def _exempt(method: str, path: str, headers: Headers) -> bool:
    scheme = headers.get("authorization", "").partition(" ")[0].lower()
    exempt_path = path in EXEMPT_PATHS or path.startswith("/control/")
    return method in SAFE_METHODS or exempt_path or scheme == "bearer"


def csrf_token(request: Request) -> str:
    """The token this request's pages must send back (for the meta tag)."""
    session = current_session(request)
    if session is not None:
        return session.csrf_token
    return request.cookies.get(CSRF_COOKIE) or request.scope["state"]["csrf_anonymous"]


async def verify_csrf(request: Request) -> None:
    """403 unless a state-changing, cookie-authenticated request carries its token."""
    if _exempt(request.method, request.url.path, request.headers):
        return
    session = current_session(request)
    expected = session.csrf_token if session else request.cookies.get(CSRF_COOKIE)
    given = request.headers.get(CSRF_HEADER)
    if given is None and _is_form(request):
        given = (await request.form()).get(CSRF_FIELD)
    if not expected or not isinstance(given, str) or not secrets.compare_digest(given, expected):
        raise HTTPException(403, _refusal(request))


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


def _refusal(request: Request) -> str:
    from cruscotto.web.i18n import Translator, negotiate

    return Translator(negotiate(request.headers.get("accept-language")))("error.csrf")


class CsrfMiddleware:
    """The where-from check, and the anonymous token cookie for visitors without one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if not _exempt(request.method, request.url.path, request.headers) and _cross_site(request):
            response = PlainTextResponse(_refusal(request), status_code=403)
            await response(scope, receive, send)
            return
        fresh = None
        if CSRF_COOKIE not in request.cookies:
            fresh = secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_anonymous"] = fresh

        async def send_with_cookie(message: Message) -> None:
            if fresh and message["type"] == "http.response.start":
                secure = "; Secure" if request_origin(request).startswith("https:") else ""
                cookie = f"{CSRF_COOKIE}={fresh}; Path=/; HttpOnly; SameSite=Strict{secure}"
                message.setdefault("headers", []).append((b"set-cookie", cookie.encode()))
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _cross_site(request: Request) -> bool:
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site not in ALLOWED_FETCH_SITES
    origin = request.headers.get("origin")
    if origin is None:
        return False  # not a browser, or an old one: the token check still applies
    parts = urlsplit(origin)
    return f"{parts.scheme}://{parts.netloc}".lower() != request_origin(request).lower()
