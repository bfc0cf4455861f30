"""Every training of a model is recorded: when, on which data version, on how many closed
deals, whether the product uses it, and its full backtest (JSON)."""

from __future__ import annotations

import json
import uuid

import pyarrow as pa

from cruscotto.model import Column as C
from cruscotto.model import Table
from cruscotto.warehouse import Warehouse, conform

MODEL_RUNS = Table(
    "model_runs",
    "A training of a predictive model, with the backtest that decides whether it is used.",
    (
        C("run_id", "string", "Identifier of the training", nullable=False),
        C("model", "string", "Which model (close_probability, churn_risk…)", nullable=False),
        C("trained_at", "timestamp", "When it was trained (UTC)", nullable=False),
        C("data_version", "string", "Rows and latest stamps of the data it learned from"),
        C("closed_deals", "int", "Closed deals (or accounts) it learned from"),
        C("uses_model", "bool", "Whether the product shows it (it beat the baseline)"),
        C("backtest", "string", "The rolling-origin backtest, as JSON"),
    ),
    primary_key=("run_id",),
)


def record_run(
    warehouse: Warehouse,
    *,
    model: str,
    trained_at,
    data_version: str,
    closed_deals: int,
    uses_model: bool,
    backtest: dict,
) -> str:
    """Append one training to `model_runs` (created on first use); its run id."""
    warehouse.ensure_tables([MODEL_RUNS])
    run_id = uuid.uuid4().hex
    row = {
        "run_id": run_id,
        "model": model,
        "trained_at": trained_at,
        "data_version": data_version,
        "closed_deals": closed_deals,
        "uses_model": uses_model,
        "backtest": json.dumps(backtest, default=str),
    }
    schema = pa.schema([f.with_nullable(True) for f in MODEL_RUNS.ibis_schema().to_pyarrow()])
    data = conform(MODEL_RUNS, pa.Table.from_pylist([row], schema=schema))
    with warehouse.transaction():
        warehouse.append(MODEL_RUNS.name, data)
    return run_id


def latest_runs(warehouse: Warehouse, model: str, limit: int = 10) -> list[dict]:
    """The last `limit` trainings of `model`, newest first."""
    warehouse.ensure_tables([MODEL_RUNS])
    with warehouse.lock:
        table = warehouse.con.table(MODEL_RUNS.name)
        rows = (
            table.filter(table.model == model)
            .order_by(table.trained_at.desc())
            .limit(limit)
            .to_pyarrow()
            .to_pylist()
        )
    for row in rows:
        row["backtest"] = json.loads(row["backtest"]) if row["backtest"] else None
    return rows
