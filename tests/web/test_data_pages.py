"""The upload page and the data-health page, through the real app and its login.

The deals file is the shape HubSpot writes (CRM > Deals > Export): quoted headers
"Record ID", "Deal Name", "Deal Stage", …, dates "YYYY-MM-DD HH:MM", a BOM.
"""

from __future__ import annotations

import csv
import io

import pytest

from cruscotto import health
from tests.web.conftest import login
from tests.web.data import frame

HEADER = (
    '\ufeff"Record ID","Deal Name","Deal Stage","Close Date","Deal owner","Amount",'
    '"Create Date","Pipeline"\n'
)
GOOD_ROWS = (
    '"9401","Acme - renewal","Closed Won","2026-03-15 10:00","Mario Rossi","12000",'
    '"2026-01-10 09:30","Sales Pipeline"\n'
    '"9402","Beta - pilot","Contract Sent","2026-05-01 00:00","Giulia Bianchi","3500.5",'
    '"2026-02-01 14:00","Sales Pipeline"\n'
    '"9403","Gamma - upsell","Closed Lost","2026-02-20 12:00","Mario Rossi","800",'
    '"2026-01-15 08:00","Sales Pipeline"\n'
)
# Spreadsheet row 5 (header = row 1): an amount that is not a number.
BAD_ROW = (
    '"9404","Delta - new logo","Appointment Scheduled","2026-06-30 00:00","","lots",'
    '"2026-03-29 02:30","Sales Pipeline"\n'
)
GOOD = (HEADER + GOOD_ROWS).encode("utf-8")
WITH_BAD_ROW = (HEADER + GOOD_ROWS + BAD_ROW).encode("utf-8")


def upload(client, content: bytes, name: str = "hubspot-deals.csv", **form):
    data = {k: ("true" if v is True else v) for k, v in form.items()}
    return client.post(
        "/api/data/import", files=[("files", (name, content, "text/csv"))], data=data
    )


def deal_ids(app) -> list[str]:
    table = app.state.warehouse.table("opportunities")
    return sorted(table.opportunity_id.execute())


@pytest.fixture
def admin(app):
    return login(app, "admin")


def test_an_upload_loads_the_deals_and_a_reupload_changes_nothing(app, admin):
    first = upload(admin, GOOD)
    assert first.status_code == 200, first.text
    report = first.json()
    assert report["applied"] is True
    (f,) = report["files"]
    assert (f["file"], f["source"], f["table"]) == (
        "hubspot-deals.csv",
        "hubspot-deals",
        "opportunities",
    )
    assert (f["rows_read"], f["inserted"], f["updated"], f["rejected_rows"]) == (3, 3, 0, 0)
    assert report["rejects"] == [] and report["rejects_csv"] is None
    assert deal_ids(app) == ["9401", "9402", "9403"]
    amounts = app.state.warehouse.table("opportunities").order_by("opportunity_id").amount
    assert list(amounts.execute()) == [12000.0, 3500.5, 800.0]

    again = upload(admin, GOOD).json()
    (f,) = again["files"]
    assert (f["inserted"], f["updated"], f["unchanged"]) == (0, 0, 3)
    assert deal_ids(app) == ["9401", "9402", "9403"]


def test_a_bad_row_is_listed_and_nothing_is_loaded(app, admin):
    response = upload(admin, WITH_BAD_ROW)
    assert response.status_code == 200
    report = response.json()
    assert report["applied"] is False
    assert report["rejected_rows"] == 1
    (reject,) = report["rejects"]
    assert (reject["file"], reject["row"], reject["column"], reject["value"]) == (
        "hubspot-deals.csv",
        5,
        "Amount",
        "lots",
    )
    assert deal_ids(app) == []
    # The download holds the same rejects as CSV.
    download = admin.get(report["rejects_csv"])
    assert download.status_code == 200
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [(r["file"], r["row"], r["column"], r["value"]) for r in rows] == [
        ("hubspot-deals.csv", "5", "Amount", "lots")
    ]

    page = admin.post(
        "/data/import", files=[("files", ("hubspot-deals.csv", WITH_BAD_ROW, "text/csv"))]
    )
    assert page.status_code == 200
    assert 'id="import-rejects"' in page.text and "lots" in page.text
    assert 'data-applied="false"' in page.text


def test_allow_partial_loads_the_valid_rows(app, admin):
    report = upload(admin, WITH_BAD_ROW, allow_partial=True).json()
    assert report["applied"] is True
    (f,) = report["files"]
    # 4 rows read = 3 inserted + 1 rejected.
    assert (f["rows_read"], f["inserted"], f["rejected_rows"]) == (4, 3, 1)
    assert deal_ids(app) == ["9401", "9402", "9403"]


def test_a_dry_run_counts_and_writes_nothing(app, admin):
    report = upload(admin, GOOD, dry_run=True).json()
    assert report["dry_run"] is True and report["applied"] is False
    assert report["files"][0]["inserted"] == 3
    assert deal_ids(app) == []


