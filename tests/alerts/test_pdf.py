"""PDF export of the reports: the page's template printed by WeasyPrint, read back with pypdf."""

from __future__ import annotations

import io

from pypdf import PdfReader
from typer.testing import CliRunner

from cruscotto.cli import app as cli
from tests.alerts.test_web import app  # noqa: F401 - the app over the alerts company
from tests.web.conftest import login


def text_of(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_summary_as_pdf_in_the_readers_language(app):  # noqa: F811
    rep = login(app, "rep")  # Italian, rep R1
    response = rep.get("/api/reports/summary/export?format=pdf&period=2026-11")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = text_of(response.content)
    assert "Sintesi per la direzione" in text and "2026-11" in text
    admin = login(app, "admin")
    english = text_of(admin.get("/api/reports/summary/export?format=pdf&period=2026-11").content)
    # New leads in November 2026: 16 referral + 6 partner = 22 (tests/alerts/company.py).
    assert "New leads\n22\n" in english
    assert login(app, "viewer").get("/api/reports/summary/export?format=pdf").status_code == 403


def test_a_report_with_a_chart_draws_it_as_svg(app):  # noqa: F811
    response = login(app, "admin").get("/api/reports/conversion/export?format=pdf&period=2026-11")
    assert response.status_code == 200
    text = text_of(response.content)
    # The chart's legend and the table are in the PDF (the bars are vector shapes).
    assert "Leads" in text and "referral" in text


def test_cli_writes_a_pdf(app, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.chdir(tmp_path)  # no cruscotto.yaml here
    out = tmp_path / "summary.pdf"
    db = app.state.warehouse.url.removeprefix("duckdb://")
    app.state.warehouse.close()  # one process at a time on a DuckDB file
    result = CliRunner().invoke(
        cli,
        [
            "--db",
            db,
            "report",
            "summary",
            "--period",
            "2026-11",
            "--format",
            "pdf",
            "-o",
            str(out),
            "--lang",
            "pt",
        ],
    )
    assert result.exit_code == 0, result.output
    text = text_of(out.read_bytes())
    assert "Resumo executivo" in text
    assert "Novos leads\n22\n" in text
