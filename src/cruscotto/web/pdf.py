"""PDFs of the pages, rendered from the same templates with WeasyPrint (A4).

The page's template is rendered with `pdf=True` (no menu, filters or scripts; the chart
drawn as server-side SVG by `svg_charts`, since WeasyPrint runs no JavaScript), in the
reader's language and number formats, then printed by WeasyPrint. Only our own static
files can be loaded: nothing is fetched from the network.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.datastructures import QueryParams

from cruscotto.web.access import Access
from cruscotto.web.i18n import LANGUAGE_NAMES, LANGUAGES
from cruscotto.web.pages import QueryString, templates
from cruscotto.web.svg_charts import bar_chart_svg

STATIC = Path(__file__).parent / "static"
PDF_MEDIA_TYPE = "application/pdf"
PRINT_CSS = """
@page {
  size: A4; margin: 14mm 12mm 16mm;
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; color: #666; }
}
body { font-size: 9.5pt; background: white; }
main { padding: 0; max-width: none; }
.cards { grid-template-columns: repeat(3, 1fr); }
.card { break-inside: avoid; }
table.data { font-size: 8pt; }
tr { break-inside: avoid; }
a { color: inherit; text-decoration: none; }
.table-wrap { overflow: visible; border: none; }
"""


def render_pdf(
    template: str, data: Any, who: Access, path: str, params: dict | None = None
) -> bytes:
    """`template` rendered for `who` with `data`, as PDF bytes."""
    from weasyprint import CSS, HTML

    query = urlencode({k: v for k, v in (params or {}).items() if v}, doseq=True)
    request = SimpleNamespace(
        url=SimpleNamespace(path=path, query=query), query_params=QueryParams(query)
    )
    if isinstance(data, dict) and data.get("chart"):
        data = {**data, "chart_svg": bar_chart_svg(data["chart"], who.fmt)}
    html = templates.get_template(template).render(
        {
            "data": data,
            "who": who,
            "t": who.t,
            "fmt": who.fmt,
            "nav": [],
            "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
            "query": QueryString(request),
            "request": request,
            "pdf": True,
            "csrf_token": lambda request: "",  # a printed page has no form to protect
        }
    )
    document = HTML(string=html, base_url="http://cruscotto.local/", url_fetcher=_local_fetcher())
    return document.write_pdf(stylesheets=[CSS(string=PRINT_CSS)])


def _local_fetcher():
    """A WeasyPrint URL fetcher serving /static/… from the package and refusing
    everything else (offline, and nothing about the reader leaks out)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalOnly(URLFetcher):
        def fetch(self, url, headers=None):
            path = urlsplit(url).path
            if path.startswith("/static/"):
                file = (STATIC / path.removeprefix("/static/")).resolve()
                if file.is_file() and STATIC.resolve() in file.parents:
                    return URLFetcherResponse(
                        url, file.read_bytes(), headers={"Content-Type": _mime(file)}
                    )
            raise ValueError(f"not loading {url} into a PDF")

    return LocalOnly()


def _mime(file: Path) -> str:
    return {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}.get(
        file.suffix, "application/octet-stream"
    )
