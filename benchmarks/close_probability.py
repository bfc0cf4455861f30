"""Training and scoring time of the close-probability model on the demo, and its backtest.

    .venv/bin/python benchmarks/close_probability.py --scale 1 [--scale 10]

For each scale: generates the demo into a temporary DuckDB file, then times each step of
what the product does after an import — read the deals, build the monthly snapshots, the
rolling-origin backtest (one training per origin), the final training and the scoring of
today's open deals with their factors — and prints the backtest table (model, stage-rate
baseline, CRM stage probability).
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import pandas as pd

from cruscotto.demo import generate
from cruscotto.engine import Engine
from cruscotto.models.backtest import Backtest, run_backtest
from cruscotto.models.close_probability import monthly_snapshots, train_close_probability
from cruscotto.models.deal_features import deal_snapshots
from cruscotto.models.deal_history import load_deal_history
from cruscotto.warehouse import connect

TODAY = dt.date(2026, 11, 25)


def timed(function):
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def print_backtest(backtest: Backtest) -> None:
    result = backtest.to_dict()
    print(
        f"  backtest: {result['n_deals']:,} deals at {len(result['origins'])} origins "
        f"({result['origins'][0]} … {result['origins'][-1]}), verdict: {result['reason']}"
    )
    print(f"  {'method':<10} {'n':>7} {'Brier':>8} {'log loss':>9} {'AUC':>7}")
    for row in result["methods"]:
        if not row["n"]:
            print(f"  {row['method']:<10} {0:>7} (no probability to compare)")
            continue
        auc = "–" if row["auc"] is None else f"{row['auc']:.3f}"
        print(
            f"  {row['method']:<10} {row['n']:>7,} {row['brier']:>8.4f} "
            f"{row['log_loss']:>9.4f} {auc:>7}"
        )
    print(f"  calibration of the model: {'bin':<10} {'deals':>6} {'predicted':>10} {'won':>6}")
    for row in result["calibration"]["model"]:
        print(
            f"  {'':<26} {row['low']:.0%}–{row['high']:.0%}{'':<4} {row['deals']:>6,} "
            f"{row['predicted']:>10.1%} {row['won']:>6.1%}"
        )


def run(scale: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        warehouse = connect(str(Path(folder) / "demo.duckdb"))
        _, seconds = timed(lambda: generate(warehouse, scale=scale, today=TODAY))
        engine = Engine(warehouse, today=TODAY)
        history, load = timed(lambda: load_deal_history(engine))
        print(
            f"\nscale {scale:g}: demo generated in {seconds:.1f} s; {len(history.deals):,} deals, "
            f"{len(history.stage_history):,} stage entries, {len(history.activities):,} "
            "activities on deals"
        )
        snapshots, snap = timed(lambda: monthly_snapshots(history))
        backtest, bt = timed(lambda: run_backtest(history, snapshots))
        cutoff = history.today + pd.Timedelta(days=1)
        model, train = timed(lambda: train_close_probability(history, cutoff, snapshots))
        open_now = history.deals[history.deals.status == "open"]

        def score():
            current = deal_snapshots(history, history.today, model.order, open_now)
            return model.probabilities(current), model.factors(current)

        _, scoring = timed(score)
        print(f"  {'step':<44} {'seconds':>8}")
        for step, value in (
            ("read deals, stages, activities", load),
            (f"monthly snapshots ({len(snapshots):,} rows)", snap),
            (f"backtest ({len(backtest.origins)} trainings + scoring)", bt),
            (f"final training ({model.closed_deals:,} closed deals)", train),
            (f"scoring {len(open_now):,} open deals with factors", scoring),
        ):
            print(f"  {step:<44} {value:>8.2f}")
        total = load + snap + bt + train + scoring
        print(f"  {'total (what a retraining after import costs)':<44} {total:>8.2f}")
        print(f"  scoring per open deal: {scoring / max(len(open_now), 1) * 1000:.2f} ms")
        print_backtest(backtest)
        warehouse.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, action="append", help="demo scale (repeatable)")
    for scale in parser.parse_args().scale or [1.0]:
        run(scale)


if __name__ == "__main__":
    main()
