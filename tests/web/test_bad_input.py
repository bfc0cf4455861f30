"""No 500 for bad input (issue 15): each case the probe found answers 4xx with a message.

Before: the forecast report with a team filter (RelationError), a missing exchange rate
in some KPI functions (MissingRateError), records.csv?sort=bad (ValueError), the period
0001-01-01..9999-12-31 (OverflowError), a huge offset (DuckDB ConversionException), a NUL
byte in a filter (DuckDB ParserException), an upload named `..` (IsADirectoryError), a
3,000-term mapping or custom-KPI expression (RecursionError / traceback in the CLI).
"""

from __future__ import annotations

from datetime import datetime

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from cruscotto.cli import app as cli
from cruscotto.settings import CompanySettings
from cruscotto.warehouse import connect
from cruscotto.web import create_app, users
from tests.web.conftest import add_users, close_app, login
from tests.web.data import TODAY, frame, load_company

THREE_THOUSAND_TERMS = " + ".join(["deals_won"] * 3000)


@pytest.fixture(scope="module")
def admin(company):
    """The admin of the hand-counted company (tests/web/data.py)."""
    return company["admin"]


@pytest.fixture(scope="module")
def without_rate(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=256))
        warehouse = connect(str(tmp_path_factory.mktemp("gbp") / "gbp.duckdb"))
        load_company(warehouse)
        deal = {
            "opportunity_id": "o3",
            "account_id": "a1",
            "owner_id": "r1",
            "pipeline": "New business",
            "stage": "won",
            "status": "won",
            "amount": 100.0,
            "currency": "GBP",
            "created_at": datetime(2026, 3, 10, 10),
            "closed_at": datetime(2026, 3, 20, 10),
        }
        warehouse.load({"opportunities": frame("opportunities", [deal])})
        app = create_app(warehouse, CompanySettings(), today=TODAY)
        add_users(app)
        yield login(app, "admin")
    close_app(app)


def test_forecast_report_with_a_team_filter(admin):
    response = admin.get("/api/reports/forecast?team=North")
    assert response.status_code == 200, response.text
    assert admin.get("/reports/forecast?team=North").status_code == 200


def test_a_missing_exchange_rate_is_a_422_for_every_kpi(without_rate):
    ids = [k["id"] for k in without_rate.get("/api/kpis").json()]
    answers = {k: without_rate.get(f"/api/kpi/{k}?period=2026-03") for k in ids}
    assert {k: r.status_code for k, r in answers.items() if r.status_code >= 500} == {}
    refused = {k: r.json()["detail"] for k, r in answers.items() if r.status_code == 422}
    # campaign_revenue and roi used to raise MissingRateError (a 500); now they say which.
    assert "GBP" in refused["campaign_revenue"] and "GBP" in refused["roi"]


def test_records_csv_with_a_bad_sort_column(admin):
    response = admin.get("/api/kpi/new_leads/records.csv?period=2026-03&sort=bad")
    assert response.status_code == 400
    assert response.json()["detail"] == "Cannot sort by 'bad'."


@pytest.mark.parametrize(
    "path",
    [
        "/api/kpi/new_leads?period=0001-01-01..9999-12-31",
        "/api/kpi/new_leads?period=0001-01-01..9999-12-31&grain=year",
        "/api/overview?period=0001-01-01..9999-12-31",
        "/api/reports/lost?period=0001-01-01..9999-12-31",
        "/api/kpi/new_leads?period=1800-01-01..1800-12-31&grain=year",
    ],
)
def test_huge_or_ancient_periods(admin, path):
    response = admin.get(path)
    assert response.status_code == 400, response.text
    assert "period" in response.text.lower()


def test_a_huge_period_on_a_page_is_a_message_on_the_page(admin):
    # Issue 14: on an HTML page a bad period is said above the default period's numbers,
    # not an error page; its JSON twin answers 400 (above).
    response = admin.get("/kpi/new_leads?period=0001-01-01..9999-12-31")
    assert response.status_code == 200
    assert "0001-01-01..9999-12-31" in response.text
    assert "period" in response.text.lower()


def test_a_daily_trend_since_1975_is_refused_with_a_message(admin):
    response = admin.get("/api/kpi/new_leads?period=1975-01-01..2026-11-30&grain=day")
    assert response.status_code == 400
    # 1975-01-01 → 2026-12-01 is 18,962 days; the default limit is 1,000 points.
    assert "18962 points" in response.json()["detail"] and "1000" in response.json()["detail"]
    assert (
        admin.get("/api/kpi/new_leads?period=2024-01-01..2026-03-31&grain=month").status_code == 200
    )


@pytest.mark.parametrize("offset", ["100000000000000000000", "9223372036854775807"])
def test_a_huge_offset(admin, offset):
    assert admin.get(f"/api/kpi/new_leads?offset={offset}").status_code == 422


@pytest.mark.parametrize(
    "path",
    [
        "/api/kpi/new_leads?rep=%00",
        "/api/kpi/new_leads?channel=a%00b",
        "/api/overview?channel=a%00b",
        "/api/kpi/new_leads/records.csv?channel=web%00",
        "/api/reports/lost?team=North%00",
    ],
)
def test_a_nul_byte_in_a_filter(admin, path):
    response = admin.get(path)
    assert response.status_code == 400
    assert "control character" in response.json()["detail"]


@pytest.mark.parametrize("name", ["..", ".", "../../etc/passwd", "", "a\\..\\b.csv"])
def test_upload_file_names_that_are_paths(admin, name):
    response = admin.post("/api/data/import", files=[("files", (name, b"a,b\n1,2\n", "text/csv"))])
    assert 400 <= response.status_code < 500, response.text
    assert "/tmp" not in response.text and "cruscotto-upload" not in response.text


def test_a_three_thousand_term_mapping_expression(admin):
    huge = " + ".join(['col("id")'] * 3000)
    mapping = (
        "name: huge\ntable: reps\ncolumns:\n"
        "  rep_id: {column: id}\n  name: {column: id}\n  active: {value: true}\n"
        f"  team: {{expr: '{huge}'}}\n"
    )
    response = admin.post(
        "/api/data/import",
        files=[
            ("files", ("people.csv", b"id\nr9\n", "text/csv")),
            ("mapping", ("huge.yaml", mapping.encode(), "application/yaml")),
        ],
    )
    assert response.status_code == 400, response.text
    detail = response.json()["detail"]
    assert "split it into simpler parts" in detail
    assert "/tmp" not in detail  # the server's temporary folder is not shown


def test_a_three_thousand_term_custom_kpi_is_one_line_in_the_cli(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CRUSCOTTO_CONFIG", raising=False)
    (tmp_path / "cruscotto.yaml").write_text(
        f"kpis:\n  custom:\n    - id: huge\n      expression: {THREE_THOUSAND_TERMS}\n"
    )
    result = CliRunner().invoke(cli, ["kpi", "list"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "split it into simpler parts" in result.output
    assert "custom KPI 'huge'" in result.output
