"""Report pages, their JSON twins and exports, through the real app and its one access
dependency: a rep never gets another rep's deals, a viewer gets the summary only.

The company (DuckDB; today 2026-04-15, so reports default to March 2026):
  d1 r1 Anna  (North) won  10,000 EUR closed 2026-03-05
  d2 r1 Anna  (North) lost  4,000 EUR closed 2026-03-06, reason price
  d3 r1 Anna  (North) open  6,000 EUR expected 2026-04-20, stage proposal
  d4 r2 Bruno (South) won  30,000 EUR closed 2026-03-10
  d5 r2 Bruno (South) lost  2,000 EUR closed 2026-03-11, reason timing
  d6 r2 Bruno (South) open  8,000 EUR expected 2026-05-05, stage proposal
"""

import csv
import io

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from cruscotto.reports import summary
from cruscotto.settings import CompanySettings
from cruscotto.warehouse import connect
from cruscotto.web import create_app, users
from tests.reports.company import day, reps, rows, ts
from tests.web.conftest import close_app, log_in, with_parts

TODAY = day("2026-04-15")
USERS = {
    "admin": ("admin", {}),
    "manager": ("manager", {"teams": ["North"]}),
    "rep": ("rep", {"rep_id": "r1"}),
    "other_rep": ("rep", {"rep_id": "r2"}),
    "rep_it": ("rep", {"rep_id": "r1", "language": "it"}),
    "viewer": ("viewer", {}),
}
R1_DEALS, R2_DEALS = {"d1", "d2", "d3"}, {"d4", "d5", "d6"}
EMPTY_AREAS = {"customer": (), "operations": (), "profitability": ()}


def _deal(opp_id, owner, status, amount, *, closed=None, expected=None, reason=None):
    return {
        "opportunity_id": opp_id,
        "owner_id": owner,
        "account_id": "a1",
        "pipeline": "New business",
        "stage": "proposal" if status == "open" else status,
        "status": status,
        "amount": amount,
        "currency": "EUR",
        "created_at": ts("2026-02-01T09:00:00"),
        "closed_at": ts(closed) if closed else None,
        "expected_close_date": day(expected) if expected else None,
        "lost_reason": reason,
    }


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        # Two headline KPIs keep the summary pages fast; tests/reports/test_summary.py
        # covers the summary itself.
        patch.setattr(summary, "HEADLINES", {"sales": ("win_rate", "deals_won")} | EMPTY_AREAS)
        patch.setattr(summary, "FALLBACK_COUNT", 0)
        # argon2id still, with tiny costs: the real costs are for production.
        patch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=256))
        warehouse = connect(str(tmp_path_factory.mktemp("reports") / "web.duckdb"))
        warehouse.load(
            {
                "reps": reps(("r1", "Anna", "North"), ("r2", "Bruno", "South")),
                "accounts": rows(
                    "accounts",
                    [{"account_id": "a1", "name": "Acme", "created_at": ts("2025-01-01")}],
                ),
                "opportunities": rows(
                    "opportunities",
                    [
                        _deal("d1", "r1", "won", 10000.0, closed="2026-03-05T10:00:00"),
                        _deal(
                            "d2", "r1", "lost", 4000.0, closed="2026-03-06T10:00:00", reason="price"
                        ),
                        _deal("d3", "r1", "open", 6000.0, expected="2026-04-20"),
                        _deal("d4", "r2", "won", 30000.0, closed="2026-03-10T10:00:00"),
                        _deal(
                            "d5",
                            "r2",
                            "lost",
                            2000.0,
                            closed="2026-03-11T10:00:00",
                            reason="timing",
                        ),
                        _deal("d6", "r2", "open", 8000.0, expected="2026-05-05"),
                    ],
                ),
            }
        )
        application = create_app(warehouse, CompanySettings(), today=TODAY)
        for name, (role, extra) in USERS.items():
            application.state.users.add(name, f"{name}-pass-1", role, **extra)
        yield application
    close_app(application)


@pytest.fixture(scope="module")
def client(app):
    def logged_in(name: str) -> TestClient:
        return log_in(TestClient(app), name, f"{name}-pass-1")

    return {name: logged_in(name) for name in USERS}


