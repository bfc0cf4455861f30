"""The command line while `cruscotto serve` holds the DuckDB file (issues 14.7 and 15):
`db info`, `kpi show` and the user commands used to fail with a 40-line DuckDB lock
traceback, so a compromised user could not be removed without downtime. A real server
process and real CLI processes, as a person would run them."""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from cruscotto.warehouse import connect
from cruscotto.web.users import UserStore
from tests.web.data import load_company

ROOT = Path(__file__).parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(cwd: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "CRUSCOTTO_CONFIG": str(cwd / "cruscotto.yaml"),
        "COLUMNS": "200",
    }


def cruscotto(db: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cruscotto.cli", "--db", str(db), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment(cwd),
        timeout=120,
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("served")
    db = folder / "company.duckdb"
    warehouse = connect(str(db))
    load_company(warehouse)
    UserStore(warehouse).add("admin", "correct horse battery staple", "admin")
    warehouse.close()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "cruscotto.cli", "--db", str(db), "serve", "--port", str(port)],
        cwd=folder,
        env=environment(folder),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/login", timeout=1)
            break
        except httpx.TransportError:
            assert server.poll() is None, server.stderr.read().decode()
            time.sleep(0.2)
    yield db, url, folder
    server.terminate()
    server.wait(timeout=30)


def test_the_server_leaves_a_control_file_only_its_owner_reads(served):
    db, url, _ = served
    control = Path(str(db) + ".server.json")
    assert stat.S_IMODE(control.stat().st_mode) == 0o600
    content = json.loads(control.read_text())
    assert content["url"] == url and len(content["secret"]) >= 40


def test_db_info_and_kpi_show_work_while_the_server_runs(served):
    db, _, folder = served
    info = cruscotto(db, "db", "info", cwd=folder)
    assert info.returncode == 0, info.stderr
    assert "leads" in info.stdout and "Traceback" not in info.stderr
    # tests/web/data.py: 8 leads; new leads in March 2026 = 6 (3 r1 + 2 r2 + 1 r3).
    assert re.search(r"│ leads +│ +8 │", info.stdout), info.stdout
    shown = cruscotto(
        db, "kpi", "show", "new_leads", "--period", "2026-03", "--format", "json", cwd=folder
    )
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["value"] == 6
    by_rep = cruscotto(
        db,
        "kpi",
        "show",
        "new_leads",
        "--period",
        "2026-03",
        "--by",
        "rep",
        "--format",
        "json",
        cwd=folder,
    )
    rows = {r["group"]: r["value"] for r in json.loads(by_rep.stdout)["rows"]}
    assert rows == {"r1": 3, "r2": 2, "r3": 1}
    bad = cruscotto(db, "kpi", "show", "new_leads", "--period", "someday", cwd=folder)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and "someday" in bad.stderr


def test_user_commands_work_while_the_server_runs_and_take_effect_at_once(served):
    db, url, folder = served
    added = cruscotto(
        db,
        "user",
        "add",
        "mallory",
        "--role",
        "viewer",
        "--password",
        "plum tree lantern 42",
        cwd=folder,
    )
    assert added.returncode == 0, added.stderr
    issued = cruscotto(db, "user", "token", "mallory", "--name", "laptop", cwd=folder)
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip()
    bearer = {"Authorization": f"Bearer {token}"}
    assert httpx.get(url + "/api/me", headers=bearer).json()["username"] == "mallory"
    listed = cruscotto(db, "user", "tokens", "mallory", cwd=folder)
    token_id = token.split(".")[0]
    assert token_id in listed.stdout and "laptop" in listed.stdout
    assert cruscotto(db, "user", "revoke", token_id, cwd=folder).returncode == 0
    assert httpx.get(url + "/api/me", headers=bearer).status_code == 401

    # A session of the user in a browser ends when the user is removed.
    browser = httpx.Client(base_url=url)
    page = browser.get("/login")
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"username": "mallory", "password": "plum tree lantern 42", "csrf_token": csrf}
    browser.post("/login", data=form)
    assert browser.get("/api/me").status_code == 200
    removed = cruscotto(db, "user", "remove", "mallory", cwd=folder)
    assert removed.returncode == 0, removed.stderr
    assert browser.get("/api/me").status_code == 401
    assert "mallory" not in cruscotto(db, "user", "list", cwd=folder).stdout


def test_a_command_that_cannot_go_through_the_server_says_so_in_one_sentence(served):
    db, _, folder = served
    (folder / "reps.csv").write_text("rep_id,name,team,role,active\nr9,Zed,North,ae,true\n")
    result = cruscotto(db, "import", "reps.csv", "--table", "reps", cwd=folder)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "held by `cruscotto serve`" in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2  # one sentence (wrapped at most once)


def test_a_database_held_by_another_program_is_one_sentence(tmp_path):
    db = tmp_path / "held.duckdb"
    connect(str(db)).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(db)!r}); "
            "print('ready', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        result = cruscotto(db, "db", "info", cwd=tmp_path)
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "in use by another program" in result.stderr and "PID" in result.stderr
