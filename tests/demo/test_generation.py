"""Generation as a whole: deterministic, proportional to scale, all or nothing, any engine."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from typer.testing import CliRunner

from cruscotto.cli import app
from cruscotto.demo import funnel, generate, ledger
from cruscotto.model import TABLES
from cruscotto.warehouse import Warehouse
from tests.demo.conftest import generate_into

TINY = 0.02
VOLUME_TABLES = ("leads", "opportunities", "activities", "tickets", "invoices", "timesheets")
# Tables of records (as opposed to one row per day, month or rep): these follow the scale.
RECORD_TABLES = (
    *VOLUME_TABLES, "accounts", "stage_history", "quotes", "surveys", "contracts", "projects",
    "tasks",
)  # fmt: skip


def _snapshot(path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            t.name: con.execute(f'select * from "{t.name}" order by all').fetchall() for t in TABLES
        }
    finally:
        con.close()


def test_the_same_seed_gives_identical_data_and_another_seed_does_not(tmp_path):
    generate_into(tmp_path / "a.duckdb", scale=TINY, seed=3)
    generate_into(tmp_path / "b.duckdb", scale=TINY, seed=3)
    generate_into(tmp_path / "c.duckdb", scale=TINY, seed=4)
    a, b, c = (_snapshot(tmp_path / f"{x}.duckdb") for x in "abc")
    assert a == b
    differing = [name for name in a if a[name] != c[name]]
    # Everything drawn at random differs; only the calendar-bound P&L month list, the
    # staff and rates structure could coincide, and even those carry random values.
    assert set(VOLUME_TABLES) <= set(differing)


def test_scale_multiplies_volume(tmp_path):
    # The story account and the minimum headcounts are fixed, so very small scales are
    # not quite proportional; from 0.1 on they are (at 0.05 and 0.1 the delivery team has
    # the same three consultants, whose internal time does not double).
    one = generate_into(tmp_path / "one.duckdb", scale=0.1, seed=5).rows
    two = generate_into(tmp_path / "two.duckdb", scale=0.2, seed=5).rows
    for name in RECORD_TABLES:
        assert 1.75 <= two[name] / one[name] <= 2.25, (name, one[name], two[name])


def test_generation_replaces_what_was_there(tmp_path):
    path = tmp_path / "demo.duckdb"
    first = generate_into(path, scale=TINY, seed=1)
    second = generate_into(path, scale=TINY, seed=1)
    con = duckdb.connect(str(path), read_only=True)
    stored = {t.name: con.execute(f'select count(*) from "{t.name}"').fetchone()[0] for t in TABLES}
    con.close()
    assert stored == second.rows == first.rows


def test_a_crash_mid_generation_leaves_the_database_as_it_was(warehouse, monkeypatch):
    generate(warehouse, scale=0.01, seed=1, today=date(2026, 1, 10))
    before = warehouse.row_counts()
    real = funnel.month_of_leads

    def crash_in_month_5(run, month):
        if month == 5:
            raise RuntimeError("disk full")
        return real(run, month)

    appended = []
    real_append = Warehouse.append
    monkeypatch.setattr(funnel, "month_of_leads", crash_in_month_5)
    monkeypatch.setattr(ledger, "FLUSH_ROWS", 1)  # append every chunk as soon as it is made

    def recording_append(wh, name, data):
        appended.append(name)
        real_append(wh, name, data)

    monkeypatch.setattr(Warehouse, "append", recording_append)
    with pytest.raises(RuntimeError, match="disk full"):
        generate(warehouse, scale=0.02, seed=2, today=date(2026, 1, 10))
    assert {"accounts", "leads", "activities"} <= set(appended)  # written, then rolled back
    assert warehouse.row_counts() == before


def test_generates_on_every_engine(warehouse):
    summary = generate(warehouse, scale=0.01, seed=9, today=date(2025, 8, 31))
    assert warehouse.row_counts() == summary.rows
    assert all(summary.rows.values())


def test_scale_must_be_positive(duckdb_warehouse):
    with pytest.raises(ValueError, match="positive"):
        generate(duckdb_warehouse, scale=0)


def test_cli_generates_and_prints_a_summary_without_serving(tmp_path):
    path = tmp_path / "cli.duckdb"
    result = CliRunner().invoke(
        app, ["--db", str(path), "demo", "--scale", "0.01", "--seed", "3", "--no-serve"]
    )
    assert result.exit_code == 0, result.output
    assert "opportunities" in result.output
    assert "Proposal becomes a bottleneck" in result.output
    assert "rows/s" in result.output
    con = duckdb.connect(str(path))  # the CLI's own connection is still open in-process
    assert con.execute("select count(*) from leads").fetchone()[0] > 0
    con.close()


def test_cli_rejects_a_bad_scale(tmp_path):
    result = CliRunner().invoke(
        app, ["--db", str(tmp_path / "x.duckdb"), "demo", "--scale", "-1", "--no-serve"]
    )
    assert result.exit_code == 1
    assert "--scale must be a positive number" in result.output


def test_cli_serves_through_the_web_apps_entry_point(tmp_path, monkeypatch):
    import sys
    import types

    served = {}
    web = types.ModuleType("cruscotto.cli.serve")
    web.serve_demo = lambda state, host, port: served.update(db=state.db_url, host=host, port=port)
    monkeypatch.setitem(sys.modules, "cruscotto.cli.serve", web)
    path = str(tmp_path / "served.duckdb")
    result = CliRunner().invoke(
        app, ["--db", path, "demo", "--scale", "0.01", "--host", "0.0.0.0", "--port", "8123"]
    )
    assert result.exit_code == 0, result.output
    assert served == {"db": path, "host": "0.0.0.0", "port": 8123}


def test_appended_chunks_do_not_stay_in_memory(duckdb_warehouse, monkeypatch):
    # Every chunk is appended as soon as it is made (FLUSH_ROWS = 1); by the time the
    # books are closed, still inside the transaction, none of them may still be held.
    import gc

    import pyarrow as pa

    from cruscotto.demo import finance

    monkeypatch.setattr(ledger, "FLUSH_ROWS", 1)
    held = {}
    real = finance.write_financials

    def measure_then_write(run):
        gc.collect()
        held["bytes"] = pa.total_allocated_bytes() - held["before"]
        real(run)

    monkeypatch.setattr(finance, "write_financials", measure_then_write)
    gc.collect()
    held["before"] = pa.total_allocated_bytes()
    summary = generate(duckdb_warehouse, scale=0.05, seed=1, today=date(2026, 1, 10))
    assert summary.total_rows > 25_000
    assert held["bytes"] < 200_000  # through ibis' insert: 2.3 MB