def _deal_ids(report: dict, table: str = "deals") -> set[str]:
    rows_ = next(t for t in report["tables"] if t["name"] == table)["rows"]
    return {r["opportunity_id"] for r in rows_}


def test_the_report_list_depends_on_the_role(client):
    names = [r["name"] for r in client["admin"].get("/api/reports").json()["reports"]]
    assert names == ["forecast", "conversion", "leaderboard", "lost", "summary"]
    viewer = client["viewer"].get("/api/reports").json()["reports"]
    assert [r["name"] for r in viewer] == ["summary"]


def test_leaderboard_json_for_admin_and_for_a_rep(client):
    everything = client["admin"].get("/api/reports/leaderboard").json()
    assert everything["period"]["label"] == "2026-03"
    assert _deal_ids(everything) == R1_DEALS | R2_DEALS
    mine = client["rep"].get("/api/reports/leaderboard").json()
    assert _deal_ids(mine) == R1_DEALS
    assert mine["filters"] == {"rep": ["r1"]}
    # Anna: 10,000 won of 1 won + 1 lost → win rate 0.5.
    (anna,) = next(t for t in mine["tables"] if t["name"] == "reps")["rows"]
    assert anna["won_value"] == 10000.0 and anna["win_rate"] == 0.5


@pytest.mark.parametrize("report", ["forecast", "leaderboard", "lost", "conversion", "summary"])
def test_a_rep_asking_for_another_reps_numbers_is_refused(client, report):
    response = client["rep"].get(f"/api/reports/{report}?rep=r2")
    assert response.status_code == 403
    export = client["rep"].get(f"/api/reports/{report}/export?format=xlsx&rep=r2")
    assert export.status_code == 403


def test_forecast_and_lost_hold_only_the_reps_deals(client):
    forecast = client["rep"].get("/api/reports/forecast").json()
    assert _deal_ids(forecast) == {"d3"}
    lost = client["rep"].get("/api/reports/lost").json()
    assert _deal_ids(lost) == {"d2"}
    reasons = next(t for t in lost["tables"] if t["name"] == "reasons")["rows"]
    assert [r["reason"] for r in reasons] == ["price"]


def test_a_manager_sees_their_teams_only(client):
    north = client["manager"].get("/api/reports/leaderboard").json()
    assert _deal_ids(north) == R1_DEALS
    assert client["manager"].get("/api/reports/leaderboard?team=South").status_code == 403


def test_a_viewer_gets_the_summary_but_no_deals_and_no_exports(client):
    assert client["viewer"].get("/api/reports/summary").status_code == 200
    assert client["viewer"].get("/api/reports/leaderboard").status_code == 403
    assert client["viewer"].get("/reports/forecast").status_code == 403
    export = client["viewer"].get("/api/reports/summary/export?format=csv")
    assert export.status_code == 403


def test_csv_export_of_one_table_is_scoped(client):
    response = client["rep"].get("/api/reports/leaderboard/export?format=csv&table=deals")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="leaderboard-2026-03-deals.csv"' in response.headers["content-disposition"]
    records = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["Deal"] for r in records} == R1_DEALS
    assert {r["Value (EUR)"] for r in records} == {"10000.00", "4000.00", "6000.00"}  # cents


def test_xlsx_export_reads_back_with_every_table_and_number_formats(client):
    response = client["rep"].get("/api/reports/leaderboard/export?format=xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Deals per rep", "Deal value by stage", "Deals", "About"]
    reps_sheet = workbook["Deals per rep"]
    header = [c.value for c in reps_sheet[1]]
    assert header[:6] == ["Rank", "Rep", "Team", "Role", "Won", "Won value (EUR)"]
    anna = [c for c in reps_sheet[2]]
    assert anna[1].value == "Anna" and anna[5].value == 10000.0
    assert anna[5].number_format == '#,##0.00 "EUR"'
    win_rate = anna[header.index("Win rate (%)")]
    assert win_rate.value == 0.5 and win_rate.number_format == "0.0%"
    deals = workbook["Deals"]
    ids = {row[0].value for row in deals.iter_rows(min_row=2)}
    assert ids == R1_DEALS
    about = {row[0].value: row[1].value for row in workbook["About"].iter_rows(min_row=2)}
    assert about["Period"] == "March 2026" and about["Filter: Rep"] == "r1"


