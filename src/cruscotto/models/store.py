"""Every training of a model is recorded: when, on which data version, on how many closed
deals, whether the product uses it, and its full backtest (JSON) — `model_runs`.

The last trained state of each model is kept too — `model_states`, one row per model, the
result as JSON with the data version it was trained on — so a restarted server serves it
at once, and retrains only when the data changed since (cruscotto.models.background)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pandas as pd
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
    with warehouse.transaction(app_state=True):  # no KPI reads it: cached answers stay valid
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


MODEL_STATES = Table(
    "model_states",
    "The last trained state of each predictive model, reused after a restart.",
    (
        C("model", "string", "Which model (close_probability, churn_risk…)", nullable=False),
        C("trained_at", "timestamp", "When it was trained (UTC)", nullable=False),
        C("data_version", "string", "Rows and latest stamps of the data it learned from"),
        C("state", "string", "The trained result, as JSON", nullable=False),
    ),
    primary_key=("model",),
)


def _state_rows(warehouse: Warehouse) -> list[dict]:
    warehouse.ensure_tables([MODEL_STATES])
    with warehouse.lock:
        return warehouse.con.table(MODEL_STATES.name).to_pyarrow().to_pylist()


def save_state(
    warehouse: Warehouse, model: str, *, trained_at, data_version: str, state: dict
) -> None:
    """Make `state` the kept state of `model` (the other models' rows are kept)."""
    warehouse.ensure_tables([MODEL_STATES])
    with warehouse.transaction(app_state=True):
        rows = [r for r in _state_rows(warehouse) if r["model"] != model]
        rows.append(
            {
                "model": model,
                "trained_at": trained_at,
                "data_version": data_version,
                "state": json.dumps(state, default=str),
            }
        )
        schema = MODEL_STATES.ibis_schema().to_pyarrow()
        data = conform(MODEL_STATES, pa.Table.from_pylist(rows, schema=schema))
        warehouse.truncate(MODEL_STATES.name)
        warehouse.append(MODEL_STATES.name, data)


def load_state(warehouse: Warehouse, model: str) -> tuple[str, dict] | None:
    """The kept state of `model` and the data version it was trained on, if any."""
    for row in _state_rows(warehouse):
        if row["model"] == model:
            return row["data_version"], json.loads(row["state"])
    return None


def frame_state(frame: pd.DataFrame) -> dict[str, Any]:
    """A data frame as JSON-ready columns, index and rows (NaN as null)."""
    return json.loads(frame.to_json(orient="split", date_format="iso", default_handler=str))


def frame_from_state(state: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(state["data"], columns=state["columns"], index=state["index"])
