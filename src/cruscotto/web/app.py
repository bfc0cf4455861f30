"""The application factory: `create_app(warehouse)` gives the whole web app.

What it wires:
- server-side sessions (cruscotto.web.sessions) and the CSRF checks (cruscotto.web.csrf):
  a middleware refuses cross-site writes before reading them, and every route depends on
  `verify_csrf`;
- /static (our CSS/JS) and /static/plotly.min.js (served from the installed plotly
  package: nothing is ever fetched from the internet);
- every module in `cruscotto.web.routes` that defines `router` (an APIRouter), in
  alphabetical order; a new group of pages is a new module there, nothing to edit here;
- errors: an unauthenticated page request goes to /login, an API request gets 401;
  403/404/400 render as a page for browsers and as JSON under /api; every engine error
  (`EngineError`: period, dimension, currency, time limit) in one handler (422, or 504
  for a query stopped by the time limit; 503 when the database itself fails).
- /openapi.json describes the API. /docs is off: Swagger UI would load assets from a CDN.
"""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import plotly
from fastapi import Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import HTTPException, RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

import cruscotto
from cruscotto.alerts.delivery import ALERT_DELIVERIES
from cruscotto.alerts.rules import ALERT_RULES
from cruscotto.alerts.store import STORE_TABLES
from cruscotto.audit import AUDIT_LOG
from cruscotto.engine import EngineError, QueryTimeout
from cruscotto.goals.store import GOALS
from cruscotto.ingest.saved_mappings import SAVED_MAPPINGS
from cruscotto.models.store import MODEL_RUNS, MODEL_STATES
from cruscotto.settings import (
    CompanySettings,
    SecuritySettings,
    config_path,
    load_company,
    load_security,
)
from cruscotto.warehouse import ReadOnlyWarehouse, Warehouse, WarehouseError
from cruscotto.web import routes
from cruscotto.web.auth import NotAuthenticated, current_user
from cruscotto.web.background import BackgroundThreads
from cruscotto.web.csrf import CsrfMiddleware, verify_csrf
from cruscotto.web.digests import DIGEST_SENDS, DIGEST_SUBSCRIPTIONS
from cruscotto.web.headers import SecurityHeadersMiddleware
from cruscotto.web.i18n import Translator, negotiate
from cruscotto.web.kpis import engine
from cruscotto.web.limits import BodyLimitMiddleware
from cruscotto.web.pages import templates
from cruscotto.web.pins import PINS
from cruscotto.web.scheduler import SCHEDULER_RUNS
from cruscotto.web.scheduler import start as start_scheduler
from cruscotto.web.sessions import SessionStore
from cruscotto.web.throttle import LoginThrottle
from cruscotto.web.users import UserStore
from cruscotto.web.warmup import warm_up