def test_an_italian_readers_report_files_are_in_italian(client):
    """Headers, sheet names, statuses, reasons and yes/no in Italian; numbers in the
    Italian dialect (;, decimal comma); ids, names and ISO dates exact. Anna's deals
    (module docstring): d1 won 10,000, d2 lost 4,000 for price, d3 open 6,000."""
    response = client["rep_it"].get("/api/reports/lost/export?format=csv&table=deals")
    text = response.content.decode("utf-8-sig")
    (d2,) = csv.DictReader(io.StringIO(text), delimiter=";")
    assert d2["Trattativa"] == "d2" and d2["Cliente"] == "Acme"
    assert d2["Valore (EUR)"] == "4000,00"  # the Italian dialect, to the cent
    response = client["rep_it"].get("/api/reports/leaderboard/export?format=csv&table=deals")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert {r["Trattativa"]: r["Stato"] for r in rows} == {
        "d1": "Vinta",
        "d2": "Persa",
        "d3": "Aperta",
    }
    summary = client["rep_it"].get("/api/reports/summary/export?format=csv").content
    (win_rate,) = [
        r
        for r in csv.DictReader(io.StringIO(summary.decode("utf-8-sig")), delimiter=";")
        if r["Id KPI"] == "win_rate"
    ]
    # Anna won 1 of 2 closed deals in March: a sample of 2, too small to judge.
    assert win_rate["KPI"] == "Tasso di vincita" and win_rate["Area"] == "Vendite"
    assert win_rate["Coorte ancora in maturazione"] in ("sì", "no")
    workbook = load_workbook(
        io.BytesIO(client["rep_it"].get("/api/reports/lost/export?format=xlsx").content)
    )
    assert workbook.sheetnames[-1] == "Informazioni"
    about = {r[0].value: r[1].value for r in workbook["Informazioni"].iter_rows(min_row=2)}
    assert about["Periodo"] == "marzo 2026" and about["Valuta"] == "EUR"


@pytest.mark.parametrize("report", ["forecast", "conversion", "leaderboard", "lost", "summary"])
def test_every_report_page_renders(client, report):
    response = client["admin"].get(f"/reports/{report}")
    assert response.status_code == 200, response.text
    assert 'id="report-title"' in response.text
    assert "cdn" not in response.text.lower()


def _too_slow(*args, **kwargs):
    raise AssertionError("the page must not run the report")


def test_a_report_page_shows_at_once_and_loads_the_report_into_it(client, monkeypatch):
    """The page is its title and filters, with a placeholder the report loads into: it
    never waits on the report (here one that would fail) to show something."""
    from cruscotto.web.routes import reports as report_routes

    with monkeypatch.context() as patch:
        patch.setattr(report_routes, "run_report", _too_slow)
        page = client["admin"].get("/reports/lost?period=2026-03")
    assert page.status_code == 200 and 'id="report-title"' in page.text
    assert 'id="report-body"' in page.text and 'aria-busy="true"' in page.text
    body = client["admin"].get("/reports/lost/body?period=2026-03&part=body")
    assert body.status_code == 200 and 'id="table-deals"' in body.text
    assert "March 2026" in body.text  # the period the report covers, in words


# The period each report shows when none is asked for, worked out from today 2026-04-15:
# the last complete month (March); the forecast's six months from this one (April to
# September); conversion's last month whose leads have had the 90 days of the lead
# conversion rate's maturity (January ends Feb 1, +90 days is May 2, past today;
# December's cohort matured on Apr 1).
DEFAULT_PERIODS = {
    "lost": ("2026-03", "2026-03-01", "2026-03-31"),
    "leaderboard": ("2026-03", "2026-03-01", "2026-03-31"),
    "summary": ("2026-03", "2026-03-01", "2026-03-31"),
    "forecast": ("2026-04-01..2026-09-30", "2026-04-01", "2026-09-30"),
    "conversion": ("2025-12", "2025-12-01", "2025-12-31"),
}


