"""Helpers for the import tests: the sample exports and a fixed company setting."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cruscotto.ingest import ImportReport, Settings, import_files
from cruscotto.warehouse import Warehouse

FILES = Path(__file__).parent / "files"
# The demo company: an Italian SME, so times without a zone are Rome time.
ROME = Settings(timezone="Europe/Rome", currency="EUR")
NOW = dt.datetime(2026, 6, 1, 12, 0)


def run(warehouse: Warehouse, *paths: str | Path, **options) -> ImportReport:
    """Import sample files (names relative to tests/ingest/files) as the Rome company."""
    options.setdefault("settings", ROME)
    options.setdefault("now", NOW)
    files = [p if Path(p).is_absolute() else FILES / p for p in paths]
    return import_files(warehouse, files, **options)


def rows(warehouse: Warehouse, table: str, order_by: str | None = None):
    expr = warehouse.con.table(table)
    if order_by:
        expr = expr.order_by(order_by)
    return expr.execute()


@pytest.fixture
def files() -> Path:
    return FILES
