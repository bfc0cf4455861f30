"""The whole catalog on Spark gives DuckDB's numbers (SPEC §7: one definition, any engine).

The hand-counted small company (tests/engine/small_company.py), whose values the engine
tests pin by hand on DuckDB and PostgreSQL, is copied with `db copy` to a Parquet folder
and read by a local Spark session through Ibis. Every KPI is then asked the four
questions — value, trend, breakdown by each declared dimension, records — and each answer
must equal DuckDB's: same value, numerator, denominator and interval to 1e-9. DuckDB is
the independent check here, since its numbers are the hand-computed ones.
"""

from __future__ import annotations

import math

import pytest

from cruscotto.catalog import load_catalog
from cruscotto.warehouse import WarehouseError, connect
from cruscotto.warehouse.copy import copy_warehouse
from tests.engine.fixtures import engine_for
from tests.engine.small_company import load_small_company

pytestmark = pytest.mark.spark

KPI_IDS = [d.id for d in load_catalog().all()]
FIELDS = ("value", "numerator", "denominator", "ci_low", "ci_high", "sample_size")


@pytest.fixture(scope="module")
def engines(java, tmp_path_factory):
    folder = tmp_path_factory.mktemp("spark")
    duck_path = folder / "company.duckdb"
    duck = connect(str(duck_path))
    load_small_company(duck)
    duck.close()
    copied = copy_warehouse(str(duck_path), f"spark+local://{folder / 'lake'}")
    assert sum(t.destination_rows for t in copied) > 0
    duck = engine_for(connect(str(duck_path), read_only=True))
    spark = engine_for(connect(f"spark+local://{folder / 'lake'}"))
    yield duck, spark
    duck.warehouse.close()


def same(a, b) -> bool:
    for field in FIELDS:
        x, y = getattr(a, field), getattr(b, field)
        if (x is None) != (y is None):
            return False
        if x is not None and not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9):
            return False
    return True


def test_values_equal_duckdb(engines):
    duck, spark = engines
    expected = duck.values(KPI_IDS, "2026-Q1")
    answered = spark.values(KPI_IDS, "2026-Q1")
    differ = [k for k in KPI_IDS if not same(expected[k], answered[k])]
    assert differ == []


def test_trends_equal_duckdb(engines):
    duck, spark = engines
    expected = duck.trends(KPI_IDS, "2026-Q1", "month")
    answered = spark.trends(KPI_IDS, "2026-Q1", "month")
    differ = [
        k for k in KPI_IDS if len(expected[k]) != 3 or not all(map(same, expected[k], answered[k]))
    ]
    assert differ == []


@pytest.mark.parametrize("dimension", ["rep", "team", "channel", "segment", "product"])
def test_breakdowns_equal_duckdb(engines, dimension):
    duck, spark = engines
    kpi_ids = [k for k in KPI_IDS if duck.supports(k, dimension)]
    expected = duck.breakdowns(kpi_ids, "2026-Q1", dimension)
    answered = spark.breakdowns(kpi_ids, "2026-Q1", dimension)
    differ = []
    for k in kpi_ids:
        rows, spark_rows = dict(expected[k]), dict(answered[k])
        if rows.keys() != spark_rows.keys() or not all(
            same(rows[key], spark_rows[key]) for key in rows
        ):
            differ.append(k)
    assert differ == []


def test_records_equal_duckdb(engines):
    duck, spark = engines
    for kpi_id in ("win_rate", "new_leads", "nps", "revenue"):
        page, total = duck.records(kpi_id, "2026-Q1", limit=50)
        spark_page, spark_total = spark.records(kpi_id, "2026-Q1", limit=50)
        assert spark_total == total
        assert len(spark_page) == len(page)


def test_writes_are_refused_with_the_way_to_copy(engines):
    _, spark = engines
    with pytest.raises(WarehouseError, match="db copy"):
        spark.warehouse.load({})
