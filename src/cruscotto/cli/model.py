"""`cruscotto model …`: the predictive models — fitted on a file, or backtested on the data.

cruscotto model retention --survival cohort.csv --fit-periods 7
cruscotto model repeat --summary customers.csv --format json
cruscotto model backtest --format json
cruscotto model lifetime --format json
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table as RichTable

from cruscotto.cli.context import console, fail, state
from cruscotto.models import fit_repeat_purchases, fit_retention
from cruscotto.models.input_files import ModelFileError, read_customer_summary, read_survival
from cruscotto.models.repeat_purchase import RepeatPurchaseInputError
from cruscotto.models.retention import RetentionInputError

app = typer.Typer(help="Predictive models: retention, repeat purchases, backtests.")

FORMATS = ("table", "json")
OutputFormat = Annotated[str, typer.Option("--format", help="table or json.")]


def _check_format(output_format: str) -> None:
    if output_format not in FORMATS:
        fail(f"unknown format {output_format!r}; use one of {', '.join(FORMATS)}")


@app.command()
def retention(
    survival: Annotated[
        Path, typer.Option(help="CSV with columns period,alive; period 0 is the cohort size.")
    ],
    fit_periods: Annotated[int, typer.Option(help="Fit α and β on periods 1…N; project the rest.")],
    output_format: OutputFormat = "table",
) -> None:
    """Fit the shifted-beta-geometric retention model to a cohort and project it."""
    _check_format(output_format)
    try:
        alive = read_survival(survival)
        fit = fit_retention(alive, fit_periods)
    except (ModelFileError, RetentionInputError) as exc:
        fail(str(exc))
    periods = len(alive) - 1
    projected = fit.projected(periods)
    result: dict[str, Any] = {
        "model": "sBG",
        "alpha": fit.alpha,
        "beta": fit.beta,
        "log_likelihood": fit.log_likelihood,
        "fit_periods": fit_periods,
        "projected": projected,
        "observed": alive,
        "retention_rate": [None, *fit.retention_rates(periods)],
    }
    if output_format == "json":
        typer.echo(json.dumps(result, indent=2))
        return
    console.print(
        f"sBG fitted on periods 1–{fit_periods}: alpha = {fit.alpha:.4f}, "
        f"beta = {fit.beta:.4f}, log-likelihood = {fit.log_likelihood:.2f}"
    )
    table = RichTable("period", "observed", "projected", "retention rate")
    for period, (seen, expected, rate) in enumerate(
        zip(alive, projected, result["retention_rate"], strict=True)
    ):
        marker = "" if period <= fit_periods else " (projected)"
        table.add_row(
            f"{period}{marker}",
            f"{seen:g}",
            f"{expected:.1f}",
            "" if rate is None else f"{rate:.1%}",
        )
    console.print(table)


@app.command()
def repeat(
    summary: Annotated[
        Path, typer.Option(help="CSV with columns ID,frequency,recency,T (one row a customer).")
    ],
    output_format: OutputFormat = "table",
) -> None:
    """Fit the BG/NBD repeat-purchase model to customers' frequency, recency and age."""
    _check_format(output_format)
    try:
        columns = read_customer_summary(summary)
        fit = fit_repeat_purchases(columns["frequency"], columns["recency"], columns["T"])
    except (ModelFileError, RepeatPurchaseInputError) as exc:
        fail(str(exc))
    result = {
        "model": "BG/NBD",
        "r": fit.r,
        "alpha": fit.alpha,
        "a": fit.a,
        "b": fit.b,
        "log_likelihood": fit.log_likelihood,
        "customers": fit.customers,
    }
    if output_format == "json":
        typer.echo(json.dumps(result, indent=2))
        return
    console.print(
        f"BG/NBD on {fit.customers:,} customers: r = {fit.r:.4f}, alpha = {fit.alpha:.4f}, "
        f"a = {fit.a:.4f}, b = {fit.b:.4f}, log-likelihood = {fit.log_likelihood:.2f}"
    )