def test_an_unreadable_file_says_why_and_loads_nothing(app, admin):
    response = upload(admin, b"just,some\nnumbers,here\n", name="mystery.csv")
    assert response.status_code == 400
    assert "mystery.csv" in response.json()["detail"]
    page = admin.post("/data/import", files=[("files", ("mystery.csv", b"a,b\n1,2\n", "text/csv"))])
    assert page.status_code == 400
    assert 'id="import-error"' in page.text and "mystery.csv" in page.text
    assert deal_ids(app) == []


def test_a_successful_import_clears_the_engine_cache(app, admin):
    from cruscotto.web.kpis import engine as app_engine

    class Request:  # the engine dependency only reads request.app.state
        pass

    request = Request()
    request.app = app
    cached = app_engine(request)
    cached.remember(("probe",), lambda: "old answer")
    upload(admin, GOOD)
    assert cached.remember(("probe",), lambda: "recomputed") == "recomputed"


@pytest.mark.parametrize("role", ["rep", "viewer"])
def test_reps_and_viewers_cannot_import(app, role):
    client = login(app, role)
    assert upload(client, GOOD).status_code == 403
    assert client.get("/api/data/import").status_code == 403
    assert client.get("/data/import").status_code == 403
    assert deal_ids(app) == []


def test_managers_may_import_their_teams_deals(app):
    # The owners are reps of the manager's team (North); an unknown owner would create a
    # rep, which only an admin may do (tests/web/test_write_permissions.py).
    reps = [
        {"rep_id": name, "name": name, "team": "North", "active": True}
        for name in ("Mario Rossi", "Giulia Bianchi")
    ]
    app.state.warehouse.load({"reps": frame("reps", reps)})
    assert upload(login(app, "manager"), GOOD).json()["applied"] is True


def test_the_form_lists_the_ready_mappings(admin):
    form = admin.get("/api/data/import").json()
    assert "hubspot-deals" in [p["name"] for p in form["presets"]]
    page = admin.get("/data/import")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text


def test_health_json_matches_health_check(app, admin):
    upload(admin, WITH_BAD_ROW, allow_partial=True)
    shown = admin.get("/api/data/health").json()
    expected = health.check(app.state.warehouse)
    deals = next(t for t in shown["tables"] if t["table"] == "opportunities")
    truth = expected.table("opportunities")
    assert deals["rows"] == truth.rows == 3
    assert deals["last_import_file"] == truth.last_import_file == "hubspot-deals.csv"
    assert deals["rejected_rows"] == truth.rejected_rows == 1
    assert deals["issues"] == truth.issues
    assert [(c["check"], c["column"], c["count"]) for c in deals["checks"]] == [
        (c.check, c.column, c.count) for c in truth.checks
    ]
    assert [t["table"] for t in shown["tables"]] == [t.table for t in expected.tables]
    page = admin.get("/data/health")
    assert page.status_code == 200 and 'data-table="opportunities"' in page.text


# Company-wide counts, dates and file names: the admin's alone (issue 15: managers and
# viewers read the whole company's tables there).
@pytest.mark.parametrize(
    ("role", "status"), [("admin", 200), ("viewer", 403), ("manager", 403), ("rep", 403)]
)
def test_who_reads_the_health_page(app, role, status):
    client = login(app, role)
    assert client.get("/api/data/health").status_code == status
    assert client.get("/data/health").status_code == status


def test_the_kpi_card_shows_the_health_of_its_sources(app, admin):
    # forecast_hit_rate reads only `opportunities`; the partial import refused 1 row of it.
    upload(admin, WITH_BAD_ROW, allow_partial=True)
    data = admin.get("/api/kpi/forecast_hit_rate?period=2026-03").json()
    truth = health.check(app.state.warehouse).table("opportunities")
    assert data["source_health"] == {"opportunities": {"issues": truth.issues, "rejected_rows": 1}}
    page = admin.get("/kpi/forecast_hit_rate?period=2026-03")  # the definition card: at once
    assert 'class="source-health" data-source="opportunities"' in page.text


def test_only_the_admin_sees_the_health_of_sources_on_the_kpi_card(app, admin):
    upload(admin, WITH_BAD_ROW, allow_partial=True)
    for role in ("manager", "rep", "viewer"):
        data = login(app, role).get("/api/kpi/forecast_hit_rate?period=2026-03").json()
        assert data["source_health"] == {}, role
        page = login(app, role).get("/kpi/forecast_hit_rate?period=2026-03")
        assert "source-health" not in page.text and "/data/health" not in page.text, role


def test_an_upload_with_a_mapping_file(app, admin):
    # The Italian spreadsheet of tests/ingest (";" delimited, Latin-1, 1.234,56) and its mapping.
    from tests.ingest.conftest import FILES

    response = admin.post(
        "/api/data/import",
        files=[
            ("files", ("trattative.csv", (FILES / "gestionale-trattative.csv").read_bytes())),
            ("mapping", ("trattative.yaml", (FILES / "gestionale-trattative.yaml").read_bytes())),
        ],
    )
    report = response.json()
    assert report["applied"] is True, report
    assert report["files"][0]["file"] == "trattative.csv"
    assert deal_ids(app) == ["T-001", "T-002", "T-003"]
    amounts = app.state.warehouse.table("opportunities").order_by("opportunity_id").amount
    assert list(amounts.execute())[0] == pytest.approx(1234.56)  # "1.234,56" in the file
