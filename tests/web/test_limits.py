"""Limits (issue 15): a 200 MB upload took 36 s and 2.1 GB; an XLSX with one 300 MB cell
took 1.5 GB; a 1M-row file answered with a 206 MB JSON of rejects. The limits are
settings (SecuritySettings); here they are made small so the test files stay small."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from cruscotto.settings import CompanySettings, SecuritySettings
from cruscotto.warehouse import connect
from cruscotto.web import create_app
from tests.web.conftest import add_users, close_app, login
from tests.web.data import TODAY

LIMITS = SecuritySettings(
    max_upload_mb=1, max_xlsx_uncompressed_mb=2, max_import_rows=50, rejects_shown=5
)


@pytest.fixture
def app(tmp_path):
    warehouse = connect(str(tmp_path / "limits.duckdb"))
    application = create_app(warehouse, CompanySettings(), today=TODAY, security=LIMITS)
    add_users(application)
    yield application
    close_app(application)


def upload(client: TestClient, name: str, content: bytes, **data):
    return client.post(
        "/api/data/import", files=[("files", (name, content, "text/csv"))], data=data
    )


def reps_csv(rows: int, bad: bool = False) -> bytes:
    lines = ["rep_id,name,team,role,active"]
    lines += [f"r{i},Person {i},North,ae,{'maybe' if bad else 'true'}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def test_an_upload_over_the_size_limit_is_refused_before_it_is_read(app):
    admin = login(app, "admin")
    big = b"rep_id,name\n" + b"x" * (2 * 1024 * 1024)  # 2 MB; the limit here is 1 MB
    response = upload(admin, "big.csv", big, table="reps")
    assert response.status_code == 413
    assert "larger than 1 MB" in response.json()["detail"]


def test_a_chunked_upload_over_the_limit_is_cut_off(app):
    admin = login(app, "admin")

    def chunks():
        yield b"--b\r\nContent-Disposition: form-data; name=files; filename=a.csv\r\n\r\n"
        for _ in range(40):  # 40 × 64 KiB = 2.5 MB, sent without a Content-Length
            yield b"y" * 65536
        yield b"\r\n--b--\r\n"

    response = admin.post(
        "/api/data/import",
        content=chunks(),
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert response.status_code == 413


def test_an_xlsx_that_unzips_too_large_is_refused(app):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["rep_id", "name", "team", "role", "active"])
    # 100 cells of 32,000 characters (Excel's most is 32,767): 3.2 MB unzipped; limit 2 MB.
    for i in range(100):
        sheet.append([f"r{i}", "A" * 32_000, "North", "ae", True])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert len(buffer.getvalue()) < 1024 * 1024  # compressed, it passes the upload limit
    response = login(app, "admin").post(
        "/api/data/import",
        files=[("files", ("people.xlsx", buffer.getvalue(), "application/octet-stream"))],
        data={"table": "reps"},
    )
    assert response.status_code == 413, response.text
    assert "people.xlsx" in response.json()["detail"] and "2 MB" in response.json()["detail"]


def test_a_file_with_too_many_rows_is_refused(app):
    admin = login(app, "admin")
    assert upload(admin, "ok.csv", reps_csv(50), table="reps").status_code == 200
    response = upload(admin, "many.csv", reps_csv(51), table="reps")
    assert response.status_code == 413
    assert "51 rows" in response.json()["detail"] and "50" in response.json()["detail"]


def test_rejects_are_capped_in_the_answer_and_all_downloadable_by_the_importer(app):
    admin = login(app, "admin")
    report = upload(admin, "bad.csv", reps_csv(30, bad=True), table="reps").json()
    assert report["applied"] is False
    assert report["rejects_total"] == 30 and len(report["rejects"]) == 5
    download = admin.get(report["rejects_csv"])
    assert download.status_code == 200
    assert len(list(csv.DictReader(io.StringIO(download.text)))) == 30
    # Another user (even an admin) does not get this user's rejects.
    other = login(app, "manager")
    assert other.get(report["rejects_csv"]).status_code in (403, 404)
    page = admin.post(
        "/data/import",
        files=[("files", ("bad.csv", reps_csv(30, bad=True), "text/csv"))],
        data={"table": "reps"},
    )
    assert 'data-truncated="rejects"' in page.text
    assert page.text.count("<td>bad.csv</td>") == 5