@pytest.mark.parametrize("report", sorted(DEFAULT_PERIODS))
def test_a_report_page_shows_its_default_period_before_the_report_runs(client, monkeypatch, report):
    """Opened without a period, the page's picker and date fields show the period the
    report will cover at once (they were empty until the report arrived)."""
    from cruscotto.web.routes import reports as report_routes

    label, first, last = DEFAULT_PERIODS[report]
    with monkeypatch.context() as patch:
        patch.setattr(report_routes, "run_report", _too_slow)
        page = client["admin"].get(f"/reports/{report}")
    assert page.status_code == 200, page.text
    assert f'<option value="{label}" selected>' in page.text
    assert f'name="from" value="{first}"' in page.text
    assert f'name="to" value="{last}"' in page.text
    # The report, once run, covers that period.
    assert client["admin"].get(f"/api/reports/{report}").json()["period"]["label"] == label


def test_pages_speak_the_users_language(client):
    c = client["other_rep"]
    c.post("/language", data={"language": "it", "next": "/reports/lost"})
    page = with_parts(c, "/reports/lost")
    assert "Opportunità perse per motivo" in page and "Motivo" in page
    assert "timing" in page and "price" not in page  # Bruno's lost deal only
    c.post("/language", data={"language": "en", "next": "/reports"})


def test_bad_requests_say_what_is_wrong(client, app):
    assert client["admin"].get("/api/reports/nonsense").status_code == 404
    bad = client["admin"].get("/api/reports/lost?period=March")
    assert bad.status_code == 400
    bad_table = client["admin"].get("/api/reports/lost/export?format=csv&table=nope")
    assert bad_table.status_code == 400 and "reasons" in bad_table.json()["detail"]
    assert TestClient(app).get("/api/reports/lost").status_code == 401


def test_a_manager_opens_the_forecast_for_their_team(client):
    """It answered HTTP 500 for any team filter (see test_forecast.py)."""
    assert "report-body" in with_parts(client["manager"], "/reports/forecast")  # body: 200
    north = client["manager"].get("/api/reports/forecast?team=North").json()
    assert _deal_ids(north) == {"d3"}
    assert client["admin"].get("/api/reports/forecast?team=South").status_code == 200


def test_the_deal_list_is_paginated(client, monkeypatch):
    from cruscotto.web.routes import reports as report_routes

    monkeypatch.setattr(report_routes, "PAGE_SIZE", 1)
    # Open deals by close date: d3 (20 April), d6 (5 May); one per page.
    first = client["admin"].get("/api/reports/forecast").json()
    deals = next(t for t in first["tables"] if t["name"] == "deals")
    assert [r["opportunity_id"] for r in deals["rows"]] == ["d3"]
    assert deals["pagination"] == {
        "page": 1,
        "pages": 2,
        "page_size": 1,
        "total": 2,
        "first_row": 1,
        "last_row": 1,
    }
    second = client["admin"].get("/api/reports/forecast?page=2").json()
    assert _deal_ids(second) == {"d6"}
    html = with_parts(client["admin"], "/reports/forecast?page=2")
    assert 'rel="prev" href="/reports/forecast?page=1"' in html and "Rows 2–2 of 2" in html
    assert client["admin"].get("/api/reports/forecast?page=0").status_code == 422


def test_lost_deals_are_charted_by_reason_and_by_month_and_reason(client):
    # Lost in March 2026: d2 (price) and d5 (timing); nothing lost in the 11 months before.
    lost = client["admin"].get("/api/reports/lost?period=2026-03").json()
    # The reasons are the CRM's own words ("price"), shown as they are.
    (by_reason,) = lost["chart"]["data"]
    assert by_reason["x"] == ["price", "timing"] and by_reason["y"] == [1, 1]
    trend = lost["history_chart"]
    assert lost["history_title"] == "Lost deals by month and reason"
    assert trend["layout"]["barmode"] == "stack"
    assert [t["name"] for t in trend["data"]] == ["price", "timing"]
    for trace in trend["data"]:
        # The window is April 2025 – March 2026: twelve months, the empty ones as zeros.
        assert len(trace["x"]) == 12
        assert (trace["x"][0], trace["x"][-1]) == ("Apr 2025", "Mar 2026")
        assert trace["y"] == [0] * 11 + [1]
    # A rep's chart holds only their own loss (d2, price).
    mine = client["rep"].get("/api/reports/lost?period=2026-03").json()["history_chart"]
    assert [(t["name"], sum(t["y"])) for t in mine["data"]] == [("price", 1)]
    page = with_parts(client["admin"], "/reports/lost?period=2026-03")
    assert 'id="history-chart"' in page and "Lost deals by month and reason" in page
