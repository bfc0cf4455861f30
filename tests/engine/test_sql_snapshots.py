"""The SQL the engine sends for a few representative questions, per engine, compared with
the files in tests/engine/sql_snapshots/ — so that a change in the shape or the number
of queries shows in review, as a diff of those files.

Representative: a declared ratio (win rate: one query per source and date), money in
the base currency (average contract value: rates joined per record), a trend (new
leads by month: one grouped query), a breakdown (win rate by rep), and a KPI function
(MRR, written for a KpiScope).

When a change is intended, refresh the files and review their diff:

    CRUSCOTTO_UPDATE_SQL=1 .venv/bin/pytest tests/engine/test_sql_snapshots.py
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.engine.conftest import loaded_engine
from tests.engine.small_company import load_small_company

company = loaded_engine(load_small_company)
SNAPSHOTS = Path(__file__).parent / "sql_snapshots"
UPDATE = os.environ.get("CRUSCOTTO_UPDATE_SQL") == "1"

QUESTIONS = {
    "win_rate_value": lambda e: e.value("win_rate", "2026-03"),
    "avg_contract_value_value": lambda e: e.value("avg_contract_value", "2026-03"),
    "new_leads_trend": lambda e: e.trend("new_leads", "2026-Q1", "month"),
    "win_rate_by_rep": lambda e: e.breakdown("win_rate", "2026-03", "rep"),
    "mrr_value": lambda e: e.value("mrr", "2026-03"),
}

# Names Ibis makes up for in-memory tables (the filled-in exchange rates) differ per run.
_MEMTABLE = re.compile(r"ibis_pandas_memtable_[a-z0-9]+|ibis_pyarrow_memtable_[a-z0-9]+")


def _normalised(sql: str) -> str:
    return _MEMTABLE.sub("ibis_memtable", sql).strip()


def _sql_of(engine, ask) -> str:
    """Every statement `ask` sends to the warehouse, in order, compiled for its engine."""
    warehouse = engine.warehouse
    sent: list[str] = []
    originals = {name: getattr(warehouse, name) for name in ("execute", "to_pyarrow")}

    def recording(name):
        def run(expression, **kwargs):
            sent.append(_normalised(str(warehouse.con.compile(expression))))
            return originals[name](expression, **kwargs)

        return run

    for name in originals:
        setattr(warehouse, name, recording(name))
    try:
        ask(engine)
    finally:
        for name in originals:
            delattr(warehouse, name)  # the instance attribute: the class's method again
    header = f"-- {len(sent)} statement(s)\n"
    return header + "\n\n".join(f"{statement};" for statement in sent) + "\n"


@pytest.mark.parametrize("question", sorted(QUESTIONS))
def test_the_sql_of_a_question_is_the_reviewed_one(company, question):
    # The exchange rates are read once per question (a fingerprint query, then the
    # filled-in rates only when they changed): ask once first so every run sends the same.
    QUESTIONS[question](company)
    sql = _sql_of(company, QUESTIONS[question])
    path = SNAPSHOTS / company.warehouse.engine / f"{question}.sql"
    if UPDATE or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql)
        if not UPDATE:
            pytest.fail(f"{path} did not exist; written now: review and commit it")
    assert sql == path.read_text(), (
        f"the SQL of {question} changed; if intended, refresh with CRUSCOTTO_UPDATE_SQL=1 "
        "and review the diff"
    )
