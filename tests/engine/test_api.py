"""The Python API opens the same engine, with the company config applied."""

import datetime as dt

import cruscotto
from cruscotto.warehouse import connect
from tests.engine.test_sales import load_sales


def test_open_reads_the_config(tmp_path):
    path = str(tmp_path / "api.duckdb")
    warehouse = connect(path)
    load_sales(warehouse)
    warehouse.close()
    config = tmp_path / "cruscotto.yaml"
    config.write_text(
        "company: {timezone: Europe/Rome, base_currency: EUR}\nkpis:\n  targets: {win_rate: 0.4}\n",
        encoding="utf-8",
    )
    engine = cruscotto.open(path, config=config, today=dt.date(2026, 12, 1))
    result = engine.value("win_rate", "2026-03")
    # 2 won of 4 closed (test_sales): 50% against the 40% target from the config, but on
    # 4 records a rate is judged "too few records", never on or off target (issue 10).
    assert (result.value, result.status) == (0.5, "too_few")
    assert engine.catalog.get("win_rate").target == 0.4
    assert result.to_dict()["numerator"] == 2
    compared = engine.compare("deals_won", "2026-03")
    assert [compared[k].value for k in ("current", "previous", "last_year")] == [2, 0, 0]
