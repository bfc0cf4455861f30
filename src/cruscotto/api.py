"""The Python API for notebooks: the same engine the CLI and the web app use.

import cruscotto
c = cruscotto.open("cruscotto.duckdb")
c.value("win_rate", "2026-Q3").to_dict()
c.trend("new_leads", "2026", "month")
c.breakdown("open_pipeline", "2026-09", "rep")
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cruscotto.catalog import load_catalog
from cruscotto.engine import Engine
from cruscotto.settings import company_settings, config_path, read_config
from cruscotto.warehouse import Warehouse, connect


def engine_for(
    warehouse: Warehouse, config: str | Path | None = None, today: dt.date | None = None
) -> Engine:
    """An engine on an open warehouse, with the company settings and KPI overrides of
    `config` (default: cruscotto.yaml in the working directory, or $CRUSCOTTO_CONFIG)."""
    data = read_config(config)
    settings = company_settings(data.get("company") or {}, str(config_path(config)))
    return Engine(warehouse, settings, load_catalog(data), today=today)


def open(  # noqa: A001 - `cruscotto.open(...)` reads like opening a file, on purpose
    db: str | None = None, config: str | Path | None = None, today: dt.date | None = None
) -> Engine:
    """Open the database `db` (a .duckdb path or postgres://…; default as the CLI's --db)."""
    return engine_for(connect(db, create=False), config, today)