@app.command()
def backtest(ctx: typer.Context, output_format: OutputFormat = "table") -> None:
    """Backtest the close-probability model on the company's deals (rolling origins) against
    the stage win rates and the CRM's probability; record the training."""
    _check_format(output_format)
    from cruscotto.api import engine_for
    from cruscotto.models.deal_scores import record, score_open_deals

    engine = engine_for(state(ctx).warehouse())
    scores = score_open_deals(engine)
    record(engine, scores)
    result = scores.backtest.to_dict() | scores.summary()
    if output_format == "json":
        typer.echo(json.dumps(result, indent=2, default=str))
        return
    print_backtest(result)


@app.command()
def lifetime(ctx: typer.Context, output_format: OutputFormat = "table") -> None:
    """Retention per start cohort (sBG on the contracts) and repeat purchases (BG/NBD on the
    invoices of customers without a contract): the CLV from the retention model with its
    inputs. The kept model is used when the data has not changed; else it is fitted now."""
    _check_format(output_format)
    from cruscotto.api import engine_for
    from cruscotto.models.lifetime_value import LifetimeValueService

    engine = engine_for(state(ctx).warehouse())
    service = LifetimeValueService()
    values = service.current(engine, wait=True)
    if values is None:
        fail(f"the models could not be fitted: {service.error}")
    result = values.summary()
    if output_format == "json":
        typer.echo(json.dumps(result, indent=2, default=str))
        return
    console.print(
        f"CLV of a new contract customer (retention model): {_number(result['clv'], 2)} "
        f"= yearly revenue {_number(result['yearly_revenue'], 2)} × Σ S(t)/(1 + "
        f"{result['discount_per_year']})^t; α = {_number(result['alpha'])}, "
        f"β = {_number(result['beta'])}; {result['contract_customers']:,} contract customers."
    )
    table = RichTable("start year", "customers", "alive after each year", "projected in 10 years")
    for cohort in result["cohorts"]:
        table.add_row(
            str(cohort["year"]),
            f"{cohort['size']:,}",
            " · ".join(f"{n:,}" for n in cohort["alive"][1:]) or "–",
            _number(cohort["projected"][10], 0) if cohort["projected"] else "–",
        )
    console.print(table)
    repeat = result["repeat"]
    if "r" in repeat:
        console.print(
            f"Repeat purchases (BG/NBD) of {repeat['customers']:,} customers without a contract: "
            f"r = {repeat['r']:.4f}, α = {repeat['alpha']:.4f}, a = {repeat['a']:.4f}, "
            f"b = {repeat['b']:.4f}."
        )
    else:
        console.print(f"No repeat purchases among {repeat['customers']:,} customers to fit.")


def print_backtest(result: dict[str, Any]) -> None:
    console.print(
        f"Close-probability backtest: {result['n_deals']:,} deals scored at "
        f"{len(result['origins'])} monthly origins ({', '.join(result['origins'])}); "
        f"learned from {result['closed_deals']:,} closed deals."
    )
    table = RichTable("method", "predictions", "Brier (lower is better)", "log loss", "AUC")
    for row in result["methods"]:
        table.add_row(
            row["method"],
            f"{row['n']:,}",
            _number(row["brier"]),
            _number(row["log_loss"]),
            _number(row["auc"], 3),
        )
    console.print(table)
    calibration = RichTable("predicted", "deals", "mean predicted", "share won", title="model")
    for row in result["calibration"].get("model", []):
        calibration.add_row(
            f"{row['low']:.0%}–{row['high']:.0%}",
            f"{row['deals']:,}",
            f"{row['predicted']:.1%}",
            f"{row['won']:.1%}",
        )
    console.print(calibration)
    verdict = "uses the model" if result["uses_model"] else "uses the stage win rates"
    console.print(f"The forecast {verdict} ({result['reason']}).")


def _number(value: float | None, digits: int = 4) -> str:
    return "–" if value is None else f"{value:.{digits}f}"
