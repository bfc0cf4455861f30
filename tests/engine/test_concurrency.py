"""One Engine shared by many threads (as the web app's thread pool does) gives the same
answers as asking one question at a time, without a connection error."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.engine.conftest import loaded_engine
from tests.engine.fixtures import engine_for
from tests.engine.small_company import load_small_company

company = loaded_engine(load_small_company)

# Every kind of KPI: declared measures, ratios, derived, and functions on KpiScope
# (money converted with fx_rates, customers at a date, campaign spend over days).
KPIS = [
    "new_leads",
    "win_rate",
    "avg_contract_value",
    "sales_velocity",
    "mrr",
    "cac",
    "clv_to_cac",
    "account_health",
    "roi",
    "revenue",
    "nps",
    "stage_duration",
]
THREADS = 8


def _answers(engine, kpi_id: str) -> tuple:
    value = engine.value(kpi_id, "2026-03").to_dict()
    trend = [r.to_dict() for r in engine.trend(kpi_id, "2026-Q1", "month")]
    return kpi_id, repr(value), repr(trend)


def test_threads_sharing_one_engine_get_the_sequential_answers(company):
    expected = {kpi_id: _answers(company, kpi_id) for kpi_id in KPIS}
    # A fresh engine, so that its first look-ups (fx rates, tables) race as well.
    shared = engine_for(company.warehouse)
    questions = KPIS * 3
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        answers = list(pool.map(lambda kpi_id: _answers(shared, kpi_id), questions))
    assert len(answers) == len(questions)
    for answer in answers:
        assert answer == expected[answer[0]]