STATIC = Path(__file__).parent / "static"
APP_TABLES = (
    GOALS,
    PINS,
    DIGEST_SUBSCRIPTIONS,
    DIGEST_SENDS,
    SCHEDULER_RUNS,
    MODEL_RUNS,
    MODEL_STATES,
    SAVED_MAPPINGS,
    ALERT_RULES,
    ALERT_DELIVERIES,
    *STORE_TABLES,
    AUDIT_LOG,
)
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def create_app(
    warehouse: Warehouse,
    settings: CompanySettings | None = None,
    *,
    today: date | None = None,
    cache_seconds: float | None = None,
    warm: bool = False,
    security: SecuritySettings | None = None,
    config: str | Path | None = None,
    scheduler: bool = False,
) -> FastAPI:
    """The web app over `warehouse`.

    `today` pins "now" for the engine (tests, demos); engine answers are reused until the
    data changes, or at most `cache_seconds` (0: never), see cruscotto.web.cache; `warm`
    computes the company-wide overview in the background as soon as the server starts;
    `security` (the `security:` section of cruscotto.yaml by default) sets what may be
    written and the limits, see cruscotto.web.permissions and docs/web.md; `config` is the
    company's cruscotto.yaml (default: the usual one), where the settings page saves
    changes; `scheduler` runs the alert evaluation, deliveries and digests (see
    cruscotto.web.scheduler).
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        if warm and cache_seconds != 0:
            app.state.warm_up = warm_up(app)
        jobs = start_scheduler(app) if scheduler else None
        yield
        # Nothing may use the warehouse after the app stops: the scheduler's jobs and
        # every background thread (warm-up, after-import work, trainings) are waited for.
        if jobs is not None:
            jobs.shutdown(wait=True)
        app.state.background.join()

    app = FastAPI(
        lifespan=lifespan,
        title="Cruscotto",
        version=cruscotto.__version__,
        description="The KPIs of a B2B service company. Authenticate with a bearer token "
        "from POST /api/token (or `cruscotto user token NAME`).",
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(verify_csrf)],
    )
    app.state.warehouse = warehouse
    app.state.background = BackgroundThreads()
    # The company's config file: where the admin's settings and target changes are saved.
    app.state.config_path = config_path(config)
    app.state.settings = settings or load_company(app.state.config_path)
    app.state.security = security or load_security()
    app.state.today = today
    app.state.users = UserStore(warehouse)
    # Every table of the app's own is made now, before any request: made on first use, a
    # table could be created by one request's thread while another read it (an
    # intermittent "table goals does not exist" in the browser tests).
    warehouse.state_store.ensure_tables(APP_TABLES)
    security_settings = app.state.security
    app.state.login_throttle = LoginThrottle(
        security_settings.login_failures_per_account,
        security_settings.login_failures_per_address,
        security_settings.login_window_minutes * 60,
    )
    app.state.sessions = SessionStore(
        warehouse,
        idle=timedelta(minutes=app.state.security.session_idle_minutes),
        lifetime=timedelta(hours=app.state.security.session_max_hours),
    )
    app.state.cache_seconds = cache_seconds
    app.state.engine = None
    # Made now, not on first use: a catalog naming an unknown KPI function stops the
    # server at start-up, with the KPI's and the function's names.
    engine(SimpleNamespace(app=app))
    app.state.control_secret = None  # set by `cruscotto serve`, see cruscotto.web.routes.control

    app.add_middleware(CsrfMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    # Outermost of ours: an oversized body is refused before anything reads it.
    app.add_middleware(BodyLimitMiddleware, security=app.state.security)

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(PLOTLY_JS, headers={"Cache-Control": "public, max-age=86400"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in discover_routers():
        app.include_router(router)
    _install_error_handlers(app)
    return app


def discover_routers() -> list:
    """The `router` of every module in cruscotto.web.routes, by module name."""
    found = []
    for info in sorted(pkgutil.iter_modules(routes.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{routes.__name__}.{info.name}")
        if hasattr(module, "router"):
            found.append(module.router)
    return found


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path.endswith(".json")


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotAuthenticated)
    def not_authenticated(request: Request, exc: NotAuthenticated):
        if wants_json(request):
            return JSONResponse(
                {"detail": "not authenticated: log in or send 'Authorization: Bearer TOKEN'"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(HTTPException)
    def http_error(request: Request, exc: HTTPException):
        if wants_json(request) or exc.status_code < 400:
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        return _error_page(request, exc.status_code, str(exc.detail))

    # The engine's errors speak to the user (a missing fx rate names currency and day):
    # one handler shows every one of them instead of a bare 500.
    def engine_error(request: Request, exc: Exception):
        status = engine_error_status(exc)
        # A write refused by a read-only lake is not a failed computation: say it as is.
        message = str(exc) if isinstance(exc, ReadOnlyWarehouse) else f"cannot compute this: {exc}"
        if wants_json(request):
            return JSONResponse({"detail": message}, status_code=status)
        return _error_page(request, status, message)

    for error in (EngineError, WarehouseError):
        app.add_exception_handler(error, engine_error)

    @app.exception_handler(RequestValidationError)
    def invalid_request(request: Request, exc: RequestValidationError):
        if wants_json(request):
            # jsonable_encoder: an error's context may hold the exception object itself.
            return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()
        )
        return _error_page(request, 422, problems)


def engine_error_status(exc: Exception) -> int:
    """The HTTP status of an engine or warehouse error: the question cannot be answered as
    asked (422), took too long (504), the database takes no writes (409), or it is not
    usable (503)."""
    if isinstance(exc, ReadOnlyWarehouse):
        return 409
    if isinstance(exc, QueryTimeout):
        return 504
    if isinstance(exc, EngineError):
        return 422
    return 503


def _error_page(request: Request, status: int, message: str):
    user = current_user(request)
    language = user.language if user else negotiate(request.headers.get("accept-language"))
    context = {"status": status, "message": message, "t": Translator(language), "user": user}
    return templates.TemplateResponse(request, "error.html", context, status_code=status)
