"""Every KPI in the catalog answers every question, on every engine."""

import pytest

from cruscotto.catalog import DIMENSIONS, load_catalog
from tests.engine.conftest import loaded_engine
from tests.engine.small_company import load_small_company

KPI_IDS = [d.id for d in load_catalog().all()]

company = loaded_engine(load_small_company)


@pytest.mark.parametrize("kpi_id", KPI_IDS)
def test_value_trend_breakdown_and_records(company, kpi_id):
    definition = company.catalog.get(kpi_id)
    value = company.value(kpi_id, "2026-03")
    assert value.kpi_id == kpi_id and value.unit == definition.unit
    trend = company.trend(kpi_id, "2026-Q1", "month")
    assert [r.period.label for r in trend] == ["2026-01", "2026-02", "2026-03"]
    # The trend's last month is the same computation as the month alone.
    assert trend[-1].value == pytest.approx(value.value)
    for dimension in definition.dimensions[:2]:
        rows = company.breakdown(kpi_id, "2026-03", dimension)
        assert all(isinstance(r.value, int | float) or r.value is None for _, r in rows)
    page, total = company.records(kpi_id, "2026-03", limit=5)
    assert len(page) == min(total, 5)


@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_every_declared_dimension_breaks_down(company, dimension):
    kpi_ids = [k for k in KPI_IDS if dimension in company.catalog.get(k).dimensions]
    answers = company.breakdowns(kpi_ids, "2026-03", dimension)
    assert set(answers) == set(kpi_ids)
    for kpi_id in kpi_ids:
        # The rows of a breakdown are the KPI's records split by the dimension: counts add
        # up to the whole.
        definition = company.catalog.get(kpi_id)
        if definition.type == "count":
            total = company.value(kpi_id, "2026-03").value
            assert sum(r.value for _, r in answers[kpi_id]) == total, (kpi_id, dimension)
