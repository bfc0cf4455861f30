"""How a page and its JSON twin are registered, the templates, and the navigation.

Datasette style: a page is one rendering of data the API already gives. Write ONE view
function that returns the data (a dict or a Pydantic model) and register it with `page`:

    from fastapi import APIRouter, Depends
    from cruscotto.web.access import Access, access
from cruscotto.web.charts import kpi_breakdown_chart, kpi_trend_chart, sparkline
    from cruscotto.web.pages import page

    router = APIRouter()

    @page(router, "/reports/lost", "reports/lost.html", name="report_lost")
    def lost_report(period: str | None = None, who: Access = Depends(access)) -> dict:
        return {"rows": ...}

That serves GET /api/reports/lost (JSON, in the OpenAPI document) and GET /reports/lost
(HTML: the template receives the view's return value as `data`, plus `t`, `fmt`, `who`,
`request`, `nav` and `query`). Both go through `access`, so both are equally protected.
The view function runs in FastAPI's thread pool (plain `def`), which is where engine
calls belong. A template extends "base.html" and fills `{% block content %}`.

To add a top-level menu entry: `nav_item("reports", "/reports", "nav.reports")`, with
the label key in a message catalog (see `cruscotto.web.i18n`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from cruscotto.web.access import Access, access
from cruscotto.web.charts import (
    breakdown_link,
    goal_progress_chart,
    kpi_breakdown_chart,
    kpi_trend_chart,
    sparkline,
)
from cruscotto.web.csrf import csrf_token
from cruscotto.web.i18n import LANGUAGE_NAMES, LANGUAGES
from cruscotto.web.kpis import PRESETS, engine
from cruscotto.web.records import present
from cruscotto.web.report_export import CODED_COLUMNS
from cruscotto.web.values import ValueText

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals.update(
    spark=sparkline,
    trend_chart=kpi_trend_chart,
    breakdown_chart=kpi_breakdown_chart,
    breakdown_link=breakdown_link,
    records_table=present,
    goal_chart=goal_progress_chart,
    csrf_token=csrf_token,
)
templates.env.globals["presets"] = PRESETS
templates.env.globals["coded_columns"] = CODED_COLUMNS  # report cells the catalog words
templates.env.filters["dimension_name"] = lambda dimension, t: t(f"dimension.{dimension}")
templates.env.filters["last_day"] = lambda end: end - timedelta(days=1)


@dataclass(frozen=True)
class NavItem:
    key: str
    path: str
    label: str  # message key
    roles: tuple[str, ...] = ("admin", "manager", "rep", "viewer")
    order: int = 50


NAV: dict[str, NavItem] = {}


def nav_item(key: str, path: str, label: str, *, roles=None, order: int = 50) -> None:
    """Add (or replace) a menu entry shown to `roles` (default everyone)."""
    NAV[key] = NavItem(key, path, label, tuple(roles) if roles else NavItem.roles, order)


def render(
    request: Request,
    template: str,
    who: Access,
    data: Any = None,
    query: QueryString | None = None,
    **extra: Any,
):
    """A template with everything a page needs in its context."""
    context = {
        "data": data,
        "who": who,
        "t": who.t,
        "fmt": who.fmt,
        "values": ValueText(who.language),
        "rep_name": rep_name(request, who),
        "nav": sorted((n for n in NAV.values() if who.user.role in n.roles), key=lambda n: n.order),
        "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        "query": query or QueryString(request),
        **extra,
    }
    return templates.TemplateResponse(request, template, context)


def rep_name(request: Request, who: Access) -> str | None:
    """A rep's own name for their scope banner (their id if the reps table lacks it)."""
    if who.user.role != "rep" or not who.user.rep_id:
        return None
    names = dict(engine(request).dimension_values("rep"))
    return names.get(who.user.rep_id, who.user.rep_id)


def page(
    router: APIRouter,
    path: str,
    template: str,
    *,
    name: str,
    shell: Callable | None = None,
    **api_options: Any,
) -> Callable[[Callable], Callable]:
    """Serve `view` as JSON at /api{path} and as HTML (via `template`) at `path`.

    With `shell`, the HTML page renders `shell`'s data instead (what is quick: filters,
    names, the layout) and loads the slow parts into placeholders afterwards, from
    `fragment` routes of the view (see static/app.js, `.deferred`): the page is never
    blank while the numbers are computed.
    """

    def register(view: Callable) -> Callable:
        router.add_api_route("/api" + path, view, methods=["GET"], name=name, **api_options)

        # The view is a dependency of the page, so its path and query parameters (and its
        # `access`, shared within the request) resolve exactly as on the API route.
        def html(
            request: Request, data: Any = Depends(shell or view), who: Access = Depends(access)
        ):
            return render(request, template, who, data)

        router.add_api_route(
            path,
            html,
            methods=["GET"],
            name=f"{name}_page",
            response_class=HTMLResponse,
            include_in_schema=False,
        )
        return view

    return register


def fragment(
    router: APIRouter, path: str, template: str, view: Callable, *, name: str, page_path: str
) -> None:
    """Serve `view`'s data rendered by `template` alone (no page around it) at `path`: the
    part of a page that a `.deferred` placeholder loads once it is computed.

    Links in the fragment are the page's: its `query` is the page's address (`page_path`,
    formatted with the path parameters) and query string, without `part` and `area`.
    """

    def html(request: Request, data: Any = Depends(view), who: Access = Depends(access)):
        query = QueryString(request, path=page_path.format(**request.path_params))
        query.items = [(k, v) for k, v in query.items if k not in FRAGMENT_KEYS]
        part = request.query_params.get("part")
        return render(request, template, who, data, query=query, part=part)

    router.add_api_route(
        path,
        html,
        methods=["GET"],
        name=name,
        response_class=HTMLResponse,
        include_in_schema=False,
    )


# Query parameters that choose a part of a page, not what the page shows.
FRAGMENT_KEYS = ("part", "area")


class QueryString:
    """The current query string, for links that change one parameter and keep the rest."""

    def __init__(self, request: Request, path: str | None = None) -> None:
        self.items = list(request.query_params.multi_items())
        self.path = path or request.url.path

    def get(self, key: str, default: str = "") -> str:
        return next((v for k, v in self.items if k == key), default)

    def getlist(self, key: str) -> list[str]:
        return [v for k, v in self.items if k == key]

    def with_(self, path: str | None = None, **changes: Any) -> str:
        """The URL with `changes` applied (None removes a key); other keys kept."""
        kept = [(k, v) for k, v in self.items if k not in changes]
        for key, value in changes.items():
            if value is None:
                continue
            values = value if isinstance(value, list | tuple) else [value]
            kept.extend((key, str(v)) for v in values)
        encoded = urlencode(kept)
        return (path or self.path) + ("?" + encoded if encoded else "")
